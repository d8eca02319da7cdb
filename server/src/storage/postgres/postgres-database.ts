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
