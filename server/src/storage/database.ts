/**
 * Opening the relay's database (issue 3, items 1 and 6): SQLite through better-sqlite3 (a file under
 * ./data by default, WAL, `synchronous=FULL`, group commit) or PostgreSQL through pg (a pool; normal
 * transactions; retried on deadlock or serialisation failure). Both are used through Kysely with the same
 * schema, and migrated to the newest version before the relay serves anything.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Engine } from './engine.js';
import { GroupCommit } from './group-commit.js';
import { migrateToLatest } from './migrations/index.js';
import type { RelaySchema } from './schema.js';

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
  /** PostgreSQL only: how to open a dedicated connection (for LISTEN). */
  readonly pgConfig: pg.ClientConfig | undefined;
  close(): Promise<void>;
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
}

/** Whether `location` names a PostgreSQL database. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Open (creating and migrating as needed) the database at `location`: a file path, `:memory:` or a postgres:// URL. */
export async function openDatabase(location: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  const database = isPostgresUrl(location) ? openPostgres(location, options) : openSqlite(location);
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

function openSqlite(location: string): Database {
  if (location !== ':memory:') {
    mkdirSync(dirname(location), { recursive: true, mode: 0o700 });
    // The file holds sealed envelopes and routing metadata: readable by the relay's user only.
    closeSync(openSync(location, 'a', 0o600));
  }
  const sqlite = new BetterSqlite3(location);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before it returns, so a 201 survives a power cut, not only a crash.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<RelaySchema>({ dialect: new SqliteDialect({ database: sqlite }) });
  const writer = new GroupCommit(db);
  return {
    engine: 'sqlite',
    db,
    pgConfig: undefined,
    write: (job) => writer.run(job),
    async close() {
      await writer.drain();
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
  return {
    engine: 'postgres',
    db,
    pgConfig,
    async write(job) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction().execute(job);
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          if (attempt >= 5 || typeof code !== 'string' || !RETRYABLE.has(code)) throw err;
          await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
        }
      }
    },
    async close() {
      await db.destroy();
    },
  };
}

/** Check that the database answers (for the health endpoint). */
export async function pingDatabase(database: Database): Promise<void> {
  await sql`select 1`.execute(database.db);
}
