/**
 * The per-device inbox: listing with cursor pagination, fetching,
 * acknowledging (the packet goes with its last delivery), and strict isolation between devices and
 * units. Runs on both engines.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import type { TestDevice } from '../support/fixtures.js';
import {
  makeEnvelope,
  packetId,
  problemOf,
  startTestRelay,
  submit,
  type TestRelay,
} from '../support/relay.js';
import { assertValid, loadSchemas } from '../support/schemas.js';

const ajv = loadSchemas();

describe.each(ENGINES)('inbox on %s', (engine) => {
  let relay: TestRelay;
  afterEach(async () => {
    await relay?.close();
  });

  const get = (device: TestDevice, path: string) => relay.request(path, { headers: relay.auth(device) });
  const del = (device: TestDevice, path: string) =>
    relay.request(path, { method: 'DELETE', headers: relay.auth(device) });

  async function send(from: TestDevice, to: TestDevice[]): Promise<{ id: string; bytes: Uint8Array }> {
    const envelope = makeEnvelope(from, to);
    const res = await submit(relay, from, envelope);
    expect(res.status).toBe(201);
    return { id: envelope.id, bytes: envelope.serialize() };
  }

  it('lists, fetches and acknowledges; the packet goes with its last delivery', async () => {
    relay = await startTestRelay(engine);
    const { devices, second } = relay.world;
    const sthlm = devices['stockholm-jarva'];
    const { id, bytes } = await send(sthlm, [devices.malmo, second.malmo]);

    const res = await get(devices.malmo, '/v1/inbox');
    expect(res.status).toBe(200);
    const page = await res.json();
    assertValid(ajv, 'urn:brygga:schema:relay-api#/$defs/InboxPage', page);
    expect(page).toEqual({
      items: [
        {
          kind: 'packet',
          id,
          sender: { unit: 'stockholm-jarva', device: sthlm.key.kid },
          size: bytes.length,
          receivedAt: relay.clock.date.toISOString(),
          expiresAt: new Date(relay.clock.now + 14 * 86_400_000).toISOString(),
        },
      ],
      next: null,
    });

    const fetched = await get(devices.malmo, `/v1/inbox/packets/${id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('application/vnd.brygga.envelope');
    expect(Buffer.from(await fetched.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);

    expect((await del(devices.malmo, `/v1/inbox/packets/${id}`)).status).toBe(204);
    expect(await problemOf(await get(devices.malmo, `/v1/inbox/packets/${id}`))).toMatchObject({
      status: 404,
    });
    expect(await problemOf(await del(devices.malmo, `/v1/inbox/packets/${id}`))).toMatchObject({
      status: 404,
    });
    expect((await (await get(devices.malmo, '/v1/inbox')).json()).items).toEqual([]);
    // The other recipient device still has it.
    expect(await relay.rows()).toMatchObject({ packets: 1, inbox: 1 });
    const other = relay.client(second.malmo);
    expect((await other.inbox()).items.map((i) => i.id)).toEqual([id]);
    expect(Buffer.from(await other.fetchPacket(id)).equals(Buffer.from(bytes))).toBe(true);
    expect(await other.ack(id)).toBe(true);
    expect(await relay.rows()).toMatchObject({ packets: 0, inbox: 0 });
    expect(await other.ack(id)).toBe(false);
  });

  it('deletes the packet when recipients acknowledge at the same moment', async () => {
    relay = await startTestRelay(engine);
    const { devices, second } = relay.world;
    const ids = [];
    for (let i = 0; i < 5; i++)
      ids.push((await send(devices['goteborg-nordost'], [devices.malmo, second.malmo])).id);
    const results = await Promise.all(
      ids.flatMap((id) => [relay.client(devices.malmo).ack(id), relay.client(second.malmo).ack(id)]),
    );
    expect(results.every((r) => r === true)).toBe(true);
    expect(await relay.rows()).toMatchObject({ packets: 0, inbox: 0 });
  });

  it('pages through one listing with a cursor, oldest first', async () => {
    relay = await startTestRelay(engine);
    const { devices } = relay.world;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await send(devices.malmo, [devices['goteborg-nordost']])).id);
      relay.clock.advance(1000);
    }
    const client = relay.client(devices['goteborg-nordost']);
    const seen: string[] = [];
    let cursor: string | undefined;
    const pages: number[] = [];
    do {
      const page = await client.inbox({ limit: 2, ...(cursor ? { cursor } : {}) });
      pages.push(page.items.length);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.next ?? undefined;
    } while (cursor);
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual(ids);
    expect((await client.inbox({ limit: 500 })).items).toHaveLength(5);
  });

  it("never shows, hands out or acknowledges another device's items", async () => {
    relay = await startTestRelay(engine);
    const { devices, second } = relay.world;
    const { id } = await send(devices['stockholm-jarva'], [devices.malmo]);
    const strangers = [
      devices['goteborg-nordost'],
      second.malmo,
      devices['stockholm-jarva'],
      second['stockholm-jarva'],
    ];
    const nothing = await problemOf(await get(devices.malmo, `/v1/inbox/packets/${packetId()}`));
    for (const device of strangers) {
      expect((await (await get(device, '/v1/inbox')).json()).items).toEqual([]);
      const fetched = await problemOf(await get(device, `/v1/inbox/packets/${id}`));
      // Indistinguishable from a packet that does not exist at all.
      expect(fetched).toEqual(nothing);
      expect(await problemOf(await del(device, `/v1/inbox/packets/${id}`))).toEqual(nothing);
      expect(await problemOf(await del(device, `/v1/inbox/notices/${id}`))).toMatchObject({ status: 404 });
    }
    expect(await relay.rows()).toMatchObject({ packets: 1, inbox: 1 });
    // The recipient still has it.
    expect(
      (await (await get(devices.malmo, `/v1/inbox/packets/${id}`)).arrayBuffer()).byteLength,
    ).toBeGreaterThan(0);
    // Ids that are not packet ids, or path tricks, are simply not found.
    for (const path of [
      '/v1/inbox/packets/..%2F..%2Fdirectory',
      '/v1/inbox/packets/%00',
      `/v1/inbox/packets/${id}x`,
      `/v1/inbox/packets/${id}/extra`,
      "/v1/inbox/packets/' OR 1=1 --",
    ]) {
      expect((await get(devices.malmo, path)).status).toBe(404);
    }
  });

  it("limits a device's authenticated reads to its allowance per minute, like its writes", async () => {
    relay = await startTestRelay(engine, { config: { ratePerMinute: 5 } });
    const { malmo } = relay.world.devices;
    const other = relay.world.devices['goteborg-nordost'];
    for (let i = 0; i < 5; i++) expect((await get(malmo, '/v1/inbox')).status).toBe(200);
    const limited = await get(malmo, '/v1/inbox');
    expect(limited.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(await problemOf(limited)).toMatchObject({ status: 429, type: 'rate-limited' });
    // Every authenticated read counts: a fetch and the log's checkpoint too.
    expect(await problemOf(await get(malmo, '/v1/inbox/packets/AAAAAAAAAAAAAAAAAAAAAA'))).toMatchObject({
      status: 429,
    });
    expect(await problemOf(await get(malmo, '/v1/log/checkpoint'))).toMatchObject({ status: 429 });
    // Another device has its own allowance; and the allowance refills.
    expect((await get(other, '/v1/inbox')).status).toBe(200);
    relay.clock.advance(60_000);
    expect((await get(malmo, '/v1/inbox')).status).toBe(200);
  });

  it('refuses malformed listing parameters', async () => {
    relay = await startTestRelay(engine);
    const device = relay.world.devices.malmo;
    for (const query of [
      'cursor=abc',
      'cursor=-1',
      'cursor=1e3',
      'limit=0',
      'limit=501',
      'limit=x',
      'wait=31',
      'wait=-1',
      'wait=1.5',
    ]) {
      expect(await problemOf(await get(device, `/v1/inbox?${query}`))).toMatchObject({
        status: 400,
        type: 'malformed',
      });
    }
    expect((await get(device, '/v1/inbox?cursor=0&limit=500&wait=0')).status).toBe(200);
  });

  it('leaves out deliveries whose time has passed, even before the sweeper ran', async () => {
    relay = await startTestRelay(engine);
    const { devices } = relay.world;
    const { id } = await send(devices['stockholm-jarva'], [devices.malmo]);
    relay.clock.advance(14 * 86_400_000);
    expect((await (await get(devices.malmo, '/v1/inbox')).json()).items).toEqual([]);
    expect((await get(devices.malmo, `/v1/inbox/packets/${id}`)).status).toBe(404);
  });
});
