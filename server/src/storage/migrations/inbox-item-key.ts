/**
 * Migration: one key on `inbox` where there were two. A delivery's `item_id` is its packet id, so the
 * unique key reordered as `(item_id, kind, device)` finds a device's delivery (acknowledging, fetching)
 * and every delivery of a packet (is it the last? expiry) alike; `inbox_packet (packet_id, kind)` goes,
 * and each delivery writes one entry fewer into an index keyed by a random packet id (README "What one
 * submission writes"). Queries name a delivery's packet by `item_id` with `kind = 'packet'`.
 *
 * SQLite cannot drop a table's UNIQUE constraint, so there the table is rebuilt, its rows and its
 * AUTOINCREMENT counter carried over: listing positions (`seq`) are never handed out twice.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Engine } from '../database.js';

/** The inbox key migration, for `engine`. */
export function inboxItemKey(engine: Engine): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it is, not as typed.
    async up(db: Kysely<any>): Promise<void> {
      if (engine === 'postgres') {
        await sql`alter table inbox drop constraint inbox_item`.execute(db);
      } else {
        await sql`create table inbox_rebuilt (
          seq integer primary key autoincrement,
          device text not null,
          unit text not null,
          kind text not null check (kind in ('packet', 'notice')),
          item_id text not null,
          packet_id text not null,
          notice_type text,
          recipient_unit text,
          recipient_device text,
          created_at integer not null,
          expires_at integer not null
        )`.execute(db);
        await sql`insert into inbox_rebuilt select seq, device, unit, kind, item_id, packet_id, notice_type,
          recipient_unit, recipient_device, created_at, expires_at from inbox`.execute(db);
        // The copy made the new table's counter the highest seq still held; the old one's may be higher.
        await sql`delete from sqlite_sequence where name = 'inbox_rebuilt'`.execute(db);
        await sql`insert into sqlite_sequence (name, seq)
          select 'inbox_rebuilt', seq from sqlite_sequence where name = 'inbox'`.execute(db);
        await sql`drop table inbox`.execute(db);
        await sql`alter table inbox_rebuilt rename to inbox`.execute(db);
        await db.schema.createIndex('inbox_listing').on('inbox').columns(['device', 'seq']).execute();
        await db.schema.createIndex('inbox_expiry').on('inbox').columns(['kind', 'expires_at']).execute();
      }
      await db.schema.dropIndex('inbox_packet').ifExists().execute();
      await db.schema
        .createIndex('inbox_item')
        .on('inbox')
        .columns(['item_id', 'kind', 'device'])
        .unique()
        .execute();
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up().
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.createIndex('inbox_packet').on('inbox').columns(['packet_id', 'kind']).execute();
    },
  };
}
