/**
 * Migration 5: `log_origin`, the transparency log's origin as fixed at the relay's first start
 * (PROTOCOL.md §18.3). The origin names the log and its key: every checkpoint and every device's pinned
 * verifier key carries it, so it must not follow a later change of the public URL. One row; an explicit
 * operator command changes it (`brygga-relay log-origin set`).
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Engine } from '../database.js';

/** The fifth migration, for `engine`. */
export function logOrigin(engine: Engine): Migration {
  const int = engine === 'postgres' ? 'bigint' : 'integer';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it is, not as typed.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('log_origin')
        .addColumn('id', int, (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('set_at', int, (c) => c.notNull())
        .execute();
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up().
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('log_origin').ifExists().execute();
    },
  };
}
