/**
 * Opening the relay's database by its location: a SQLite file (or `:memory:`) through sqlite/, a
 * postgres:// URL through postgres/. Both are used through Kysely with the same schema, and migrated to
 * the newest version before the relay serves anything.
 */
import { sql } from 'kysely';
import type { Database } from './database.js';
import { migrateToLatest } from './migrations/index.js';
import { openPostgresDatabase, type PostgresDatabaseOptions } from './postgres/postgres-database.js';
import { openSqliteDatabase, type SqliteDatabaseOptions } from './sqlite/sqlite-database.js';

/** Options of {@link openDatabase}: those of the engine the location names, and whether to migrate. */
export interface OpenDatabaseOptions extends PostgresDatabaseOptions, SqliteDatabaseOptions {
  /** Run migrations (default true). */
  migrate?: boolean;
}

/** Whether `location` names a PostgreSQL database. */
function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * Open (creating and migrating as needed) the database at `location`: a file path, `:memory:` or a
 * postgres:// URL.
 *
 * @example
 * const database = await openDatabase('./data/brygga.sqlite');
 */
export async function openDatabase(location: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  const database = isPostgresUrl(location)
    ? openPostgresDatabase(location, options)
    : openSqliteDatabase(location, options);
  if (options.migrate !== false) {
    try {
      await migrateToLatest(database.db, database.engine);
    } catch (err) {
      await database.close();
      throw err;
    }
  }
  return database;
}

/** Check that the database answers (for the health endpoint). */
export async function pingDatabase(database: Database): Promise<void> {
  await sql`select 1`.execute(database.db);
}
