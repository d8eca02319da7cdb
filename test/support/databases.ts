/**
 * Fresh, isolated relay databases for tests, on both engines. SQLite: `:memory:` or a
 * temporary file. PostgreSQL: a new schema (selected through `search_path`) in the database named by
 * `DATABASE_URL`, dropped afterwards, so test files run in parallel without seeing each other.
 *
 * Without `DATABASE_URL` (and without a PostgreSQL that test/support/global-setup.ts could start), the
 * PostgreSQL cases fail with instructions; they are never skipped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, type Engine, openDatabase } from '@brygga/server';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/** Both engines, for `describe.each`. */
export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

/** The PostgreSQL URL the tests use; throws with instructions when there is none. */
export function databaseUrl(): string {
  let url = process.env.DATABASE_URL;
  if (!url) {
    try {
      url = inject('databaseUrl') || undefined;
    } catch {
      url = undefined;
    }
  }
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set, so the PostgreSQL tests cannot run. Start PostgreSQL and run e.g. ' +
        'DATABASE_URL=postgres://postgres@127.0.0.1:54329/brygga_test npx vitest run ' +
        '(.ci/run does this; or install PostgreSQL so test/support/global-setup.ts can start one).',
    );
  }
  return url;
}

/** A database for one test (or one file), and how to get rid of it. */
export interface TestDatabase {
  engine: Engine;
  database: Database;
  /** What to pass as `--database` to reach the same data (PostgreSQL: needs `schema` too). */
  location: string;
  /** PostgreSQL: the schema holding this database's tables. */
  schema: string | undefined;
  /** Close and delete it. */
  drop(): Promise<void>;
}

let counter = 0;

/** A fresh, migrated database on `engine`. */
export async function openTestDatabase(
  engine: Engine,
  options: { file?: boolean } = {},
): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    if (!options.file) {
      const database = await openDatabase(':memory:');
      return { engine, database, location: ':memory:', schema: undefined, drop: () => database.close() };
    }
    const dir = mkdtempSync(join(tmpdir(), 'brygga-test-'));
    const location = join(dir, 'relay.sqlite');
    const database = await openDatabase(location);
    return {
      engine,
      database,
      location,
      schema: undefined,
      async drop() {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const url = databaseUrl();
  const schema = `brygga_t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  const database = await openDatabase(url, { schema, poolSize: 5 });
  return {
    engine,
    database,
    location: url,
    schema,
    async drop() {
      await database.close();
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

/** Row counts of every relay table: how tests check that nothing was stored. */
export async function countRows(database: Database): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['agreements', 'statements', 'submissions', 'packets', 'inbox', 'tokens'] as const) {
    const row = await database.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}
