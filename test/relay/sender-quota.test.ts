/**
 * The queued-bytes quotas (PROTOCOL.md §9): a sending device, and a sending unit, may have at most so
 * many bytes of packets waiting for their recipients; one more packet is `ERR_SENDER_QUOTA` (429, with
 * Retry-After) and stores nothing, a packet already stored is answered as before, and an acknowledgement
 * makes room. Counted in the database, so another relay on it counts the same. Runs on both engines.
 */
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
import type { TestDevice } from '../support/fixtures.js';
import {
  AUDIENCE,
  makeEnvelope,
  problemOf,
  startTestRelay,
  submit,
  type TestRelay,
} from '../support/relay.js';

describe.each(ENGINES)('sender quotas on %s', (engine) => {
  let relay: TestRelay;
  let other: Database | undefined;
  afterEach(async () => {
    await other?.close();
    other = undefined;
    await relay?.close();
  });

  it('refuses what would exceed a device or unit quota, answers a stored packet as before, and frees room on acknowledgement', async () => {
    // Every envelope here has the same size: one recipient, the same payload length.
    const { world } = (relay = await startTestRelay(engine, { file: true }));
    const size = makeEnvelope(world.devices['stockholm-jarva'], [world.devices.malmo], {
      payload: 4000,
    }).serialize().length;
    await relay.close();
    relay = await startTestRelay(engine, {
      file: true,
      config: { maxQueuedBytesPerDevice: 2 * size + size / 2, maxQueuedBytesPerUnit: 3 * size + size / 2 },
    });
    const { devices, second } = relay.world;
    const jarva = devices['stockholm-jarva'];
    const jarva2 = second['stockholm-jarva'];
    const malmo = devices.malmo;
    const envelope = (from: TestDevice) => makeEnvelope(from, [malmo], { payload: 4000 });

    const e1 = envelope(jarva);
    const e2 = envelope(jarva);
    expect(e1.serialize().length).toBe(size);
    expect((await submit(relay, jarva, e1)).status).toBe(201);
    expect((await submit(relay, jarva, e2)).status).toBe(201);
    const rowsBefore = await relay.rows();

    // The device's third packet is over its quota: 429 with Retry-After, and nothing stored.
    const e3 = envelope(jarva);
    const refused = await submit(relay, jarva, e3);
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    const problem = await problemOf(refused);
    expect(problem).toMatchObject({ status: 429, type: 'sender-quota-exceeded' });
    expect(problem.detail).toMatch(/sending device/);
    expect(await relay.rows()).toEqual({ ...rowsBefore, tokens: rowsBefore.tokens + 1 });

    // A packet already stored is answered as before: the same bytes 200, other bytes under its id 409.
    const repeat = await submit(relay, jarva, e2);
    expect(repeat.status).toBe(200);
    const conflict = makeEnvelope(jarva, [malmo], { payload: 4000, id: e2.header.id });
    expect(await problemOf(await submit(relay, jarva, conflict))).toMatchObject({
      status: 409,
      type: 'conflict',
    });

    // The unit's other device has room of its own, up to the unit's quota.
    expect((await submit(relay, jarva2, envelope(jarva2))).status).toBe(201);
    const unitFull = await problemOf(await submit(relay, jarva2, envelope(jarva2)));
    expect(unitFull).toMatchObject({ status: 429, type: 'sender-quota-exceeded' });
    expect(unitFull.detail).toMatch(/sending unit/);
    // Another unit is not held back by Stockholm's packets.
    expect(
      (await submit(relay, devices['goteborg-nordost'], envelope(devices['goteborg-nordost']))).status,
    ).toBe(201);

    // Another relay on the same database counts the same.
    other = await openDatabase(relay.db.location, { schema: relay.db.schema, poolSize: 2 });
    const logger = new Logger({ level: 'silent' });
    const deps: AppDeps = {
      ...relay.deps,
      database: other,
      logger,
      notifier: createInboxNotifier(other, logger),
      directory: new DirectoryStore(other, { now: relay.deps.now, logger }),
      store: new RelayStore(other, createInboxNotifier(other, logger), { noticeTtlMs: 60_000 }),
    };
    const app = createApp(deps);
    const atOther = await app.request(`${AUDIENCE}/v1/packets`, {
      method: 'POST',
      headers: relay.auth(jarva, { 'content-type': 'application/vnd.brygga.envelope' }),
      body: e3.serialize() as Uint8Array<ArrayBuffer>,
    });
    expect(await problemOf(atOther)).toMatchObject({ status: 429, type: 'sender-quota-exceeded' });

    // Malmö fetches and acknowledges the first packet: its bytes no longer count, the third fits.
    const ack = await relay.request(`/v1/inbox/packets/${e1.header.id}`, {
      method: 'DELETE',
      headers: relay.auth(malmo),
    });
    expect(ack.status).toBe(204);
    expect((await submit(relay, jarva, e3)).status).toBe(201);
    expect(await problemOf(await submit(relay, jarva, envelope(jarva)))).toMatchObject({ status: 429 });
  });
});
