/**
 * Node convenience: the SDK's store in a SQLite file through better-sqlite3 (WAL, synchronous=FULL), or
 * in memory for tests. Not part of the browser build (client-sdk/tsconfig.json excludes src/node).
 * better-sqlite3, Kysely and the store load when a store is opened, not with this module (index.ts).
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Kysely } from 'kysely';
import type { KyselyStore } from '../store/kysely-store.js';
import type { StoreDatabase } from '../store/schema.js';

/** An open SQLite store. */
export interface SqliteStore {
  store: KyselyStore;
  db: Kysely<StoreDatabase>;
  close(): Promise<void>;
}

/**
 * Open (creating and migrating) the store at `path`, or `:memory:`. The file is created readable by its
 * owner only: it holds case content.
 *
 * @example const { store, close } = await openSqliteStore('./data/brygga-device.sqlite');
 */
export async function openSqliteStore(path: string): Promise<SqliteStore> {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, 'a', 0o600));
  }
  const [{ default: BetterSqlite3 }, { Kysely, SqliteDialect }, { KyselyStore }] = await Promise.all([
    import('better-sqlite3'),
    import('kysely'),
    import('../store/kysely-store.js'),
  ]);
  const sqlite = new BetterSqlite3(path);
  if (path !== ':memory:') {
    sqlite.pragma('journal_mode = WAL');
    // A commit is on disk before the client acknowledges the packet to the relay.
    sqlite.pragma('synchronous = FULL');
  }
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  const store = await KyselyStore.open(db);
  return { store, db, close: () => db.destroy() };
}
