/**
 * Opening the relay's database by its location: a SQLite file (or `:memory:`) through sqlite/, a
 * postgres:// URL through postgres/. Both are used through Kysely with the same schema, and migrated to
 * the newest version before the relay serves anything.
 */
import { sql } from 'kysely';
import type { Database } from './database.js';
import { isPostgresUrl } from './database-location.js';
import { migrateToLatest } from './migrations/index.js';
import type { PostgresDatabaseOptions } from './postgres/postgres-database.js';
import { openSqliteDatabase, type SqliteDatabaseOptions } from './sqlite/sqlite-database.js';

/** Options of {@link openDatabase}: those of the engine the location names, and whether to migrate. */
export interface OpenDatabaseOptions extends PostgresDatabaseOptions, SqliteDatabaseOptions {
  /** Run migrations (default true). */
  migrate?: boolean;
  /**
   * On SQLite, start the writer thread (sqlite-writer.ts) before migrating, so that its modules load
   * while the database migrates (the relay's start); it opens its connection at its first write.
   */
  startWriterThread?: boolean;
}

/**
 * Open (creating and migrating as needed) the database at `location`: a file path, `:memory:` or a
 * postgres:// URL. The PostgreSQL engine (and the pg package) is loaded only for a postgres:// URL.
 *
 * @example
 * const database = await openDatabase('./data/brygga.sqlite');
 */
export async function openDatabase(location: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  const database = isPostgresUrl(location)
    ? (await import('./postgres/postgres-database.js')).openPostgresDatabase(location, options)
    : openSqliteDatabase(location, options);
  if (options.startWriterThread) database.startWriterThread?.();
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
