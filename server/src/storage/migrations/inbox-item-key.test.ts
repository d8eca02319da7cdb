import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { inboxItemKey } from './inbox-item-key.js';
import { initialSchema } from './initial-schema.js';

describe('the inbox key migration on SQLite', () => {
  const open = () =>
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped database.
    new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
  const delivery = (device: string, item: string) => ({
    device,
    unit: 'malmo',
    kind: 'packet',
    item_id: item,
    packet_id: item,
    created_at: 1,
    expires_at: 2,
  });

  it('keeps the rows and never hands out a listing position twice', async () => {
    const db = open();
    await initialSchema('sqlite').up(db);
    await db
      .insertInto('inbox')
      .values([delivery('d1', 'p1'), delivery('d1', 'p2'), delivery('d2', 'p2')])
      .execute();
    // Acknowledged: the highest positions are gone, but were handed out.
    await db.deleteFrom('inbox').where('seq', '>', 1).execute();
    await inboxItemKey('sqlite').up(db);
    expect(await db.selectFrom('inbox').select(['seq', 'item_id']).execute()).toEqual([
      { seq: 1, item_id: 'p1' },
    ]);
    await db.insertInto('inbox').values(delivery('d3', 'p3')).execute();
    expect(
      (await db.selectFrom('inbox').select('seq').where('item_id', '=', 'p3').executeTakeFirst())?.seq,
    ).toBe(4);
    // One delivery of a packet per device, and the packet's deliveries are found by the key.
    await expect(db.insertInto('inbox').values(delivery('d1', 'p1')).execute()).rejects.toThrow(/UNIQUE/);
    const plan = await sql<{ detail: string }>`explain query plan
      select 1 from inbox where item_id = 'p1' and kind = 'packet'`.execute(db);
    expect(plan.rows.map((r) => r.detail).join(' ')).toMatch(/USING COVERING INDEX inbox_item/);
    await db.destroy();
  });
});
