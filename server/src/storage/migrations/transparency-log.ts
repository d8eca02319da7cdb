/**
 * Migration 2: the transparency log (PROTOCOL.md §18; see ../transparency/).
 *
 * - `agreements`, `statements` and `submissions` get a nullable `log_index`: null until the integrator
 *   has appended the row to the log, then its leaf index. A partial index on the unlogged rows keeps the
 *   integrator's scan proportional to what is waiting, not to the table; submissions write nothing more
 *   than before (the column is null on insert).
 * - `log_leaves`: every leaf, forever (submissions are deleted at expiry, their leaves are not).
 * - `log_nodes`: the hash of every perfect subtree, level 0 (the leaf hashes) included, so a proof or a
 *   root for any tree size is a handful of rows.
 * - `log_checkpoints`: every signed checkpoint issued, by tree size.
 * - `log_cosignatures`: witness cosignatures, one per checkpoint and witness name.
 * - `log_key`: the relay's checkpoint signing key, one row, unless a key file is configured.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Engine } from '../database.js';

/** The tables whose rows the log takes in. */
const SOURCES = ['agreements', 'statements', 'submissions'] as const;

/** The second migration, for `engine`. */
export function transparencyLog(engine: Engine): Migration {
  const int = engine === 'postgres' ? 'bigint' : 'integer';
  const bytes = engine === 'postgres' ? 'bytea' : 'blob';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it is, not as typed.
    async up(db: Kysely<any>): Promise<void> {
      for (const table of SOURCES) {
        await db.schema.alterTable(table).addColumn('log_index', int).execute();
      }
      await db.schema
        .createIndex('agreements_unlogged')
        .on('agreements')
        .column('seq')
        .where(sql.ref('log_index'), 'is', null)
        .execute();
      await db.schema
        .createIndex('statements_unlogged')
        .on('statements')
        .column('seq')
        .where(sql.ref('log_index'), 'is', null)
        .execute();
      await db.schema
        .createIndex('submissions_unlogged')
        .on('submissions')
        .columns(['received_at', 'id'])
        .where(sql.ref('log_index'), 'is', null)
        .execute();

      await db.schema
        .createTable('log_leaves')
        .addColumn('idx', int, (c) => c.primaryKey())
        .addColumn('kind', int, (c) => c.notNull().check(sql`kind in (1, 2, 3)`))
        .addColumn('hash', bytes, (c) => c.notNull())
        .addColumn('leaf_hash', bytes, (c) => c.notNull().unique())
        .addColumn('ref', 'text')
        .execute();

      await db.schema
        .createTable('log_nodes')
        .addColumn('level', int, (c) => c.notNull())
        .addColumn('idx', int, (c) => c.notNull())
        .addColumn('hash', bytes, (c) => c.notNull())
        .addPrimaryKeyConstraint('log_nodes_pk', ['level', 'idx'])
        .execute();

      await db.schema
        .createTable('log_checkpoints')
        .addColumn('size', int, (c) => c.primaryKey())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('created_at', int, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('log_cosignatures')
        .addColumn('size', int, (c) => c.notNull())
        .addColumn('witness', 'text', (c) => c.notNull())
        .addColumn('line', 'text', (c) => c.notNull())
        .addColumn('signed_at', int, (c) => c.notNull())
        .addColumn('created_at', int, (c) => c.notNull())
        .addPrimaryKeyConstraint('log_cosignatures_pk', ['size', 'witness'])
        .execute();

      await db.schema
        .createTable('log_key')
        .addColumn('id', int, (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('seed', bytes, (c) => c.notNull())
        .addColumn('public_key', bytes, (c) => c.notNull())
        .addColumn('created_at', int, (c) => c.notNull())
        .execute();
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up().
    async down(db: Kysely<any>): Promise<void> {
      for (const table of ['log_key', 'log_cosignatures', 'log_checkpoints', 'log_nodes', 'log_leaves']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
      for (const index of ['agreements_unlogged', 'statements_unlogged', 'submissions_unlogged']) {
        await db.schema.dropIndex(index).ifExists().execute();
      }
      for (const table of SOURCES) {
        await db.schema.alterTable(table).dropColumn('log_index').execute();
      }
    },
  };
}
