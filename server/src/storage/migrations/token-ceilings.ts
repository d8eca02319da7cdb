/**
 * Migration: `token_ceilings`, one row per device: the highest `iat` (seconds) a token of the device may
 * have been accepted with (../token-ids.ts, PROTOCOL.md §8). A SQLite relay keeps token ids in memory
 * and this number on disk, instead of a row per request in `tokens`. `raised_from` is the ceiling
 * before its last raise: the raise returns it, so a process learns whether another one raised the
 * ceiling since it last did (two relays on one SQLite file).
 */
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../database.js';

/** The token ceilings migration, for `engine`. */
export function tokenCeilings(engine: Engine): Migration {
  const int = engine === 'postgres' ? 'bigint' : 'integer';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it is, not as typed.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('token_ceilings')
        .addColumn('device', 'text', (c) => c.primaryKey())
        .addColumn('iat', int, (c) => c.notNull())
        .addColumn('raised_from', int)
        .execute();
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up().
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('token_ceilings').ifExists().execute();
    },
  };
}
