/**
 * The SDK's store in a browser (PROTOCOL.md §13.3): {@link KyselyStore} on SQLite compiled to
 * WebAssembly by sql.js, which the page loads itself (`initSqlJs`). The store depends on the shape of a
 * sql.js `Database`, not on the package, so the SDK bundle does not carry SQLite.
 *
 * A sql.js database lives in the page's memory: it is lost when the page closes unless the case system
 * saves `database.export()` somewhere (encrypted: it holds case content) and opens it from those bytes
 * next time.
 */
import { Kysely, type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';
import { KyselyStore } from './kysely-store.js';
import type { StoreDatabase } from './schema.js';

/** A value sql.js binds. */
export type SqlJsValue = number | string | Uint8Array | null;

/** What the store uses of a sql.js statement. */
export interface SqlJsStatement {
  bind(values: SqlJsValue[]): boolean;
  step(): boolean;
  getAsObject(): Record<string, unknown>;
  getColumnNames(): string[];
  free(): boolean;
}

/** What the store uses of a sql.js `Database`. */
export interface SqlJsDatabase {
  prepare(sql: string): SqlJsStatement;
  exec(sql: string): { columns: string[]; values: unknown[][] }[];
  getRowsModified(): number;
  close(): void;
}

/** sql.js binds numbers, strings, bytes and null: a bigint within the safe range goes as a number. */
function bindable(parameters: ReadonlyArray<unknown>): SqlJsValue[] {
  return parameters.map((p) =>
    typeof p === 'bigint' && Number.isSafeInteger(Number(p)) ? Number(p) : (p as SqlJsValue),
  );
}

function rows(
  database: SqlJsDatabase,
  sql: string,
  parameters: ReadonlyArray<unknown>,
): Record<string, unknown>[] {
  const statement = database.prepare(sql);
  try {
    statement.bind(bindable(parameters));
    const out: Record<string, unknown>[] = [];
    while (statement.step()) out.push(statement.getAsObject());
    return out;
  } finally {
    statement.free();
  }
}

/** A sql.js database in the shape Kysely's SQLite dialect takes (the shape of better-sqlite3). */
function sqliteShape(database: SqlJsDatabase): SqliteDatabase {
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      const probe = database.prepare(sql);
      const reader = probe.getColumnNames().length > 0;
      probe.free();
      return {
        reader,
        all: (parameters) => rows(database, sql, parameters),
        iterate: (parameters) => rows(database, sql, parameters)[Symbol.iterator](),
        run(parameters) {
          rows(database, sql, parameters);
          const changes = database.getRowsModified();
          const lastInsertRowid = Number(database.exec('select last_insert_rowid()')[0]?.values[0]?.[0] ?? 0);
          return { changes, lastInsertRowid };
        },
      };
    },
  };
}

/** An open sql.js store. */
export interface SqlJsStore {
  store: KyselyStore;
  db: Kysely<StoreDatabase>;
  close(): Promise<void>;
}

/**
 * Open (creating and migrating) the store in `database`, a sql.js `Database`.
 *
 * @example
 * import initSqlJs from 'sql.js';
 * import { openSqlJsStore } from '@brygga/client-sdk';
 * const SQL = await initSqlJs({ locateFile: (file) => `/assets/${file}` });
 * const { store } = await openSqlJsStore(new SQL.Database());
 */
export async function openSqlJsStore(database: SqlJsDatabase): Promise<SqlJsStore> {
  const db = new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database: sqliteShape(database) }) });
  const store = await KyselyStore.open(db);
  return { store, db, close: () => db.destroy() };
}
