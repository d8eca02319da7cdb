/**
 * Migration 3: `root_changes`, the root changes the relay accepted (PROTOCOL.md §5.2), each with the
 * number of agreements installed when it was accepted (`agreement_seq`): a root change is verified
 * against the chain as it was then, so a directory rebuilt from the database reads the agreements and
 * the root changes in the order they were accepted, and every relay process holds the same pins.
 */
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../database.js';

/** The third migration, for `engine`. */
export function rootChanges(engine: Engine): Migration {
  const int = engine === 'postgres' ? 'bigint' : 'integer';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it is, not as typed.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('root_changes')
        .addColumn('seq', int, (c) => c.primaryKey())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('jws', 'text', (c) => c.notNull())
        .addColumn('agreement_seq', int, (c) => c.notNull())
        .addColumn('accepted_at', int, (c) => c.notNull())
        .execute();
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up().
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('root_changes').ifExists().execute();
    },
  };
}
