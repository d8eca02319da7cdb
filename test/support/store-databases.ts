/**
 * Fresh SDK stores for tests on both engines: SQLite in memory (or a file), PostgreSQL in a schema of its
 * own (through `search_path`) in the database of `DATABASE_URL`, dropped afterwards. Also a snapshot of
 * every store table, for tests that must show a refusal changed nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import initSqlJs from 'sql.js';
import { openSqliteStore } from '../../client-sdk/src/node/open-sqlite-store.js';
import { KyselyStore } from '../../client-sdk/src/store/kysely-store.js';
import type { StoreDatabase } from '../../client-sdk/src/store/schema.js';
import { openSqlJsStore } from '../../client-sdk/src/store/sql-js-store.js';
import { databaseUrl } from './databases.js';

export type StoreEngine = 'sqlite' | 'postgres' | 'sql.js';
export const STORE_ENGINES: readonly StoreEngine[] = ['sqlite', 'postgres'];
/** The browser's store too (sql.js, SQLite in WebAssembly, here run by node): for the store's own tests. */
export const BROWSER_STORE_ENGINE: StoreEngine = 'sql.js';

/** A store under test. */
export interface TestStore {
  engine: StoreEngine;
  store: KyselyStore;
  db: Kysely<StoreDatabase>;
  /** Reopen a store on the same data (a restart). */
  reopen(): Promise<KyselyStore>;
  drop(): Promise<void>;
}

let counter = 0;

/** A fresh store on `engine`; with `file`, SQLite in a temporary file (so it can be reopened). */
export async function openTestStore(
  engine: StoreEngine,
  options: { file?: boolean } = {},
): Promise<TestStore> {
  if (engine === 'sqlite') {
    const dir = options.file ? mkdtempSync(join(tmpdir(), 'brygga-store-')) : undefined;
    const path = dir ? join(dir, 'device.sqlite') : ':memory:';
    const opened = await openSqliteStore(path);
    return {
      engine,
      store: opened.store,
      db: opened.db,
      reopen: async () => KyselyStore.open(opened.db),
      async drop() {
        await opened.close();
        if (dir) rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (engine === 'sql.js') {
    const SQL = await initSqlJs();
    const database = new SQL.Database();
    const opened = await openSqlJsStore(database);
    return {
      engine,
      store: opened.store,
      db: opened.db,
      reopen: async () => KyselyStore.open(opened.db),
      drop: () => opened.close(),
    };
  }
  const url = databaseUrl();
  const schema = `brygga_sdk_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 4 });
  const db = new Kysely<StoreDatabase>({ dialect: new PostgresDialect({ pool }) });
  const store = await KyselyStore.open(db);
  return {
    engine,
    store,
    db,
    reopen: async () => KyselyStore.open(db),
    async drop() {
      await db.destroy();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await c.end();
      }
    },
  };
}

/** The domain tables: what a case system relies on (bookkeeping tables excluded: processed, outbox, events). */
export const DOMAIN_TABLES = [
  'brygga_packets',
  'brygga_cases',
  'brygga_receipts',
  'brygga_consents',
  'brygga_quota',
  'brygga_reconciliations',
  'brygga_agreements',
] as const;

/** Every row of the given tables, sorted, as JSON: equal snapshots mean nothing changed. */
export async function snapshot(
  db: Kysely<StoreDatabase>,
  tables: readonly (keyof StoreDatabase)[] = DOMAIN_TABLES,
): Promise<string> {
  const out: Record<string, string[]> = {};
  for (const t of tables) {
    const rows = await db.selectFrom(t).selectAll().execute();
    out[t] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return JSON.stringify(out);
}
