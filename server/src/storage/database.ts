/**
 * Opening the relay's database: SQLite through better-sqlite3 (a file under
 * ./data by default, WAL, `synchronous=FULL`, one group-committing writer; see sqlite-writer.ts) or
 * PostgreSQL through pg (a pool; normal transactions; retried on deadlock or serialisation failure).
 * Both are used through Kysely with the same schema, and migrated to the newest version before the relay
 * serves anything; the frequent writes bypass the query builder on both (prepared-writes.ts).
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Engine } from './engine.js';
import type { LogRoundRequest, RoundResult } from './log-store.js';
import { migrateToLatest } from './migrations/index.js';
import { PostgresWrites } from './postgres-writes.js';
import type { PreparedWrites } from './prepared-writes.js';
import type { RelaySchema } from './schema.js';
import { openSqliteConnection, withStatementCache } from './sqlite-connection.js';
import { inlineExecutor, SqliteWriter, ThreadExecutor } from './sqlite-writer.js';
import { SqliteWrites } from './sqlite-writes.js';

/** A write transaction's handle. */
export type WriteTransaction = Transaction<RelaySchema>;

/** An open, migrated relay database. */
export interface Database {
  readonly engine: Engine;
  readonly db: Kysely<RelaySchema>;
  /**
   * Run `job` in a write transaction and resolve once it has committed (or reject, having stored
   * nothing of it). On SQLite concurrent jobs share one group commit; on PostgreSQL each job is its own
   * transaction, retried on deadlock.
   */
  write<T>(job: (trx: WriteTransaction) => Promise<T>): Promise<T>;
  /** The frequent writes, with statements prepared once (see prepared-writes.ts). */
  readonly writes: PreparedWrites;
  /**
   * The highest agreement and statement sequence numbers (0 when none), as committed now. Every
   * authenticated request compares them with the directory in memory (directory-store.ts), so the
   * query is prepared once instead of built per request.
   */
  directoryHead(): Promise<DirectoryHead>;
  /**
   * A SQLite file only: run a transparency-log integration round on the writer thread, in turn with the
   * other writes, so that neither its SQL nor its commit's fsync blocks the event loop (log-store.ts).
   */
  readonly integrateLog?: ((request: LogRoundRequest) => Promise<RoundResult>) | undefined;
  /** PostgreSQL only: how to open a dedicated connection (for LISTEN). */
  readonly pgConfig: pg.ClientConfig | undefined;
  close(): Promise<void>;
}

/** See {@link Database.directoryHead}. */
export interface DirectoryHead {
  agreements: number;
  statements: number;
}

const DIRECTORY_HEAD =
  'select (select max(seq) from agreements) as agreements, (select max(seq) from statements) as statements';

function directoryHead(row: { agreements: unknown; statements: unknown } | undefined): DirectoryHead {
  return { agreements: Number(row?.agreements ?? 0), statements: Number(row?.statements ?? 0) };
}

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** PostgreSQL schema to work in (its `search_path`); tests use one per file. Default: the server's. */
  schema?: string;
  /** Run migrations (default true). */
  migrate?: boolean;
  /** Called when an idle PostgreSQL connection fails (the pool replaces it). */
  onPoolError?: (err: Error) => void;
  /**
   * SQLite file: run the prepared writes on a writer thread (default true; see sqlite-writer.ts). False
   * runs them on the relay's own connection, as always for `:memory:`.
   */
  writerThread?: boolean;
}

/** Whether `location` names a PostgreSQL database. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Open (creating and migrating as needed) the database at `location`: a file path, `:memory:` or a postgres:// URL. */
export async function openDatabase(location: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  const database = isPostgresUrl(location) ? openPostgres(location, options) : openSqlite(location, options);
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

function openSqlite(location: string, options: OpenDatabaseOptions): Database {
  const memory = location === ':memory:';
  if (!memory) {
    mkdirSync(dirname(location), { recursive: true, mode: 0o700 });
    // The file holds sealed envelopes and routing metadata: readable by the relay's user only.
    closeSync(openSync(location, 'a', 0o600));
  }
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
  let head: BetterSqlite3.Statement<[], { agreements: unknown; statements: unknown }> | undefined;
  return {
    engine: 'sqlite',
    db,
    pgConfig: undefined,
    write: (job) => writer.run(job),
    writes: writer,
    integrateLog: thread && ((request) => writer.integrateLog(request)),
    async directoryHead() {
      reader ??= memory ? sqlite : openSqliteConnection(location, { readonly: true });
      head ??= reader.prepare(DIRECTORY_HEAD);
      return directoryHead(head.get());
    },
    async close() {
      await writer.close();
      if (reader !== sqlite) reader?.close();
      await db.destroy();
    },
  };
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Parse int8 (bigint) as a JavaScript number: every value the relay stores is a safe integer. */
const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** PostgreSQL error codes worth retrying a whole transaction for. */
const RETRYABLE = new Set(['40001', '40P01']);

function openPostgres(url: string, options: OpenDatabaseOptions): Database {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new Error('invalid PostgreSQL schema name');
  }
  const pgConfig: pg.ClientConfig = {
    connectionString: url,
    types: pgTypes,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  };
  const pool = new pg.Pool({ ...pgConfig, max: options.poolSize ?? 10 });
  pool.on('error', (err) => options.onPoolError?.(err));
  const db = new Kysely<RelaySchema>({ dialect: new PostgresDialect({ pool }) });
  const write = <T>(job: (trx: WriteTransaction) => Promise<T>) =>
    retrying(() => db.transaction().execute(job));
  return {
    engine: 'postgres',
    db,
    pgConfig,
    write,
    writes: new PostgresWrites(db, retrying, write),
    async directoryHead() {
      const { rows } = await db.executeQuery<{ agreements: unknown; statements: unknown }>(
        CompiledQuery.raw(DIRECTORY_HEAD),
      );
      return directoryHead(rows[0]);
    },
    async close() {
      await db.destroy();
    },
  };
}

/** Run `attempt` (a whole transaction), again on deadlock or serialisation failure, up to five times. */
async function retrying<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (n >= 5 || typeof code !== 'string' || !RETRYABLE.has(code)) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * n));
    }
  }
}

/** Check that the database answers (for the health endpoint). */
export async function pingDatabase(database: Database): Promise<void> {
  await sql`select 1`.execute(database.db);
}
