/**
 * A heal (PROTOCOL.md §13.5) across a relay killed with SIGKILL, against real relay processes on both
 * engines: Järva seals a message to a Malmö device that was revoked since it last read the directory;
 * the relay refuses it, Järva seals it again to Malmö's current device, and the relay dies while that
 * submission is in flight: once after it committed the new envelope but before Järva heard so, once
 * before the request reached it. The relay restarts on the same database; Järva's next sync submits
 * the same bytes again. Nothing is lost and nothing doubles: Malmö applies each message once, at the
 * same place as Järva holds it, and both ends' case logs are equal.
 */
import { createServer } from 'node:net';
import { BryggaClient, RelayClient, revokeDevice } from '@brygga/client-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import type { FetchFunction } from '../../client-sdk/src/transport/relay-client.js';
import { periodFromThisYear } from '../support/agreement-terms.js';
import { expectLogsAgree } from '../support/case-invariant.js';
import { ENGINES } from '../support/databases.js';
import type { TestDevice } from '../support/fixtures.js';
import { freshRelayDatabase, type RelayProcess, spawnRelay } from '../support/relay-process.js';
import { openTestStore, type TestStore } from '../support/store-databases.js';
import { makeWorkflowWorld, referInput, workflowDevice } from '../support/workflow-world.js';

const AUDIENCE = 'https://brygga.test';
const ADMIN = 'heal-crash-admin-token-0123456789abcdefghij';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe.each(ENGINES)('a relay killed during a heal (%s)', (engine) => {
  const cleanups: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('loses and duplicates nothing', { timeout: 180_000 }, async () => {
    const database = await freshRelayDatabase(engine, cleanups);
    const env = {
      BRYGGA_DATABASE: database,
      BRYGGA_PUBLIC_URL: AUDIENCE,
      BRYGGA_ADMIN_TOKEN: ADMIN,
      BRYGGA_PORT: String(await freePort()),
      BRYGGA_RATE_PER_MINUTE: '100000',
      BRYGGA_STATEMENT_RATE_PER_MINUTE: '100000',
      BRYGGA_LOG_MERGE_DELAY: '50',
    };
    let relay: RelayProcess = await spawnRelay(env);
    cleanups.push(() => relay.stop('SIGKILL'));

    // The relay runs on the real clock: keys and the agreement's period are valid now.
    const world = makeWorkflowWorld(new Date(), {
      parties: ['stockholm-jarva', 'goteborg-nordost', 'malmo'],
      terms: { period: periodFromThisYear() },
    });
    const m2 = world.second.malmo;
    const admin = new RelayClient({ baseUrl: relay.url, audience: AUDIENCE });
    await admin.installAgreement(ADMIN, world.agreement);
    for (const jws of [...world.statements, m2.enrolment, ...m2.publications])
      await admin.submitStatement(jws);

    const stores: TestStore[] = [];
    cleanups.push(async () => {
      for (const s of stores) await s.drop();
    });
    const storeOf = new Map<string, TestStore>();
    const open = async (device: TestDevice, fetch?: FetchFunction) => {
      let store = storeOf.get(device.key.kid);
      if (!store) {
        store = await openTestStore(engine);
        stores.push(store);
        storeOf.set(device.key.kid, store);
      }
      return BryggaClient.open({
        identity: { unit: device.unit, key: device.key, hpkeKeys: device.hpke },
        agreement: world.agreement,
        store: store.store,
        relayUrl: relay.url,
        relayAudience: AUDIENCE,
        ...(fetch ? { fetch } : {}),
      });
    };
    const jarvaDevice = world.units['stockholm-jarva'];
    let jarva = await open(jarvaDevice);
    const malmo = await open(world.units.malmo);
    await jarva.sync();
    await malmo.sync();
    const { caseId } = await jarva.refer(referInput('stockholm-jarva', 'malmo', { at: new Date() }));
    await malmo.sync();
    await malmo.decideUptake(caseId, {
      decision: 'accept',
      contacts: [{ unit: 'malmo', name: 'Samordnare', role: 'samordnare', phone: null, email: null }],
    });
    await jarva.sync();
    await expectLogsAgree([jarva, malmo], caseId, { equal: true });

    // Malmö's second device is revoked; Järva has not read the directory since.
    await admin.submitStatement(
      revokeDevice(world.wroots.malmo, { unit: 'malmo', device: m2.key.kid, reason: 'stulen' }),
    );
    await malmo.sync();

    /**
     * Järva's network: the directory unreadable until the relay refuses a submission; then the next
     * submission (the packet sealed again) is where the relay dies, `after` it answered or `before`.
     */
    const crashing = (when: 'after' | 'before'): FetchFunction => {
      let refused = false;
      let crashed = false;
      return async (input, init) => {
        const submission = init.method === 'POST' && input.endsWith('/v1/packets');
        if (!refused && (init.method ?? 'GET') === 'GET' && input.includes('/v1/directory')) {
          throw new TypeError('fetch failed');
        }
        if (submission && refused && !crashed) {
          crashed = true;
          if (when === 'before') {
            await relay.stop('SIGKILL');
            throw new TypeError('fetch failed');
          }
          const res = await fetch(input, init);
          expect(res.status).toBe(201);
          await relay.stop('SIGKILL');
          throw new TypeError('fetch failed');
        }
        if (crashed) throw new TypeError('fetch failed');
        const res = await fetch(input, init);
        if (submission && res.status >= 400) refused = true;
        return res;
      };
    };

    const sent: string[] = [];
    for (const when of ['after', 'before'] as const) {
      // A Malmö device Järva knows is revoked; Järva has not read the directory since.
      const lost =
        when === 'after' ? m2 : workflowDevice('malmo', world.wroots.malmo, new Date(), 'Malmö reserv');
      if (when === 'before') {
        for (const jws of [lost.enrolment, ...lost.publications]) await admin.submitStatement(jws);
        await jarva.sync();
        expect(jarva.directory.device(lost.key.kid)?.unit).toBe('malmo');
      }
      await admin.submitStatement(
        revokeDevice(world.wroots.malmo, { unit: 'malmo', device: lost.key.kid, reason: 'stulen' }),
      );
      await malmo.sync();
      jarva = await open(jarvaDevice, crashing(when));
      const message = await jarva.sendMessage(caseId, { text: `Meddelande (${when}).` });
      // Healed in the store, its new envelope waiting: the relay died before Järva heard of it.
      expect(message.status).toBe('queued');
      sent.push(message.pid);
      await expectLogsAgree([jarva, malmo], caseId);
      relay = await spawnRelay(env);
      jarva = await open(jarvaDevice);
      await jarva.sync();
      expect(await storeOf.get(jarvaDevice.key.kid)!.store.listOutbox()).toEqual([]);
      await malmo.sync();
      await jarva.sync();
      const log = await expectLogsAgree([jarva, malmo], caseId, { equal: true, label: when });
      expect(log.at(-1)).toMatchObject({ pid: message.pid, type: 'message' });
    }
    // Each message once in the log, once in Malmö's events, and nothing left in Malmö's inbox.
    const log = await expectLogsAgree([jarva, malmo], caseId, { equal: true });
    for (const pid of sent) expect(log.filter((e) => e.pid === pid)).toHaveLength(1);
    const applied = (await malmo.pendingEvents(10_000)).filter((e) => e.type === 'packet.applied');
    for (const pid of sent) expect(applied.filter((e) => e.data.pid === pid)).toHaveLength(1);
    const inbox = await new RelayClient({
      baseUrl: relay.url,
      audience: AUDIENCE,
      key: world.units.malmo.key,
    }).inbox();
    expect(inbox.items.filter((i) => sent.includes(i.id))).toEqual([]);
    expect(await relay.stop('SIGTERM')).toBe(0);
  });
});
