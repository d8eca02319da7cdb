/**
 * Idle keep-alive connections (README "Configuring the relay", BRYGGA_KEEP_ALIVE_SECONDS): the relay
 * announces how long it keeps an idle connection, and when a pooled connection is closed under a request
 * anyway, the SDK's RelayClient sends an idempotent request (GET, DELETE, a submission) once more on a
 * new connection, so nothing surfaces. Against a real relay process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RelayClient } from '@brygga/client-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClosingProxy, startClosingProxy } from '../support/closing-proxy.js';
import { makeWorld, type World } from '../support/fixtures.js';
import { makeEnvelope } from '../support/relay.js';
import { type RelayProcess, spawnRelay } from '../support/relay-process.js';

const AUDIENCE = 'https://brygga.test';
const ADMIN = 'keep-alive-admin-token-0123456789abcdefghij';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a keep-alive connection closed while idle', () => {
  let dir: string;
  let relay: RelayProcess;
  let proxy: ClosingProxy;
  let world: World;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brygga-keep-alive-'));
    relay = await spawnRelay({
      BRYGGA_DATABASE: join(dir, 'relay.sqlite'),
      BRYGGA_PUBLIC_URL: AUDIENCE,
      BRYGGA_ADMIN_TOKEN: ADMIN,
      BRYGGA_STATEMENT_RATE_PER_MINUTE: '100000',
      BRYGGA_KEEP_ALIVE_SECONDS: '3',
    });
    // Keys valid now: the relay checks recipient keys against its own clock.
    world = makeWorld(new Date());
    const setup = new RelayClient({ baseUrl: relay.url, audience: AUDIENCE });
    await setup.installAgreement(ADMIN, world.agreement);
    for (const jws of world.statements) await setup.submitStatement(jws);
    proxy = await startClosingProxy(relay.url, 300);
  });
  afterAll(async () => {
    await proxy?.close();
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (url: string, unit: keyof World['devices']) =>
    new RelayClient({ baseUrl: url, audience: AUDIENCE, key: world.devices[unit].key });

  it('announces its keep-alive timeout, and serves a request after the relay closed an idle connection', async () => {
    const res = await fetch(`${relay.url}/v1/health`);
    await res.body?.cancel();
    expect(res.headers.get('keep-alive')).toBe('timeout=3');
    const sender = client(relay.url, 'stockholm-jarva');
    await sender.inbox();
    await sleep(3300);
    const receipt = await sender.submit(
      makeEnvelope(world.devices['stockholm-jarva'], [world.devices.malmo]),
    );
    expect(receipt.created).toBe(true);
  });

  it('sends a GET, a submission and a DELETE again when the connection is closed under them', async () => {
    const sender = client(proxy.url, 'stockholm-jarva');
    const recipient = client(proxy.url, 'malmo');
    proxy.forward = false;
    const before = proxy.closed;
    await sender.inbox();
    await sleep(500);
    const envelope = makeEnvelope(world.devices['stockholm-jarva'], [world.devices.malmo]);
    expect((await sender.submit(envelope)).created).toBe(true);
    expect(proxy.closed).toBe(before + 1);

    await recipient.inbox();
    await sleep(500);
    const { items } = await recipient.inbox();
    expect(items.map((i) => i.id)).toContain(envelope.header.id);
    expect(proxy.closed).toBe(before + 2);
    await sleep(500);
    expect(await recipient.ack(envelope.header.id)).toBe(true);
    expect(proxy.closed).toBe(before + 3);
  });

  it('submits again when only the answer was lost, and the relay answers it as already stored', async () => {
    const sender = client(proxy.url, 'stockholm-jarva');
    const recipient = client(relay.url, 'malmo');
    proxy.forward = true;
    const before = proxy.closed;
    await sender.inbox();
    await sleep(500);
    const envelope = makeEnvelope(world.devices['stockholm-jarva'], [world.devices.malmo]);
    const receipt = await sender.submit(envelope);
    expect(proxy.closed).toBe(before + 1);
    // The first attempt was committed; the second is the same packet, answered 200 with its receipt.
    expect(receipt).toMatchObject({ id: envelope.header.id, created: false });
    const { items } = await recipient.inbox();
    expect(items.filter((i) => i.id === envelope.header.id)).toHaveLength(1);
  });

  it('does not send a request that is not idempotent again', async () => {
    const setup = new RelayClient({ baseUrl: proxy.url, audience: AUDIENCE });
    proxy.forward = false;
    await setup.directory();
    await sleep(500);
    const caught = await setup.submitStatement(world.statements[0]!).catch((err: unknown) => err);
    expect(caught).toMatchObject({ code: 'ERR_RELAY', problemCode: 'unreachable' });
  });
});
