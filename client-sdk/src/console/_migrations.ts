/**
 * The console's own database schema (users, sessions, the access log, case assignments and kept
 * alerts), a static list run by Kysely's Migrator. It lives in `console.sqlite` in the device directory,
 * apart from the device store: the SDK's store holds case content and keys, this one holds who may look
 * at them and who did.
 */
import { type Kysely, type Migration, Migrator } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run on the untyped database.
type AnyDb = Kysely<any>;

const initial: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('console_users')
      .addColumn('username', 'text', (c) => c.primaryKey())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('pass_hash', 'text', (c) => c.notNull())
      .addColumn('failed_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('console_sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('csrf', 'text', (c) => c.notNull())
      .addColumn('lang', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_seen', 'text', (c) => c.notNull())
      .addColumn('flash', 'text')
      .execute();
    await db.schema.createIndex('console_sessions_user').on('console_sessions').column('username').execute();
    await db.schema
      .createTable('console_access_log')
      .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('case_id', 'text')
      .addColumn('address', 'text')
      .execute();
    await db.schema
      .createIndex('console_access_log_case')
      .on('console_access_log')
      .column('case_id')
      .execute();
    await db.schema
      .createTable('console_case_access')
      .addColumn('case_id', 'text', (c) => c.notNull())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('granted_by', 'text', (c) => c.notNull())
      .addColumn('granted_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('console_case_access_pk', ['case_id', 'username'])
      .execute();
    await db.schema
      .createTable('console_alerts')
      .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('code', 'text')
      .addColumn('case_id', 'text')
      .addColumn('reviewed_by', 'text')
      .addColumn('reviewed_at', 'text')
      .execute();
  },
};

/** Every migration of the console database, by name; names sort in the order they run. */
export const CONSOLE_MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
};

/** Bring the console database to the newest schema. Idempotent. */
export async function migrateConsole(db: AnyDb): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...CONSOLE_MIGRATIONS }) },
    migrationTableName: 'console_migration',
    migrationLockTableName: 'console_migration_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`console database migration ${failed?.migrationName ?? ''} failed`, { cause: error });
  }
}
