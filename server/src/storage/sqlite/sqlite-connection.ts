/**
 * SQLite connections of the relay: every connection, the relay's own and the
 * writer thread's, gets the same settings, and the relay's own connection caches its prepared
 * statements for Kysely.
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
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
  if (location !== ':memory:') setWalBudget(sqlite, location);
  return sqlite;
}

/** Most pages the write-ahead log holds before it is checkpointed: 40 MiB of 4 KiB pages. */
export const WAL_BUDGET_MAX_PAGES = 10_000;
/** Fewest pages it holds, however full the disk. */
export const WAL_BUDGET_MIN_PAGES = 100;

/**
 * How many pages the write-ahead log may hold before a commit checkpoints it into the database file:
 * {@link WAL_BUDGET_MAX_PAGES}, or an eighth of the disk's free space, whichever is less (never below
 * {@link WAL_BUDGET_MIN_PAGES}).
 *
 * Why more than SQLite's default of 1,000: a checkpoint writes every page the log changed since the last
 * one into the file, and syncs both. Submissions are keyed by random packet ids, so nearly every one
 * dirties a leaf page of its own in each such index (README "What one submission writes"); the longer
 * the log between checkpoints, the more of those leaves one checkpoint writes once for many
 * submissions, and the fewer syncs. `npm run bench -- relay`, "the same writes alone", measured 4,841
 * and 5,317 submissions a second at 1,000 pages, 7,211 and 7,875 at 10,000 (README "What one submission
 * writes").
 *
 * Why an eighth of the free space: the pages in the log are not yet in the database file, and a
 * checkpoint must be able to write them there. On a nearly full disk (README "What faults look like")
 * a long log would leave neither room for the checkpoint nor for the log to go on: the budget shrinks
 * with the free space, so space freed by acknowledgements is used again.
 */
export function walBudgetPages(freeBytes: number, pageSize: number): number {
  const share = Math.floor(freeBytes / 8 / pageSize);
  return Math.max(WAL_BUDGET_MIN_PAGES, Math.min(WAL_BUDGET_MAX_PAGES, share));
}

/**
 * Set `sqlite`'s checkpoint threshold to {@link walBudgetPages} for the disk that holds `location`, as
 * free now. SQLite's threshold is per connection: the one that commits past it checkpoints. Returns the
 * budget set.
 */
export function setWalBudget(sqlite: BetterSqlite3.Database, location: string): number {
  let pages: number;
  try {
    const fs = statfsSync(dirname(location));
    pages = walBudgetPages(fs.bavail * fs.bsize, sqlite.pragma('page_size', { simple: true }) as number);
  } catch {
    // A file system that cannot say how full it is: SQLite's own default.
    pages = 1000;
  }
  sqlite.pragma(`wal_autocheckpoint = ${pages}`);
  return pages;
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
