import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { commitInSavepoints } from './group-commit.js';
import { transactionKeepingCause } from './transaction-keeping-cause.js';

interface Schema {
  blobs: { data: Uint8Array };
}

/** A database that is full after a few pages (`max_page_count`), as a full disk is to SQLite. */
async function smallDatabase(): Promise<Kysely<Schema>> {
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  await sql`create table blobs (data blob)`.execute(db);
  await sql`pragma max_page_count = 8`.execute(db);
  return db;
}

const big = () => new Uint8Array(64 * 1024);

describe('a SQLite transaction on a full database', () => {
  it('fails with SQLITE_FULL, not with the second rollback that SQLite already did', async () => {
    const db = await smallDatabase();
    const failure = await transactionKeepingCause(db, (trx) =>
      trx.insertInto('blobs').values({ data: big() }).execute(),
    ).catch((err: unknown) => err);
    expect(failure).toMatchObject({ code: 'SQLITE_FULL' });
    // The connection is free again: the next transaction runs.
    await transactionKeepingCause(db, (trx) =>
      trx
        .insertInto('blobs')
        .values({ data: new Uint8Array(8) })
        .execute(),
    );
    expect(await db.selectFrom('blobs').selectAll().execute()).toHaveLength(1);
    await db.destroy();
  });

  it('rejects every write of a group commit with SQLITE_FULL', async () => {
    const db = await smallDatabase();
    const outcomes: unknown[] = [];
    const write = (data: Uint8Array) => ({
      job: (trx: Parameters<Parameters<typeof transactionKeepingCause<Schema, unknown>>[1]>[0]) =>
        trx.insertInto('blobs').values({ data }).execute(),
      resolve: (v: unknown) => outcomes.push(v),
      reject: (e: unknown) => outcomes.push(e),
    });
    await commitInSavepoints(db, [write(new Uint8Array(8)), write(big())]);
    expect(outcomes.length).toBe(2);
    for (const o of outcomes) expect(o).toMatchObject({ code: 'SQLITE_FULL' });
    await db.destroy();
  });
});
