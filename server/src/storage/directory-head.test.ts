/**
 * `Database.directoryHead`, which every request's directory check reads (directory-store.ts): it sees
 * every directory change committed before the call, whoever committed it: this database's own writes,
 * and those of another connection to the same database (another relay process, an operator command),
 * also when other commits come between, as the writer thread's submissions do. On PostgreSQL it and the
 * quota read are named statements, prepared once per connection.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES, openTestDatabase, type TestDatabase } from '../../../test/support/databases.js';
import type { Database } from './database.js';
import { openDatabase } from './open-database.js';

const SETUPS = [
  ...ENGINES.map((engine) => ({ name: engine, engine, file: false })),
  { name: 'sqlite file', engine: 'sqlite' as const, file: true },
];

let n = 0;
const statement = (seq: number) => ({
  seq,
  hash: `hash-${n++}`,
  jws: 'a.b.c',
  accepted_at: 1_000,
});

describe.each(SETUPS)('directoryHead on $name', ({ engine, file }) => {
  let t: TestDatabase;
  let other: Database | undefined;
  afterEach(async () => {
    await other?.close();
    other = undefined;
    await t.drop();
  });

  it("sees this database's own directory writes at once", async () => {
    t = await openTestDatabase(engine, { file });
    expect(await t.database.directoryHead()).toEqual({ agreements: 0, statements: 0, rootChanges: 0 });
    for (let seq = 1; seq <= 3; seq++) {
      await t.database.write((trx) => trx.insertInto('statements').values(statement(seq)).execute());
      expect((await t.database.directoryHead()).statements).toBe(seq);
      expect((await t.database.directoryHead()).statements).toBe(seq);
    }
  });

  it.skipIf(engine === 'sqlite' && !file)(
    'sees a change committed by another connection, with other commits before and after it',
    async () => {
      t = await openTestDatabase(engine, { file });
      other = await openDatabase(t.location, { schema: t.schema, poolSize: 1 });
      const head = () => t.database.directoryHead();
      expect(await head()).toEqual({ agreements: 0, statements: 0, rootChanges: 0 });
      for (let seq = 1; seq <= 3; seq++) {
        // A commit that changes no directory table, here and there, then the directory change there.
        await t.database.write((trx) => trx.deleteFrom('statements').where('seq', '<', 0).execute());
        expect((await head()).statements).toBe(seq - 1);
        await other.write((trx) => trx.deleteFrom('statements').where('seq', '<', 0).execute());
        await other.write((trx) => trx.insertInto('statements').values(statement(seq)).execute());
        expect((await head()).statements).toBe(seq);
        expect((await head()).statements).toBe(seq);
      }
      // Nothing committed anywhere: the same head.
      expect(await head()).toEqual({ agreements: 0, statements: 3, rootChanges: 0 });
    },
  );

  it.runIf(engine === 'postgres')(
    'is a statement PostgreSQL has prepared once, as is the quota read',
    async () => {
      t = await openTestDatabase(engine, { file });
      // One connection, so the session that prepared the statements is the one asked.
      other = await openDatabase(t.location, { schema: t.schema, poolSize: 1 });
      await other.directoryHead();
      await other.queuedBytes('malmo', 'A'.repeat(43), 1_000);
      await other.directoryHead();
      const { rows } = await sql<{
        name: string;
      }>`select name from pg_prepared_statements order by name`.execute(other.db);
      expect(rows.map((r) => r.name)).toEqual(['brygga_directory_head', 'brygga_queued_bytes']);
    },
  );
});
