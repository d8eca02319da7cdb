/**
 * The relay's database on SQLite through better-sqlite3: a file under ./data by default (WAL,
 * `synchronous=FULL`), or `:memory:` in tests. Every write goes through one group-committing writer
 * (sqlite-writer.ts); on a file, its prepared writes and the transparency log's rounds run on a writer
 * thread with its own connection (sqlite-write-worker.ts), reads on the relay's own connection.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import {
  type Database,
  DIRECTORY_HEAD_SQL,
  type DirectoryHead,
  OPERATIONAL_FIGURES_SQL,
  type OperationalFiguresRow,
  QUEUED_BYTES_SQL,
  toDirectoryHead,
  toOperationalFigures,
  toQueuedBytes,
} from '../database.js';
import type { RelaySchema } from '../schema.js';
import { openSqliteConnection, withStatementCache } from './sqlite-connection.js';
import { inlineExecutor, SqliteWriter, ThreadExecutor } from './sqlite-writer.js';
import { SqliteWrites } from './sqlite-writes.js';
import { StorageReserve } from './storage-reserve.js';

/** Options of {@link openSqliteDatabase}. */
export interface SqliteDatabaseOptions {
  /**
   * Run the prepared writes on a writer thread (default true; see sqlite-writer.ts). False runs them on
   * the relay's own connection, as always for `:memory:`.
   */
  writerThread?: boolean;
}

/** Open (creating the file, but not migrating it) the SQLite database at `location`, or `:memory:`. */
export function openSqliteDatabase(location: string, options: SqliteDatabaseOptions = {}): Database {
  const memory = location === ':memory:';
  if (!memory) {
    mkdirSync(dirname(location), { recursive: true, mode: 0o700 });
    // The file holds sealed envelopes and routing metadata: readable by the relay's user only.
    closeSync(openSync(location, 'a', 0o600));
  }
  const reserve = memory ? undefined : new StorageReserve(`${location}-reserve`);
  reserve?.hold();
  const sqlite = openSqliteConnection(location);
  const db = new Kysely<RelaySchema>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
  });
  const thread = memory || options.writerThread === false ? undefined : new ThreadExecutor(location);
  const writer = new SqliteWriter(db, thread ?? inlineExecutor(new SqliteWrites(sqlite)));
  // Its own connection, so that it never reads inside a Kysely transaction open on the relay's
  // connection (it cannot take Kysely's connection lock: it is synchronous). Opened on first use, once
  // migrations have created the file's tables; `:memory:` has only the one connection.
  let reader: BetterSqlite3.Database | undefined;
  let head:
    | BetterSqlite3.Statement<[], { agreements: unknown; statements: unknown; root_changes: unknown }>
    | undefined;
  let version: BetterSqlite3.Statement<[], number> | undefined;
  let headVersion: number | undefined;
  let lastHead: DirectoryHead | undefined;
  let figures: BetterSqlite3.Statement<[], OperationalFiguresRow> | undefined;
  let queued:
    | BetterSqlite3.Statement<
        [{ unit: string; device: string; now: number }],
        { device: unknown; unit: unknown }
      >
    | undefined;
  return {
    engine: 'sqlite',
    db,
    pgConfig: undefined,
    write: (job) => writer.run(job),
    writes: writer,
    integrateTransparencyLog: thread && ((request) => writer.integrateTransparencyLog(request)),
    storageReserve: reserve,
    startWriterThread: thread && (() => thread.start()),
    async directoryHead() {
      reader ??= memory ? sqlite : openSqliteConnection(location, { readonly: true });
      head ??= reader.prepare(DIRECTORY_HEAD_SQL);
      if (memory) return toDirectoryHead(head.get());
      // The reader never writes, so its data_version changes exactly when any other connection (the
      // writer thread, another relay process, an operator command) has committed to the file since the
      // reader last read it. Unchanged, the head read last is still the database's, and the read is
      // skipped: reading it after another connection's commit costs the reloading of its pages, since
      // SQLite then drops the connection's whole page cache. The version is read before the head, so a
      // commit between the two makes the next call read again rather than keep a stale head.
      version ??= reader.prepare<[], number>('PRAGMA data_version').pluck();
      const now = version.get();
      if (now === headVersion && lastHead) return lastHead;
      lastHead = toDirectoryHead(head.get());
      headVersion = now;
      return lastHead;
    },
    async queuedBytes(unit, device, now) {
      reader ??= memory ? sqlite : openSqliteConnection(location, { readonly: true });
      queued ??= reader.prepare(QUEUED_BYTES_SQL);
      return toQueuedBytes(queued.get({ unit, device, now }));
    },
    async operationalFigures() {
      reader ??= memory ? sqlite : openSqliteConnection(location, { readonly: true });
      figures ??= reader.prepare(OPERATIONAL_FIGURES_SQL);
      return toOperationalFigures(figures.get());
    },
    async close() {
      await writer.close();
      if (reader !== sqlite) reader?.close();
      await db.destroy();
    },
  };
}
