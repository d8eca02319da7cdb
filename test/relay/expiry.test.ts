/**
 * Expiry: unacknowledged deliveries expire after the configured time, the sender
 * device gets one notice per expired delivery, notices expire in turn, and sweeping is safe with
 * several sweepers at once. The clock is injected, so nothing sleeps. Runs on both engines.
 */
import { DEFAULT_CONFIG, Logger, RelayStore, Sweeper } from '@brygga/server';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { makeEnvelope, problemOf, startTestRelay, submit, type TestRelay } from '../support/relay.js';
import { assertValid, loadSchemas } from '../support/schemas.js';

const ajv = loadSchemas();
const DAY = 86_400_000;
const TTL = DEFAULT_CONFIG.packetTtlSeconds * 1000;

describe.each(ENGINES)('expiry on %s', (engine) => {
  let relay: TestRelay;
  afterEach(async () => {
    await relay?.close();
  });

  it('turns each unacknowledged delivery into a notice for the sender device', async () => {
    relay = await startTestRelay(engine);
    const { devices, second } = relay.world;
    const sender = devices['stockholm-jarva'];
    const envelope = makeEnvelope(sender, [devices.malmo, second.malmo, devices['goteborg-nordost']]);
    const receivedAt = relay.clock.now;
    expect((await submit(relay, sender, envelope)).status).toBe(201);
    expect(await relay.client(devices['goteborg-nordost']).ack(envelope.id)).toBe(true);

    // Nothing expires a moment early.
    relay.clock.advance(TTL - 1);
    expect(await relay.deps.store.sweep(relay.clock.now)).toMatchObject({ expiredDeliveries: 0, notices: 0 });
    expect(await relay.rows()).toMatchObject({ packets: 1, inbox: 2 });

    relay.clock.advance(1);
    // The idempotency record goes with the packet once the transparency log holds the envelope.
    await relay.transparency.flush();
    expect(await relay.deps.store.sweep(relay.clock.now)).toMatchObject({ expiredDeliveries: 2, notices: 2 });
    expect(await relay.rows()).toMatchObject({ packets: 0, inbox: 2, submissions: 0 });
    expect((await relay.client(devices.malmo).inbox()).items).toEqual([]);

    const page = await relay.client(sender).inbox();
    assertValid(ajv, 'urn:brygga:schema:relay-api#/$defs/InboxPage', page);
    const expiredAt = new Date(receivedAt + TTL).toISOString();
    expect(page.items).toEqual(
      expect.arrayContaining([
        {
          kind: 'notice',
          id: expect.any(String),
          type: 'expired',
          packetId: envelope.id,
          recipient: { unit: 'malmo', device: devices.malmo.key.kid },
          expiredAt,
        },
        {
          kind: 'notice',
          id: expect.any(String),
          type: 'expired',
          packetId: envelope.id,
          recipient: { unit: 'malmo', device: second.malmo.key.kid },
          expiredAt,
        },
      ]),
    );
    expect(page.items).toHaveLength(2);
    // Only the sender device gets them, not its unit's other device.
    expect((await relay.client(second['stockholm-jarva']).inbox()).items).toEqual([]);
    const [first, other] = page.items;
    expect(await relay.client(second['stockholm-jarva']).ackNotice(first!.id)).toBe(false);
    expect(await relay.client(sender).ackNotice(first!.id)).toBe(true);
    expect(await relay.client(sender).ackNotice(first!.id)).toBe(false);
    expect((await relay.client(sender).inbox()).items.map((i) => i.id)).toEqual([other!.id]);
  });

  it('lets notices expire too, and sweeps idempotency records with their packets', async () => {
    relay = await startTestRelay(engine);
    const { devices } = relay.world;
    const envelope = makeEnvelope(devices.malmo, [devices['goteborg-nordost']]);
    await submit(relay, devices.malmo, envelope);
    relay.clock.advance(TTL);
    // The idempotency record goes once the transparency log has taken the envelope from it.
    await relay.transparency.flush();
    await relay.deps.store.sweep(relay.clock.now);
    expect(await relay.rows()).toMatchObject({ inbox: 1, packets: 0, submissions: 0 });
    // The id is free again once its packet is gone for good.
    expect((await submit(relay, devices.malmo, envelope)).status).toBe(201);
    expect(await relay.client(devices['goteborg-nordost']).ack(envelope.id)).toBe(true);
    relay.clock.advance(DEFAULT_CONFIG.noticeTtlSeconds * 1000 - 1);
    await relay.deps.store.sweep(relay.clock.now);
    expect((await relay.rows()).inbox).toBe(1);
    relay.clock.advance(1);
    await relay.transparency.flush();
    expect((await relay.deps.store.sweep(relay.clock.now)).expiredNotices).toBe(1);
    expect(await relay.rows()).toMatchObject({ inbox: 0, packets: 0, submissions: 0 });
  });

  it('gives exactly one notice per delivery with several sweepers at once', async () => {
    relay = await startTestRelay(engine);
    const { devices, second } = relay.world;
    for (let i = 0; i < 30; i++) {
      await submit(
        relay,
        devices['goteborg-nordost'],
        makeEnvelope(devices['goteborg-nordost'], [devices.malmo, second.malmo]),
      );
    }
    relay.clock.advance(TTL + DAY);
    const stores = [0, 1, 2].map(
      () => new RelayStore(relay.db.database, relay.deps.notifier, { noticeTtlMs: DAY, sweepBatch: 7 }),
    );
    const results = await Promise.all(stores.map((s) => s.sweep(relay.clock.now)));
    expect(results.reduce((n, r) => n + r.expiredDeliveries, 0)).toBe(60);
    expect(results.reduce((n, r) => n + r.notices, 0)).toBe(60);
    expect(await relay.rows()).toMatchObject({ packets: 0, inbox: 60 });
    const notices = await relay.client(devices['goteborg-nordost']).inbox({ limit: 500 });
    expect(notices.items).toHaveLength(60);
    expect(
      new Set(notices.items.map((n) => (n.kind === 'notice' ? `${n.packetId}/${n.recipient.device}` : '')))
        .size,
    ).toBe(60);
  });

  it('runs periodically through the Sweeper and keeps going after a failure', async () => {
    relay = await startTestRelay(engine);
    const { devices } = relay.world;
    await submit(relay, devices.malmo, makeEnvelope(devices.malmo, [devices['goteborg-nordost']]));
    const logs: string[] = [];
    const sweeper = new Sweeper(relay.deps.store, {
      now: () => relay.clock.now,
      logger: new Logger({ level: 'info', sink: (l) => logs.push(l) }),
      intervalMs: 20,
    });
    relay.clock.advance(TTL);
    sweeper.start();
    await new Promise((r) => setTimeout(r, 100));
    await sweeper.stop();
    expect(await relay.rows()).toMatchObject({ packets: 0, inbox: 1 });
    expect(logs.some((l) => JSON.parse(l).msg === 'sweep')).toBe(true);
    // A store whose database is gone: the sweep fails, is logged, and does not throw.
    const broken = new RelayStore(
      { ...relay.db.database, write: () => Promise.reject(new Error('disk on fire')) },
      relay.deps.notifier,
      { noticeTtlMs: DAY },
    );
    const failing = new Sweeper(broken, {
      now: () => relay.clock.now,
      logger: new Logger({ level: 'error', sink: (l) => logs.push(l) }),
      intervalMs: 1000,
    });
    expect(await failing.runOnce()).toBeUndefined();
    expect(logs.some((l) => JSON.parse(l).msg === 'sweep failed')).toBe(true);
  });

  it('answers 404 for a notice id that is not in the inbox', async () => {
    relay = await startTestRelay(engine);
    const res = await relay.request('/v1/inbox/notices/AAAAAAAAAAAAAAAAAAAAAA', {
      method: 'DELETE',
      headers: relay.auth(relay.world.devices.malmo),
    });
    expect(await problemOf(res)).toMatchObject({ status: 404, type: 'not-found' });
  });
});
