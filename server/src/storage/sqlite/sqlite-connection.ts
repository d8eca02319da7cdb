/**
 * SQLite connections of the relay: every connection, the relay's own and the
 * writer thread's, gets the same settings, and the relay's own connection caches its prepared
 * statements for Kysely.
 */
import BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Open `location` (a file or `:memory:`) with the relay's settings. `readonly`: a connection that only
 * reads, from a file already set up by a writing one.
 */
export function openSqliteConnection(
  location: string,
  options: { readonly?: boolean } = {},
): BetterSqlite3.Database {
  if (options.readonly) {
    const reader = new BetterSqlite3(location, { readonly: true });
    reader.pragma('busy_timeout = 5000');
    return reader;
  }
  const sqlite = new BetterSqlite3(location);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before it returns, so a 201 survives a power cut, not only a crash.
  // The setting is per connection, so the writer thread's connection needs it as much as this one.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

/** Statements kept per connection; queries with variable `in (…)` lists make more, evicted oldest first. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * `sqlite` for Kysely's SqliteDialect, preparing each distinct SQL text once. Kysely's driver prepares
 * a statement on every query, and better-sqlite3's `prepare` (parsing and planning the SQL) cost more
 * than running the relay's small indexed queries. A cached statement is safe to reuse because Kysely
 * runs one query at a time on the connection and reads results with `all()` / `run()`, never leaving
 * an iterator open (the relay does not stream query results).
 */
export function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql);
      if (statement) {
        // Re-insert: Map keeps insertion order, so the first key is the least recently used.
        cache.delete(sql);
      } else {
        statement = sqlite.prepare(sql) as unknown as SqliteStatement;
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
    close() {
      cache.clear();
      sqlite.close();
    },
  };
}
