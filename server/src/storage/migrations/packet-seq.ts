/**
 * Migration: packets are numbered, and named by their number everywhere but in `submissions` (README
 * "What one submission writes"). A packet id is random, so every index keyed by it takes each new entry
 * on a page of its own, and SQLite writes every such page whole to its write-ahead log. A submission had
 * three such entries and one more per delivery: the keys of `submissions` and `packets`, and the inbox's
 * `(item_id, kind, device)`. Now it has one, the key of `submissions`, which the idempotency check needs:
 *
 * - `packets.seq` numbers packets as they are stored, and is the table's key (on SQLite its own row key,
 *   so the envelopes are stored in that order too). `packets.id` stays, as data.
 * - `submissions.packet_seq` is the number of the packet the submission stored: a packet is found by its
 *   id through its submission, whose record outlives the packet (expiry.ts).
 * - `inbox.packet_seq` is a delivery's packet's number (null for a notice), and `inbox_delivery
 *   (packet_seq, device)`, unique, for deliveries only, finds a device's delivery of a packet and every
 *   delivery of one. Notices keep their key, `inbox_notice (item_id, device)`, for notices only.
 *
 * New entries of the numbered keys go to the end of their indexes, as packets are numbered. SQLite
 * cannot change a table's key, so there `packets` is rebuilt: its rows, numbered in order of receipt,
 * the index on the sender and the triggers that keep `queued_bytes` (queued-bytes.ts) carried over. A
 * delivery whose packet is gone (there should be none) is dropped: nothing could fetch it.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Engine } from '../database.js';
import { createSqliteTriggers } from './queued-bytes.js';

/** The packet numbering migration, for `engine`. */
export function packetSeq(engine: Engine): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it is, not as typed.
    async up(db: Kysely<any>): Promise<void> {
      if (engine === 'postgres') {
        // Named, for the submission statement's `nextval` (postgres-writes.ts).
        await sql`alter table packets add column seq bigint
          generated always as identity (sequence name packets_seq_seq)`.execute(db);
        await sql`alter table packets drop constraint packets_pkey`.execute(db);
        await sql`alter table packets add constraint packets_pkey primary key (seq)`.execute(db);
        await sql`alter table submissions add column packet_seq bigint`.execute(db);
        await sql`alter table inbox add column packet_seq bigint`.execute(db);
        await sql`update submissions s set packet_seq = p.seq from packets p where p.id = s.id`.execute(db);
        await sql`update inbox i set packet_seq = p.seq from packets p
          where p.id = i.item_id and i.kind = 'packet'`.execute(db);
      } else {
        await sql`create table packets_rebuilt (
          seq integer primary key autoincrement,
          id text not null,
          digest text not null,
          sender_unit text not null,
          sender_device text not null,
          size integer not null,
          envelope blob not null,
          received_at integer not null,
          expires_at integer not null
        )`.execute(db);
        await sql`insert into packets_rebuilt
          (id, digest, sender_unit, sender_device, size, envelope, received_at, expires_at)
          select id, digest, sender_unit, sender_device, size, envelope, received_at, expires_at
          from packets order by received_at, id`.execute(db);
        // Dropping the table drops its index and triggers; the totals they kept stay as they are.
        await sql`drop table packets`.execute(db);
        await sql`alter table packets_rebuilt rename to packets`.execute(db);
        await db.schema
          .createIndex('packets_sender_expiry')
          .on('packets')
          .columns(['sender_unit', 'expires_at'])
          .execute();
        await createSqliteTriggers(db);
        await sql`alter table submissions add column packet_seq integer`.execute(db);
        await sql`alter table inbox add column packet_seq integer`.execute(db);
        await sql`update submissions set packet_seq = (select p.seq from packets p where p.id = submissions.id)`.execute(
          db,
        );
        await sql`update inbox set packet_seq = (select p.seq from packets p where p.id = inbox.item_id)
          where kind = 'packet'`.execute(db);
      }
      await sql`delete from inbox where kind = 'packet' and packet_seq is null`.execute(db);
      await db.schema.dropIndex('inbox_item').execute();
      await sql`create unique index inbox_delivery on inbox (packet_seq, device) where kind = 'packet'`.execute(
        db,
      );
      await sql`create unique index inbox_notice on inbox (item_id, device) where kind = 'notice'`.execute(
        db,
      );
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up().
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('inbox_notice').ifExists().execute();
      await db.schema.dropIndex('inbox_delivery').ifExists().execute();
      await db.schema
        .createIndex('inbox_item')
        .on('inbox')
        .columns(['item_id', 'kind', 'device'])
        .unique()
        .execute();
    },
  };
}
