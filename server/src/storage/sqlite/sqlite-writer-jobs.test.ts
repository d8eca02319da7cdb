import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inlineExecutor, SqliteWriter } from './sqlite-writer.js';
import { SqliteWrites } from './sqlite-writes.js';

interface Schema {
  parent: { id: number };
  item: { id: number; parent: number | null };
}

describe('group commit in the SQLite writer', () => {
  let dir: string;
  let file: string;
  let db: Kysely<Schema>;
  let sqlite: BetterSqlite3.Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brygga-gc-'));
    file = join(dir, 'db.sqlite');
    sqlite = new BetterSqlite3(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
    await sql`create table parent (id integer primary key)`.execute(db);
    await sql`create table item (id integer primary key, parent integer references parent(id) deferrable initially deferred)`.execute(
      db,
    );
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = () =>
    new BetterSqlite3(file, { readonly: true }).prepare('select count(*) as n from item').get() as {
      n: number;
    };

  it('commits concurrent writes in shared transactions and resolves each after the commit', async () => {
    const writer = new SqliteWriter(db, inlineExecutor(new SqliteWrites(sqlite)));
    const seen: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        writer
          .run(async (trx) => {
            await trx.insertInto('item').values({ id: i, parent: null }).execute();
            return i;
          })
          .then((v) => {
            // Resolved means committed: an independent connection already sees the row.
            const row = new BetterSqlite3(file, { readonly: true })
              .prepare('select id from item where id = ?')
              .get(v);
            if (row) seen.push(v);
            return v;
          }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(seen).toHaveLength(200);
    expect(writer.commits).toBeLessThan(20);
    expect(count().n).toBe(200);
  });

  it('undoes only the write that failed, not its batch', async () => {
    const writer = new SqliteWriter(db, inlineExecutor(new SqliteWrites(sqlite)));
    const outcomes = await Promise.allSettled([
      writer.run((trx) => trx.insertInto('item').values({ id: 1, parent: null }).execute()),
      writer.run(async (trx) => {
        await trx.insertInto('item').values({ id: 2, parent: null }).execute();
        throw new Error('refused');
      }),
      writer.run((trx) => trx.insertInto('item').values({ id: 1, parent: null }).execute()),
      writer.run((trx) => trx.insertInto('item').values({ id: 3, parent: null }).execute()),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(writer.commits).toBe(1);
    const ids = (await db.selectFrom('item').select('id').orderBy('id').execute()).map((r) => r.id);
    expect(ids).toEqual([1, 3]);
  });

  it('rejects every write of a batch whose commit fails, storing none of them', async () => {
    const writer = new SqliteWriter(db, inlineExecutor(new SqliteWrites(sqlite)));
    const outcomes = await Promise.allSettled([
      writer.run((trx) => trx.insertInto('item').values({ id: 1, parent: null }).execute()),
      // A deferred foreign key: only the commit notices the missing parent.
      writer.run((trx) => trx.insertInto('item').values({ id: 2, parent: 99 }).execute()),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(count().n).toBe(0);
    // The writer keeps working afterwards.
    await writer.run((trx) => trx.insertInto('item').values({ id: 5, parent: null }).execute());
    expect(count().n).toBe(1);
    await writer.drain();
  });
});
