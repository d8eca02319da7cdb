/**
 * Push: a coordinator sees a referral within a second, by server-sent events over a
 * real socket or by long-polling; a packet committed through one relay process is pushed by another
 * (PostgreSQL LISTEN/NOTIFY). Runs on both engines.
 */
import { type RelayEvent, revokeDevice } from '@brygga/client-sdk';
import {
  createApp,
  createInboxNotifier,
  DirectoryStore,
  Logger,
  MAX_WAITERS_PER_DEVICE,
  RelayStore,
} from '@brygga/server';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import {
  AUDIENCE,
  listen,
  makeEnvelope,
  networkClient,
  problemOf,
  startTestRelay,
  submit,
  type TestRelay,
} from '../support/relay.js';

/** The next event, or a failure after `ms`. */
async function next(events: AsyncGenerator<RelayEvent>, ms = 3000): Promise<RelayEvent> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms);
  });
  try {
    const r = await Promise.race([events.next(), timeout]);
    if (r.done) throw new Error('the event stream ended');
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

describe.each(ENGINES)('push on %s', (engine) => {
  let relay: TestRelay;
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await relay?.close();
  });

  it('announces waiting items on connect and each new packet within a second, over a real socket', async () => {
    relay = await startTestRelay(engine);
    const { devices } = relay.world;
    const server = await listen(relay);
    cleanups.push(server.close);
    const waiting = makeEnvelope(devices['stockholm-jarva'], [devices.malmo]);
    expect((await submit(relay, devices['stockholm-jarva'], waiting)).status).toBe(201);

    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    const events = networkClient(relay, server.url, devices.malmo).events(controller.signal);
    expect(await next(events)).toEqual({ event: 'packet', id: waiting.id });

    for (let i = 0; i < 3; i++) {
      const envelope = makeEnvelope(devices['goteborg-nordost'], [devices.malmo]);
      const sent = performance.now();
      const receipt = await networkClient(relay, server.url, devices['goteborg-nordost']).submit(envelope);
      expect(receipt.created).toBe(true);
      expect(await next(events, 1000)).toEqual({ event: 'packet', id: envelope.id });
      expect(performance.now() - sent).toBeLessThan(1000);
    }
    // Packets for other devices are not announced to this one.
    await submit(relay, devices.malmo, makeEnvelope(devices.malmo, [devices['goteborg-nordost']]));
    const mine = makeEnvelope(devices['goteborg-nordost'], [devices.malmo]);
    await submit(relay, devices['goteborg-nordost'], mine);
    expect(await next(events)).toEqual({ event: 'packet', id: mine.id });
    controller.abort();
  });

  it('announces expiry notices to the sender', async () => {
    relay = await startTestRelay(engine);
    const { devices } = relay.world;
    const server = await listen(relay);
    cleanups.push(server.close);
    const envelope = makeEnvelope(devices.malmo, [devices['goteborg-nordost']]);
    await submit(relay, devices.malmo, envelope);
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    const events = networkClient(relay, server.url, devices.malmo).events(controller.signal);
    // Let the stream open (it announces nothing: Malmö's inbox is empty).
    await new Promise((r) => setTimeout(r, 200));
    relay.clock.advance(14 * 86_400_000 + 1);
    await relay.deps.store.sweep(relay.clock.now);
    const event = await next(events);
    expect(event.event).toBe('notice');
    const { items } = await networkClient(relay, server.url, devices.malmo).inbox();
    expect(items.map((i) => i.id)).toEqual([event.id]);
  });

  it('pushes a packet committed through another relay process on the same database', async () => {
    relay = await startTestRelay(engine);
    const { devices } = relay.world;
    const logger = new Logger({ level: 'silent' });
    // SQLite is served by one process, whose single notifier both apps share; PostgreSQL processes each
    // LISTEN on their own connection.
    const notifier =
      engine === 'postgres' ? createInboxNotifier(relay.db.database, logger) : relay.deps.notifier;
    await notifier.start();
    cleanups.push(() => notifier.close());
    const now = () => relay.clock.now;
    const otherApp = createApp({
      ...relay.deps,
      notifier,
      directory: new DirectoryStore(relay.db.database, { now, logger }),
      store: new RelayStore(relay.db.database, notifier, { noticeTtlMs: 86_400_000 }),
    });
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    const res = await otherApp.request(`${AUDIENCE}/v1/inbox/events`, {
      headers: relay.auth(devices['goteborg-nordost']),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const envelope = makeEnvelope(devices.malmo, [devices['goteborg-nordost']]);
    const sent = performance.now();
    expect((await submit(relay, devices.malmo, envelope)).status).toBe(201);
    while (!text.includes(envelope.id)) {
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no push')), 3000)),
      ]);
      if (chunk.done) throw new Error('stream ended');
      text += decoder.decode(chunk.value);
    }
    expect(performance.now() - sent).toBeLessThan(1000);
    expect(text).toContain(`event: packet\ndata: {"id":"${envelope.id}"}\n\n`);
    await reader.cancel();
  });

  it('long-polls: answers as soon as an item exists, or empty after the wait', async () => {
    relay = await startTestRelay(engine);
    const { devices } = relay.world;
    const client = relay.client(devices.malmo);
    const t0 = performance.now();
    expect((await client.inbox({ wait: 1 })).items).toEqual([]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900);

    const polling = client.inbox({ wait: 20 });
    await new Promise((r) => setTimeout(r, 150));
    const envelope = makeEnvelope(devices['stockholm-jarva'], [devices.malmo]);
    const sent = performance.now();
    await submit(relay, devices['stockholm-jarva'], envelope);
    const page = await polling;
    expect(performance.now() - sent).toBeLessThan(1000);
    expect(page.items.map((i) => i.id)).toEqual([envelope.id]);
    // With an item waiting, a long-poll answers at once.
    const t1 = performance.now();
    expect((await client.inbox({ wait: 20 })).items).toHaveLength(1);
    expect(performance.now() - t1).toBeLessThan(1000);
  });

  it('ends waiting long-polls and event streams when the relay shuts down', async () => {
    relay = await startTestRelay(engine);
    const { devices } = relay.world;
    const server = await listen(relay);
    cleanups.push(server.close);
    const client = networkClient(relay, server.url, devices.malmo);
    const events = client.events();
    const polling = client.inbox({ wait: 25 });
    const first = events.next();
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    relay.shutdown.abort();
    expect((await polling).items).toEqual([]);
    expect((await first).done).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('caps the event streams and long-polls one device holds open', async () => {
    relay = await startTestRelay(engine);
    const { devices } = relay.world;
    const open = (device = devices.malmo) =>
      relay.request('/v1/inbox/events', { headers: relay.auth(device) });
    const streams: Response[] = [];
    for (let i = 0; i < MAX_WAITERS_PER_DEVICE; i++) {
      const res = await open();
      expect(res.status).toBe(200);
      streams.push(res);
    }
    const refused = await problemOf(await open());
    expect(refused).toMatchObject({ status: 429, type: 'rate-limited' });
    expect(
      await problemOf(await relay.request('/v1/inbox?wait=5', { headers: relay.auth(devices.malmo) })),
    ).toMatchObject({
      status: 429,
    });
    // Other devices are not affected, and a closed stream frees its slot.
    const other = await open(devices['goteborg-nordost']);
    expect(other.status).toBe(200);
    await other.body?.cancel();
    await streams.pop()!.body?.cancel();
    const again = await open();
    expect(again.status).toBe(200);
    streams.push(again);
    for (const s of streams) await s.body?.cancel();
  });

  it('is never cached, beats while idle, and logs a failure inside the stream instead of sending it', async () => {
    const logs: string[] = [];
    relay = await startTestRelay(engine, { config: { heartbeatSeconds: 1 }, logs });
    // Listing the inbox now fails inside the stream, with a message that names the table. (A first call
    // prepares the relay's frequent writes while the table is there: a token is still recorded after.)
    expect(
      (await relay.request('/v1/inbox', { headers: relay.auth(relay.world.devices.malmo) })).status,
    ).toBe(200);
    await sql`drop table inbox`.execute(relay.db.database.db);
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    const res = await relay.request('/v1/inbox/events', {
      headers: relay.auth(relay.world.devices.malmo),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes(': heartbeat')) {
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no heartbeat')), 3000)),
      ]);
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
    await reader.cancel();
    expect(text).toBe('retry: 2000\n\n: heartbeat\n\n');
    expect(logs.some((l) => JSON.parse(l).msg === 'event stream: listing failed')).toBe(true);
  });

  it('closes the event stream of a device once it is revoked', async () => {
    relay = await startTestRelay(engine, { config: { heartbeatSeconds: 1 } });
    const { devices, second, roots } = relay.world;
    const server = await listen(relay);
    cleanups.push(server.close);
    const events = networkClient(relay, server.url, second.malmo).events();
    const first = events.next();
    await new Promise((r) => setTimeout(r, 100));
    await relay.client().submitStatement(
      revokeDevice(roots.malmo, {
        unit: 'malmo',
        device: second.malmo.key.kid,
        reason: 'stulen',
        now: relay.clock.date,
      }),
    );
    // Nothing more is announced to it, and the stream ends at the next heartbeat.
    await submit(
      relay,
      devices['stockholm-jarva'],
      makeEnvelope(devices['stockholm-jarva'], [devices.malmo]),
    );
    expect(await Promise.race([first, new Promise((r) => setTimeout(() => r('timeout'), 3000))])).toEqual({
      done: true,
      value: undefined,
    });
  });
});
