/**
 * Replay protection without a durable write per read (PROTOCOL.md §8, "Replay protection"): a read's
 * token id is refused a second time, by every relay process on the database, yet the read adds no row to
 * a table the database logs: on SQLite token ids are held in memory under a durable ceiling per device, on
 * PostgreSQL they are rows of an UNLOGGED table. When PostgreSQL loses those rows in a crash, no token
 * that may have been used before is accepted. Runs on both engines.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { makeEnvelope, problemOf, startTestRelay, type TestRelay } from '../support/relay.js';

/** Every table of the relay's database, with its row count and whether PostgreSQL logs it. */
async function tables(relay: TestRelay): Promise<Map<string, { rows: number; logged: boolean }>> {
  const { db } = relay.deps.database;
  const names =
    relay.engine === 'postgres'
      ? (
          await sql<{ name: string; persistence: string }>`
            select c.relname as name, c.relpersistence as persistence from pg_class c
            where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r'`.execute(db)
        ).rows
      : (
          await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)
        ).rows.map((r) => ({ name: r.name, persistence: 'p' }));
  const out = new Map<string, { rows: number; logged: boolean }>();
  for (const { name, persistence } of names) {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(name)}`.execute(
      db,
    );
    out.set(name, { rows: Number(rows[0]!.n), logged: persistence !== 'u' });
  }
  return out;
}

describe.each(ENGINES)('read tokens on %s', (engine) => {
  let relay: TestRelay;
  afterEach(async () => {
    await relay?.close();
  });

  it('refuses a read token twice, yet a read adds no row to a table the database logs', async () => {
    relay = await startTestRelay(engine);
    const malmo = relay.world.devices.malmo;
    const read = (token: string) =>
      relay.request('/v1/inbox', { headers: { authorization: `Bearer ${token}` } });
    // The first read of a device may raise its token ceiling (SQLite: one durable write per 5 seconds).
    expect((await read(relay.token(malmo))).status).toBe(200);
    const ceilings = await relay.deps.database.db.selectFrom('token_ceilings').selectAll().execute();
    // The log takes in the world's statements in rounds of its own: let it catch up before counting.
    await relay.transparency.flush();
    const before = await tables(relay);
    const held = (await relay.rows()).tokens;
    const tokens = Array.from({ length: 5 }, () => relay.token(malmo));
    for (const token of tokens) expect((await read(token)).status).toBe(200);
    for (const token of tokens) {
      expect(await problemOf(await read(token))).toMatchObject({ status: 401, type: 'token-replayed' });
    }
    await relay.transparency.flush();
    const after = await tables(relay);
    for (const [name, { rows, logged }] of after) {
      if (logged) expect({ name, rows }).toEqual({ name, rows: before.get(name)!.rows });
    }
    expect(await relay.deps.database.db.selectFrom('token_ceilings').selectAll().execute()).toEqual(ceilings);
    // The token ids are held all the same: rows of an unlogged table (PostgreSQL), or memory (SQLite).
    expect((await relay.rows()).tokens).toBe(held + 5);
    if (engine === 'postgres') {
      expect(after.get('tokens')).toEqual({ rows: before.get('tokens')!.rows + 5, logged: false });
    }
  });

  it.runIf(engine === 'postgres')(
    'accepts no token that may have been used before the database lost its token ids in a crash',
    async () => {
      relay = await startTestRelay(engine);
      const { devices } = relay.world;
      const malmo = devices.malmo;
      const read = (token: string) =>
        relay.request('/v1/inbox', { headers: { authorization: `Bearer ${token}` } });
      const used = relay.token(malmo);
      const unused = relay.token(malmo);
      expect((await read(used)).status).toBe(200);
      // What PostgreSQL's crash recovery does to every unlogged table: empty it.
      await sql`truncate tokens, token_epoch`.execute(relay.deps.database.db);

      // The used token, and one issued before the loss but never used: neither can be told from a replay.
      for (const token of [used, unused, relay.token(malmo)]) {
        const refused = await read(token);
        expect(refused.headers.get('retry-after')).toBe('36');
        expect(await problemOf(refused)).toMatchObject({ status: 503, type: 'token-uncertain' });
      }
      // A submission under such a token stores nothing.
      const sender = devices['stockholm-jarva'];
      const rows = await relay.rows();
      const submitted = await relay.request('/v1/packets', {
        method: 'POST',
        headers: relay.auth(sender, { 'content-type': 'application/vnd.brygga.envelope' }),
        body: makeEnvelope(sender, [malmo]).serialize() as Uint8Array<ArrayBuffer>,
      });
      expect(await problemOf(submitted)).toMatchObject({ status: 503, type: 'token-uncertain' });
      expect((await relay.rows()).packets).toBe(rows.packets);

      // Once the clock has passed the floor, fresh tokens pass, once each; the old ones never do.
      relay.clock.advance(32_000);
      const fresh = relay.token(malmo);
      expect((await read(fresh)).status).toBe(200);
      expect(await problemOf(await read(fresh))).toMatchObject({ status: 401, type: 'token-replayed' });
      expect(await problemOf(await read(used))).toMatchObject({ status: 503, type: 'token-uncertain' });
      expect(
        (
          await relay.request('/v1/packets', {
            method: 'POST',
            headers: relay.auth(sender, { 'content-type': 'application/vnd.brygga.envelope' }),
            body: makeEnvelope(sender, [malmo]).serialize() as Uint8Array<ArrayBuffer>,
          })
        ).status,
      ).toBe(201);
    },
  );
});
