/**
 * Two relays on one database: each has its own connections, its own
 * directory in memory and (on a SQLite file) its own writer thread. A revocation accepted by one is
 * enforced by the other on its very next request, because every request compares the directory in
 * memory with the database; a token id used at one is refused at the other (PROTOCOL.md §8). Runs on both engines.
 */
import { revokeDevice } from '@brygga/client-sdk';
import {
  type AppDeps,
  createApp,
  createInboxNotifier,
  type Database,
  DirectoryStore,
  Logger,
  openDatabase,
  RelayStore,
} from '@brygga/server';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import {
  AUDIENCE,
  makeEnvelope,
  problemOf,
  startTestRelay,
  submit,
  type TestRelay,
} from '../support/relay.js';

describe.each(ENGINES)('two relays on one %s database', (engine) => {
  let relay: TestRelay;
  let other: { database: Database; request: (path: string, init?: RequestInit) => Promise<Response> };
  afterEach(async () => {
    await other?.database.close();
    await relay?.close();
  });

  /** A second relay on the first one's database, sharing nothing in memory with it. */
  async function startOther(): Promise<void> {
    const database = await openDatabase(relay.db.location, { schema: relay.db.schema, poolSize: 2 });
    const logger = new Logger({ level: 'silent' });
    const now = relay.deps.now;
    const deps: AppDeps = {
      ...relay.deps,
      database,
      logger,
      notifier: createInboxNotifier(database, logger),
      directory: new DirectoryStore(database, { now, logger }),
      store: new RelayStore(database, createInboxNotifier(database, logger), { noticeTtlMs: 60_000 }),
    };
    const app = createApp(deps);
    other = { database, request: async (path, init) => app.request(`${AUDIENCE}${path}`, init) };
  }

  it('enforces a revocation accepted by the other relay at once', async () => {
    relay = await startTestRelay(engine, { file: true });
    await startOther();
    const { devices, second, roots } = relay.world;
    const sender = devices['stockholm-jarva'];
    const post = (bytes: Uint8Array) =>
      other.request('/v1/packets', {
        method: 'POST',
        headers: relay.auth(sender, { 'content-type': 'application/vnd.brygga.envelope' }),
        body: bytes as Uint8Array<ArrayBuffer>,
      });
    const inboxOf = (device: typeof second.malmo) =>
      other.request('/v1/inbox', { headers: relay.auth(device) });

    // Both relays know the directory; the second serves the revoked-to-be device and sends to it.
    expect((await inboxOf(second.malmo)).status).toBe(200);
    expect((await post(makeEnvelope(sender, [second.malmo]).serialize())).status).toBe(201);

    const revocation = revokeDevice(roots.malmo, {
      unit: 'malmo',
      device: second.malmo.key.kid,
      reason: 'borttappad',
      now: relay.clock.date,
    });
    expect((await relay.client().submitStatement(revocation)).created).toBe(true);

    // The very next requests at the other relay already see it.
    expect(await problemOf(await inboxOf(second.malmo))).toMatchObject({
      status: 403,
      type: 'device-revoked',
    });
    expect(await problemOf(await post(makeEnvelope(sender, [second.malmo]).serialize()))).toMatchObject({
      status: 422,
      type: 'key-revoked',
    });
    // The unit's other device is unaffected.
    expect((await post(makeEnvelope(sender, [devices.malmo]).serialize())).status).toBe(201);
  });

  it('refuses at one relay a token id used at the other', async () => {
    relay = await startTestRelay(engine, { file: true });
    await startOther();
    const { devices } = relay.world;
    const token = relay.token(devices.malmo);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.brygga.envelope' };
    const envelope = makeEnvelope(devices.malmo, [devices['goteborg-nordost']]).serialize();
    const first = await relay.request('/v1/packets', {
      method: 'POST',
      headers,
      body: envelope as Uint8Array<ArrayBuffer>,
    });
    expect(first.status).toBe(201);
    const before = await relay.rows();
    const replay = await other.request('/v1/packets', {
      method: 'POST',
      headers,
      body: makeEnvelope(devices.malmo, [devices['goteborg-nordost']]).serialize() as Uint8Array<ArrayBuffer>,
    });
    // PostgreSQL finds the id's row. A SQLite relay keeps ids in memory and finds the other relay's token
    // ceiling above the token (PROTOCOL.md §8): it cannot tell whether the token was used, so refuses it.
    expect(await problemOf(replay)).toMatchObject(
      engine === 'postgres'
        ? { status: 401, type: 'token-replayed' }
        : { status: 503, type: 'token-uncertain' },
    );
    expect(await relay.rows()).toEqual(before);
    // And the packet itself, submitted again through the other relay, is the same packet.
    expect((await submit(relay, devices.malmo, envelope)).status).toBe(200);
  });
});
