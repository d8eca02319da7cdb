/**
 * Migration 9 (PostgreSQL only): token ids without a durable write per request (PROTOCOL.md §8,
 * "Replay protection"). `tokens` becomes an UNLOGGED table: its rows are shared by every relay process
 * on the database, as before, under the same unique key, but they are not written to the write-ahead
 * log, so a read's token id costs no log record of its own and no wait for a flush (PostgreSQL does not
 * wait to flush the commit of a transaction that wrote only unlogged tables), and a submission's
 * transaction logs no token row. PostgreSQL empties an unlogged table after a crash (and a promoted
 * standby starts with it empty); two more tables make that visible and safe:
 *
 * - `token_epoch`, UNLOGGED too, holds one row while `tokens` holds every id accepted since it was
 *   written: emptied by the same crash, so its absence says "token ids may have been lost".
 * - `token_floor`, an ordinary (logged) table, holds one `iat` (seconds): a token is accepted only if
 *   its `iat` is above it.
 *
 * A token is recorded only while the epoch row exists and its `iat` is above the floor, in the same
 * statement (postgres-writes.ts). A relay that finds the epoch gone first raises the floor, durably, to
 * its clock plus the 30 seconds a token's `iat` may be ahead (every token accepted before the crash has
 * its `iat` at or below that), then writes the epoch row again, in one transaction. Tokens at or below
 * the floor are refused as possibly used (`ERR_TOKEN_UNCERTAIN`); fresh ones pass once the clock is past
 * it. SQLite keeps token ids in memory with durable ceilings instead (token-ids.ts): nothing to do there.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Engine } from '../database.js';

/** The token epoch migration, for `engine`. */
export function tokenEpoch(engine: Engine): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it is, not as typed.
    async up(db: Kysely<any>): Promise<void> {
      if (engine !== 'postgres') return;
      await sql`alter table tokens set unlogged`.execute(db);
      await sql`create unlogged table token_epoch (id integer primary key check (id = 1))`.execute(db);
      await sql`create table token_floor (id integer primary key check (id = 1), iat bigint not null)`.execute(
        db,
      );
      // Every token id accepted so far is still a row: nothing lost, no floor.
      await sql`insert into token_floor (id, iat) values (1, 0)`.execute(db);
      await sql`insert into token_epoch (id) values (1)`.execute(db);
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up().
    async down(db: Kysely<any>): Promise<void> {
      if (engine !== 'postgres') return;
      await sql`drop table if exists token_epoch`.execute(db);
      await sql`drop table if exists token_floor`.execute(db);
      await sql`alter table tokens set logged`.execute(db);
    },
  };
}
