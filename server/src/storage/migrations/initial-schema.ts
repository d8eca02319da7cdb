/**
 * Migration 1: the relay's tables (see ../schema.ts). The same tables on both engines; only the spelling
 * of the column types differs (SQLite `integer` / `blob`, PostgreSQL `bigint` / `bytea`, because
 * millisecond times do not fit in a PostgreSQL `integer`).
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Engine } from '../database.js';

/** The first migration, for `engine`. */
export function initialSchema(engine: Engine): Migration {
  const int = engine === 'postgres' ? 'bigint' : 'integer';
  const bytes = engine === 'postgres' ? 'bytea' : 'blob';
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it is, not as typed.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('agreements')
        .addColumn('seq', int, (c) => c.primaryKey())
        .addColumn('digest', 'text', (c) => c.notNull().unique())
        .addColumn('sequence', int, (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('installed_at', int, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('statements')
        .addColumn('seq', int, (c) => c.primaryKey())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('jws', 'text', (c) => c.notNull())
        .addColumn('accepted_at', int, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('submissions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('received_at', int, (c) => c.notNull())
        .addColumn('expires_at', int, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('submissions_expiry').on('submissions').column('expires_at').execute();

      await db.schema
        .createTable('packets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('sender_unit', 'text', (c) => c.notNull())
        .addColumn('sender_device', 'text', (c) => c.notNull())
        .addColumn('size', int, (c) => c.notNull())
        .addColumn('envelope', bytes, (c) => c.notNull())
        .addColumn('received_at', int, (c) => c.notNull())
        .addColumn('expires_at', int, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('inbox')
        .addColumn('seq', int, (c) =>
          engine === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
        )
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('packet', 'notice')`))
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('packet_id', 'text', (c) => c.notNull())
        .addColumn('notice_type', 'text')
        .addColumn('recipient_unit', 'text')
        .addColumn('recipient_device', 'text')
        .addColumn('created_at', int, (c) => c.notNull())
        .addColumn('expires_at', int, (c) => c.notNull())
        .addUniqueConstraint('inbox_item', ['device', 'kind', 'item_id'])
        .execute();
      await db.schema.createIndex('inbox_listing').on('inbox').columns(['device', 'seq']).execute();
      await db.schema.createIndex('inbox_expiry').on('inbox').columns(['kind', 'expires_at']).execute();
      await db.schema.createIndex('inbox_packet').on('inbox').columns(['packet_id', 'kind']).execute();

      await db.schema
        .createTable('tokens')
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('jti', 'text', (c) => c.notNull())
        .addColumn('expires_at', int, (c) => c.notNull())
        .addPrimaryKeyConstraint('tokens_pk', ['device', 'jti'])
        .execute();
      await db.schema.createIndex('tokens_expiry').on('tokens').column('expires_at').execute();
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up().
    async down(db: Kysely<any>): Promise<void> {
      for (const table of ['tokens', 'inbox', 'packets', 'submissions', 'statements', 'agreements']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
