/**
 * Keys that outlive nothing they must serve (PROTOCOL.md §6.2, §13.5), on both engines: with 90-day
 * HPKE keys, a case runs for most of a year across three rotations at each end, every packet reaching
 * the other end with no gap; each device makes its next key during `sync()` before senders would stop
 * sealing to the current one, keeps it encrypted in its store, and still opens what was sealed to the
 * keys before it. Then Malmö replaces its device (the store moves to a new signing key, the old one is
 * revoked) and the case carries on: what Järva sealed to the old device is healed to the new one.
 */
import {
  type BryggaClient,
  enrolDevice,
  HpkeKeyPair,
  loadIdentity,
  type PacketBodies,
  publishHpkeKey,
  revokeDevice,
  SigningKeyPair,
  saveIdentity,
} from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { FetchFunction } from '../../client-sdk/src/transport/relay-client.js';
import { expectLogsAgree } from '../support/case-invariant.js';
import { ENGINES } from '../support/databases.js';
import type { TestDevice } from '../support/fixtures.js';
import { agreePlan } from '../support/plan-agreement.js';
import { AUDIENCE } from '../support/relay.js';
import {
  makeWorkflowWorld,
  referInput,
  startWorkflow,
  type Workflow,
  workflowContact,
} from '../support/workflow-world.js';

const DAY = 24 * 3600;
const PASSPHRASE = 'en lång lösenfras för enheten';
/** The cheapest key-file parameters the format allows, to keep a test's key derivations quick. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 };

const contact = workflowContact;

function followUp(month: string): PacketBodies['follow-up'] {
  return {
    date: `${month}-15`,
    month,
    summary: 'Går enligt plan.',
    services: [{ code: 'krisstod', status: 'ongoing' }],
    outcomes: null,
    legalBasis: null,
  };
}

/** A fetch whose directory reads fail until the relay refuses a submission (a sender with a stale directory). */
function staleUntilRefused(): FetchFunction {
  let refused = false;
  return async (input, init) => {
    if (!refused && (init.method ?? 'GET') === 'GET' && input.includes('/v1/directory')) {
      throw new TypeError('fetch failed');
    }
    const res = await fetch(input, init);
    if (init.method === 'POST' && input.endsWith('/v1/packets') && res.status >= 400) refused = true;
    return res;
  };
}

describe.each(ENGINES)('HPKE key rotation on %s', (engine) => {
  let w: Workflow;
  afterEach(async () => {
    await w?.close();
  });

  it('a case runs across three rotations and a device replacement without a gap', {
    timeout: 240_000,
  }, async () => {
    const world = makeWorkflowWorld(undefined, { keyLifetimeSeconds: 90 * DAY });
    w = await startWorkflow(engine, { world });
    // Both devices keep their keys in their stores, and are opened with the passphrase: they rotate.
    const open = async (device: TestDevice, fetch?: FetchFunction) => {
      const store = w.stores[device.unit as 'malmo'];
      if (!(await store.store.loadIdentity())) {
        await saveIdentity(
          store.store,
          { unit: device.unit, key: device.key, hpkeKeys: device.hpke },
          PASSPHRASE,
          { scrypt: SCRYPT },
        );
      }
      const identity = await loadIdentity(store.store, PASSPHRASE);
      const { BryggaClient } = await import('@brygga/client-sdk');
      const client: BryggaClient = await BryggaClient.open({
        identity,
        agreement: world.agreement,
        store: store.store,
        relayUrl: w.url,
        relayAudience: AUDIENCE,
        now: () => w.relay.clock.date,
        passphrase: PASSPHRASE,
        ...(fetch ? { fetch } : {}),
      });
      return client;
    };
    let jarva = await open(world.units['stockholm-jarva']);
    let malmo = await open(world.units.malmo);
    const syncBoth = async () => {
      await jarva.sync();
      await malmo.sync();
      await jarva.sync();
    };
    await syncBoth();
    const { caseId } = await jarva.refer(referInput('stockholm-jarva', 'malmo'));
    await malmo.sync();
    await malmo.decideUptake(caseId, { decision: 'accept', contacts: [contact('malmo')] });
    await jarva.sync();
    await jarva.sendPlan(caseId, {
      decidedOn: '2025-03-05',
      services: [{ code: 'krisstod', description: null, from: '2025-03-10', to: null }],
      note: null,
      legalBasis: null,
    });
    await agreePlan(malmo, caseId);
    await jarva.sync();
    await expectLogsAgree([jarva, malmo], caseId, { equal: true });

    // Every three weeks, for thirty weeks: both sync, Malmö follows up, Järva answers.
    for (let step = 1; step <= 10; step++) {
      w.advance(21);
      await syncBoth();
      const month = w.relay.clock.date.toISOString().slice(0, 7);
      await malmo.sendFollowUp(caseId, followUp(month));
      await jarva.sync();
      await jarva.sendMessage(caseId, { text: `Tack, vecka ${step * 3}.` });
      await malmo.sync();
      await expectLogsAgree([jarva, malmo], caseId, { equal: true, label: `step ${step}` });
    }
    // Three rotations at each end, each new key kept encrypted in the store, every one published.
    for (const [client, unit] of [
      [jarva, 'stockholm-jarva'],
      [malmo, 'malmo'],
    ] as const) {
      const rotated = (await client.pendingEvents(10_000)).filter((e) => e.type === 'key.rotated');
      expect(rotated.length, `${unit} rotated`).toBeGreaterThanOrEqual(3);
      const stored = await loadIdentity(w.stores[unit].store, PASSPHRASE);
      expect(stored.hpkeKeys.map((k) => k.kid)).toEqual(
        expect.arrayContaining(rotated.map((e) => e.data.kid as string)),
      );
      expect(client.directory.hpkeKeysOf(client.device).map((k) => k.key.kid)).toEqual(
        stored.hpkeKeys.map((k) => k.kid),
      );
    }
    const log = await expectLogsAgree([jarva, malmo], caseId, { equal: true });
    expect(log).toHaveLength(4 + 20);

    // Malmö's device is replaced: its store moves to a new signing key, enrolled by Malmö's root, and
    // the old device is revoked. Järva has not read the directory since.
    const now = w.relay.clock.date;
    const replacement = SigningKeyPair.generate();
    const replacementKey = HpkeKeyPair.generate();
    for (const jws of [
      enrolDevice(world.wroots.malmo, {
        unit: 'malmo',
        key: replacement.publicKey,
        name: 'Malmö ny dator',
        now,
      }),
      publishHpkeKey(replacement, {
        unit: 'malmo',
        key: replacementKey.publicKey,
        now,
        lifetimeSeconds: 90 * DAY,
      }),
      revokeDevice(world.wroots.malmo, { unit: 'malmo', device: malmo.device, reason: 'utbytt', now }),
    ]) {
      await w.relay.client().submitStatement(jws);
    }
    await w.relay.transparency.flush();
    const oldHpke = (await loadIdentity(w.stores.malmo.store, PASSPHRASE)).hpkeKeys;
    await saveIdentity(
      w.stores.malmo.store,
      { unit: 'malmo', key: replacement, hpkeKeys: [...oldHpke, replacementKey] },
      PASSPHRASE,
      { scrypt: SCRYPT },
    );
    await malmo.expectUnitKeys([replacement.kid]);
    malmo = await open({ ...world.units.malmo, key: replacement });
    expect(malmo.device).toBe(replacement.kid);
    jarva = await open(world.units['stockholm-jarva'], staleUntilRefused());
    const healed = await jarva.sendMessage(caseId, { text: 'Välkommen, nya dator.' });
    expect(healed.status).toBe('submitted');
    const events = (await jarva.pendingEvents(10_000)).filter((e) => e.type === 'packet.healed');
    expect(events.at(-1)?.data).toMatchObject({
      pid: healed.pid,
      problem: 'key-revoked',
      recipients: [replacement.kid],
    });
    await malmo.sync();
    await malmo.sendFollowUp(caseId, followUp(w.relay.clock.date.toISOString().slice(0, 7)));
    await jarva.sync();
    const after = await expectLogsAgree([jarva, malmo], caseId, { equal: true });
    expect(after.slice(-2).map((e) => [e.type, e.from.split('/')[1]])).toEqual([
      ['message', jarva.device],
      ['follow-up', replacement.kid],
    ]);
    expect(await malmo.alerts()).toEqual([]);
  });
});
