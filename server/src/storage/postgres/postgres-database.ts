/**
 * The relay's database on PostgreSQL through pg: a pool, normal transactions, each write its own
 * transaction, retried on deadlock or serialisation failure. Several relay processes share one database
 * (PROTOCOL.md §9); the frequent writes are single statements (postgres-writes.ts).
 */
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import {
  type Database,
  DIRECTORY_HEAD_SQL,
  OPERATIONAL_FIGURES_SQL,
  type OperationalFiguresRow,
  QUEUED_BYTES_SQL,
  toDirectoryHead,
  toOperationalFigures,
  toQueuedBytes,
  type WriteTransaction,
} from '../database.js';
import type { RelaySchema } from '../schema.js';
import { PostgresWrites } from './postgres-writes.js';

/** Options of {@link openPostgresDatabase}. */
export interface PostgresDatabaseOptions {
  /** Pool size (default 10). */
  poolSize?: number;
  /** Schema to work in (its `search_path`); tests use one per file. Default: the server's. */
  schema?: string;
  /** Called when an idle connection fails (the pool replaces it). */
  onPoolError?: (err: Error) => void;
  /** Connect timeout in milliseconds (default {@link POSTGRES_CONNECT_TIMEOUT_MS}; tests shorten it). */
  connectTimeoutMs?: number;
}

/**
 * How long a connection may take to complete PostgreSQL's start-up (TCP, TLS when asked for,
 * authentication) before the database counts as unreachable, and how long a request waits for a pooled
 * connection. Without it a host that accepts the connection and never answers (black-holed, hung, or
 * behind a firewall that lost its state) holds the relay's start, and every request, forever; with it
 * they fail as an unreachable database does (503, database-failure.ts).
 */
export const POSTGRES_CONNECT_TIMEOUT_MS = 10_000;

/**
 * pg's errors for a connection not made in time carry no code: pg-pool's while waiting for a pooled
 * connection and for a new connection's start-up, and pg's Client's own (it gets the same timeout).
 */
const CONNECT_TIMEOUT_MESSAGES = new Set([
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
  'timeout expired',
]);

/** `err`, given Node's `ETIMEDOUT` when it is one of pg's connect timeouts. */
function withTimeoutCode<E>(err: E): E {
  if (
    err instanceof Error &&
    (err as { code?: unknown }).code === undefined &&
    CONNECT_TIMEOUT_MESSAGES.has(err.message)
  ) {
    Object.assign(err, { code: 'ETIMEDOUT' });
  }
  return err;
}

type ConnectCallback = Parameters<pg.Pool['connect']>[0];

/**
 * A pool whose connect timeouts have the code `ETIMEDOUT`, in both forms of `connect`: the promise form
 * (Kysely's PostgresDialect) and the callback form (`pool.query`).
 */
class Pool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | undefined {
    if (callback === undefined) {
      return super.connect().catch((err: unknown) => Promise.reject(withTimeoutCode(err)));
    }
    super.connect((err, client, done) => callback(withTimeoutCode(err), client, done));
    return undefined;
  }
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Parse int8 (bigint) as a JavaScript number: every value the relay stores is a safe integer. */
const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** {@link QUEUED_BYTES_SQL} with PostgreSQL's positional parameters. */
const QUEUED_BYTES_PG = QUEUED_BYTES_SQL.replaceAll('$unit', '$1')
  .replaceAll('$device', '$2')
  .replaceAll('$now', '$3');

/** {@link DIRECTORY_HEAD_SQL} and {@link QUEUED_BYTES_PG} as named (prepared) statements. */
const DIRECTORY_HEAD_QUERY = { name: 'brygga_directory_head', text: DIRECTORY_HEAD_SQL };
const QUEUED_BYTES_QUERY = { name: 'brygga_queued_bytes', text: QUEUED_BYTES_PG };

/** PostgreSQL error codes worth retrying a whole transaction for. */
const RETRYABLE = new Set(['40001', '40P01']);

/** Open (but not migrate) the PostgreSQL database at `url`. */
export function openPostgresDatabase(url: string, options: PostgresDatabaseOptions = {}): Database {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new Error('invalid PostgreSQL schema name');
  }
  const pgConfig: pg.ClientConfig = {
    connectionString: url,
    types: pgTypes,
    connectionTimeoutMillis: options.connectTimeoutMs ?? POSTGRES_CONNECT_TIMEOUT_MS,
    // TCP keep-alive probes on every connection (after the system's idle time), so that one whose peer
    // is gone, the LISTEN connection above all, fails in the end instead of waiting forever.
    keepAlive: true,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  };
  const pool = new Pool({ ...pgConfig, max: options.poolSize ?? 10 });
  pool.on('error', (err) => options.onPoolError?.(err));
  // A connection lent out has none of the pool's listeners: an error PostgreSQL sends while it runs no
  // statement (between a transaction's statements, say, when a shutdown ends every session with
  // 57P01) would be an unhandled 'error' event, which ends the process. So every connection has a
  // listener of its own for its whole life. The error needs nothing more: the connection's next
  // statement fails, and the pool drops it when it is given back, no longer queryable.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<RelaySchema>({ dialect: new PostgresDialect({ pool }) });
  const write = <T>(job: (trx: WriteTransaction) => Promise<T>) =>
    retrying(() => db.transaction().execute(job));
  return {
    engine: 'postgres',
    db,
    pgConfig,
    write,
    writes: new PostgresWrites(db, retrying, write),
    // The two reads of every submission go to the pool as named statements: PostgreSQL parses and plans
    // each once per connection, and no query builder or driver layer stands between.
    async directoryHead() {
      const { rows } = await pool.query<{ agreements: unknown; statements: unknown; root_changes: unknown }>(
        DIRECTORY_HEAD_QUERY,
      );
      return toDirectoryHead(rows[0]);
    },
    async queuedBytes(unit, device, now) {
      const { rows } = await pool.query<{ device: unknown; unit: unknown }>({
        ...QUEUED_BYTES_QUERY,
        values: [unit, device, now],
      });
      return toQueuedBytes(rows[0]);
    },
    async operationalFigures() {
      const { rows } = await db.executeQuery<OperationalFiguresRow>(
        CompiledQuery.raw(OPERATIONAL_FIGURES_SQL),
      );
      return toOperationalFigures(rows[0]);
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
