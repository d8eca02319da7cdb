import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { QUEUED_BYTES_SQL } from '../database.js';
import { initialSchema } from './initial-schema.js';
import { queuedBytes } from './queued-bytes.js';
import { senderQuota } from './sender-quota.js';

describe('the queued-bytes migration on SQLite', () => {
  const packet = (id: string, device: string, size: number) => ({
    id,
    digest: 'd',
    sender_unit: 'malmo',
    sender_device: device,
    size,
    envelope: new Uint8Array(size),
    received_at: 1,
    expires_at: 100,
  });

  it('totals the packets already stored, then follows every insert and delete', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped database.
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
    await initialSchema('sqlite').up(db);
    await senderQuota().up(db);
    await db
      .insertInto('packets')
      .values([packet('p1', 'd1', 10), packet('p2', 'd1', 20), packet('p3', 'd2', 40)])
      .execute();
    await queuedBytes('sqlite').up(db);
    const totals = async (device: string, now: number) =>
      (
        await sql<{ device: number; unit: number }>`${sql.raw(
          QUEUED_BYTES_SQL.replaceAll('$unit', "'malmo'")
            .replaceAll('$device', `'${device}'`)
            .replaceAll('$now', String(now)),
        )}`.execute(db)
      ).rows[0];
    expect(await totals('d1', 50)).toEqual({ device: 30, unit: 70 });
    await db
      .insertInto('packets')
      .values(packet('p4', 'd2', 5))
      .execute();
    await db.deleteFrom('packets').where('id', '=', 'p1').execute();
    expect(await totals('d1', 50)).toEqual({ device: 20, unit: 65 });
    expect(await totals('d2', 50)).toEqual({ device: 45, unit: 65 });
    // Expired, not yet deleted: no longer counted.
    expect(await totals('d2', 100)).toEqual({ device: 0, unit: 0 });
    await queuedBytes('sqlite').down?.(db);
    expect(
      (await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'trigger'`.execute(db))
        .rows[0]?.n,
    ).toBe(0);
    await db.destroy();
  });
});
