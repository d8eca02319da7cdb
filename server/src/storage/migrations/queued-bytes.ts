/**
 * Migration 8: the queued-bytes quotas (PROTOCOL.md §9) read from running totals instead of a sum over
 * every waiting packet. Summing the sending unit's packets on each submission cost time in proportion to
 * what waits: 2.5 ms of CPU with 2,000 packets of 4 KiB waiting, 18 ms with 4,000, all of it on the
 * event loop, and the quota lets a unit have 1 GiB (a quarter of a million such packets) waiting.
 *
 * `queued_bytes` holds, per sending device, the envelope bytes of its stored packets, kept by triggers on
 * `packets` in the writing transaction itself: every insert adds the packet's size, every delete
 * (acknowledgement of the last delivery, expiry, the sweep of a packet left without deliveries) takes
 * it off, whichever statement or relay process made it. The quota check reads the totals of the unit's
 * devices and subtracts the packets that have expired but not yet been swept, found by
 * `packets_sender_expiry (sender_unit, expires_at)` (replacing `packets_sender`, which only the sum used).
 *
 * On PostgreSQL each device's total is split over {@link POSTGRES_SHARDS} rows, a packet's bytes added
 * to and taken from a row picked at random: concurrent submissions of one device, each its own
 * transaction, would otherwise all wait for the one row's lock until the one before commits. SQLite has
 * one writer, so one row per device. The rows of a device sum to its total; one row alone means nothing.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Engine } from '../database.js';

/** Rows each device's total is split over on PostgreSQL. */
export const POSTGRES_SHARDS = 16;

/**
 * SQLite's triggers on `packets` that keep `queued_bytes` (one row per device, shard 0). Also made again
 * by packet-seq.ts, which rebuilds `packets`.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it is, not as typed.
export async function createSqliteTriggers(db: Kysely<any>): Promise<void> {
  await sql`create trigger packets_queued_bytes_insert after insert on packets begin
    insert into queued_bytes (device, shard, unit, bytes) values (new.sender_device, 0, new.sender_unit, new.size)
      on conflict (device, shard) do update set bytes = bytes + excluded.bytes;
    end`.execute(db);
  await sql`create trigger packets_queued_bytes_delete after delete on packets begin
    update queued_bytes set bytes = bytes - old.size where device = old.sender_device and shard = 0;
    end`.execute(db);
}

/** The queued-bytes migration, for `engine`. */
export function queuedBytes(engine: Engine): Migration {
  const int = engine === 'postgres' ? 'bigint' : 'integer';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it is, not as typed.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('queued_bytes')
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('shard', 'integer', (c) => c.notNull())
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('bytes', int, (c) => c.notNull())
        .addPrimaryKeyConstraint('queued_bytes_pk', ['device', 'shard'])
        .execute();
      await db.schema.createIndex('queued_bytes_unit').on('queued_bytes').column('unit').execute();
      await db.schema.dropIndex('packets_sender').ifExists().execute();
      await db.schema
        .createIndex('packets_sender_expiry')
        .on('packets')
        .columns(['sender_unit', 'expires_at'])
        .execute();
      await sql`insert into queued_bytes (device, shard, unit, bytes)
        select sender_device, 0, sender_unit, sum(size) from packets group by sender_device, sender_unit`.execute(
        db,
      );
      if (engine === 'postgres') {
        // `set search_path from current`: the tables of the schema the relay migrated, whoever fires it.
        await sql`create function queued_bytes_change() returns trigger language plpgsql
          set search_path from current as $$
          begin
            if tg_op = 'INSERT' then
              insert into queued_bytes (device, shard, unit, bytes)
                values (new.sender_device, floor(random() * ${sql.lit(POSTGRES_SHARDS)})::integer,
                  new.sender_unit, new.size)
                on conflict (device, shard) do update set bytes = queued_bytes.bytes + excluded.bytes;
              return new;
            end if;
            insert into queued_bytes (device, shard, unit, bytes)
              values (old.sender_device, floor(random() * ${sql.lit(POSTGRES_SHARDS)})::integer,
                old.sender_unit, -old.size)
              on conflict (device, shard) do update set bytes = queued_bytes.bytes + excluded.bytes;
            return old;
          end $$`.execute(db);
        await sql`create trigger packets_queued_bytes after insert or delete on packets
          for each row execute function queued_bytes_change()`.execute(db);
      } else {
        await createSqliteTriggers(db);
      }
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up().
    async down(db: Kysely<any>): Promise<void> {
      if (engine === 'postgres') {
        await sql`drop trigger if exists packets_queued_bytes on packets`.execute(db);
        await sql`drop function if exists queued_bytes_change()`.execute(db);
      } else {
        await sql`drop trigger if exists packets_queued_bytes_insert`.execute(db);
        await sql`drop trigger if exists packets_queued_bytes_delete`.execute(db);
      }
      await db.schema.dropIndex('packets_sender_expiry').ifExists().execute();
      await db.schema
        .createIndex('packets_sender')
        .on('packets')
        .columns(['sender_unit', 'sender_device'])
        .execute();
      await db.schema.dropTable('queued_bytes').ifExists().execute();
    },
  };
}
