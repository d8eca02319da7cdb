/**
 * Durability: the relay is killed with SIGKILL in the middle of a burst of
 * submissions and restarted on the same database; every packet that got a 201 is there exactly once,
 * byte for byte, and re-submitting everything afterwards neither conflicts nor duplicates.
 */

import { createHash } from 'node:crypto';
import { RelayClient, sealPacket } from '@brygga/client-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { makeDevice, makeWorld } from '../support/fixtures.js';
import { freshRelayDatabase, type RelayProcess, spawnRelay } from '../support/relay-process.js';

const AUDIENCE = 'https://brygga.test';
const ADMIN = 'crash-test-admin-token-0123456789abcdefghij';
const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('base64url');

describe.each(ENGINES)('SIGKILL during a burst of submissions (%s)', (engine) => {
  const cleanups: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('every packet acknowledged with 201 survives exactly once', async () => {
    const database = await freshRelayDatabase(engine, cleanups);
    const env = {
      BRYGGA_DATABASE: database,
      BRYGGA_PUBLIC_URL: AUDIENCE,
      BRYGGA_ADMIN_TOKEN: ADMIN,
      BRYGGA_RATE_PER_MINUTE: '1000000',
      BRYGGA_STATEMENT_RATE_PER_MINUTE: '1000000',
    };
    let relay: RelayProcess = await spawnRelay(env);
    cleanups.push(() => void relay.stop('SIGKILL'));

    // Keys valid now: the relay checks recipient keys against its own clock.
    const world = makeWorld(new Date());
    const secondMalmo = makeDevice('malmo', world.roots.malmo, world.now, 'Malmö samordnare');
    world.statements.push(secondMalmo.enrolment, ...secondMalmo.publications);
    world.directory.applyAll([secondMalmo.enrolment, ...secondMalmo.publications]);
    const setup = new RelayClient({ baseUrl: relay.url, audience: AUDIENCE });
    await setup.installAgreement(ADMIN, world.agreement);
    for (const jws of world.statements) await setup.submitStatement(jws);

    const sender = world.devices['stockholm-jarva'];
    const recipients = world.directory.recipientsFor(['malmo'], world.now);
    expect(recipients.length).toBe(2);
    const envelopes: Uint8Array[] = [];
    for (let i = 0; i < 240; i++) {
      const sealed = await sealPacket({
        sender: { unit: 'stockholm-jarva', key: sender.key },
        recipients,
        type: 'message',
        body: { n: i },
        now: world.now,
      });
      envelopes.push(sealed.envelope.serialize());
    }
    const ids = envelopes.map(
      (e) =>
        JSON.parse(new TextDecoder().decode(e.subarray(9, 9 + new DataView(e.buffer).getUint32(5))))
          .id as string,
    );

    // The burst: 12 concurrent submitters; SIGKILL once 80 submissions have been acknowledged.
    const acked = new Map<string, string>();
    const failed: number[] = [];
    let next = 0;
    let killed = false;
    const client = new RelayClient({ baseUrl: relay.url, key: sender.key, audience: AUDIENCE });
    const worker = async () => {
      while (next < envelopes.length) {
        const i = next++;
        try {
          const receipt = await client.submit(envelopes[i]!);
          expect(receipt.created).toBe(true);
          expect(receipt.digest).toBe(digest(envelopes[i]!));
          acked.set(receipt.id, receipt.digest);
          if (acked.size >= 80 && !killed) {
            killed = true;
            relay.child.kill('SIGKILL');
          }
        } catch (err) {
          if (!killed) throw err;
          failed.push(i);
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
    expect(killed).toBe(true);
    expect(await relay.stop('SIGKILL')).toBe(null);
    expect(acked.size).toBeGreaterThanOrEqual(80);
    expect(acked.size).toBeLessThan(envelopes.length);

    relay = await spawnRelay(env);
    for (const device of [world.devices.malmo, secondMalmo]) {
      const inbox = new RelayClient({ baseUrl: relay.url, key: device.key, audience: AUDIENCE });
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await inbox.inbox({ cursor, limit: 50 });
        for (const item of page.items) seen.push(item.id);
        cursor = page.next ?? undefined;
      } while (cursor);
      // Nothing twice, and every acknowledged packet present with the bytes that were acknowledged.
      expect(new Set(seen).size).toBe(seen.length);
      for (const [id, d] of acked) {
        expect(seen).toContain(id);
        expect(digest(await inbox.fetchPacket(id))).toBe(d);
      }
      // Anything else present is a submission that was in flight when the relay died.
      for (const id of seen) if (!acked.has(id)) expect(ids).toContain(id);
    }

    // Re-submitting everything: acknowledged ones answer 200 with the same receipt, the rest 201 or 200.
    const again = new RelayClient({ baseUrl: relay.url, key: sender.key, audience: AUDIENCE });
    for (let i = 0; i < envelopes.length; i++) {
      const receipt = await again.submit(envelopes[i]!);
      if (acked.has(receipt.id)) expect(receipt.created).toBe(false);
      expect(receipt.digest).toBe(digest(envelopes[i]!));
    }
    const inbox = new RelayClient({ baseUrl: relay.url, key: world.devices.malmo.key, audience: AUDIENCE });
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await inbox.inbox({ cursor, limit: 100 });
      all.push(...page.items.map((x) => x.id));
      cursor = page.next ?? undefined;
    } while (cursor);
    expect(all.sort()).toEqual([...ids].sort());
    expect(await relay.stop('SIGTERM')).toBe(0);
  });
});
