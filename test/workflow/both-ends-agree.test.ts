/**
 * What a sender holds in a case is what every receiver gets (PROTOCOL.md §13.5), on both engines, with
 * three units on a real relay: a refusal caused by a stale directory is healed (the same packet, at the
 * same place in the case, re-sealed to the devices that are current), and one that cannot heal leaves no
 * trace at the sender. After every step both ends' case logs are compared entry by entry: one is always
 * a prefix of the other, and after a sync they are equal.
 *
 * The scenarios: a recipient device revoked between the sender's sync and its send (the consent
 * withdrawal that must reach); a packet queued behind a refused one (re-sealed on the new hash, never
 * held at the receiver for good); an encryption key that expired while the packet waited; a party
 * dropped from the agreement mid-case; and a crash of the store in the middle of a heal.
 */
import {
  Agreement,
  type BryggaClient,
  type BryggaStore,
  HpkeKeyPair,
  isBryggaError,
  type PacketBodies,
  publishHpkeKey,
  revokeDevice,
} from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { FetchFunction } from '../../client-sdk/src/transport/relay-client.js';
import { expectLogsAgree } from '../support/case-invariant.js';
import { ENGINES } from '../support/databases.js';
import { agreePlan } from '../support/plan-agreement.js';
import { ADMIN_TOKEN } from '../support/relay.js';
import { openTestStore, type TestStore } from '../support/store-databases.js';
import {
  makeWorkflowWorld,
  referInput,
  startWorkflow,
  type Workflow,
  workflowContact,
  workflowTerms,
} from '../support/workflow-world.js';

const contact = workflowContact;
const plan: PacketBodies['implementation-plan'] = {
  decidedOn: '2025-03-12',
  services: [{ code: 'krisstod', description: null, from: '2025-03-14', to: null }],
  note: null,
  legalBasis: null,
};
const followUp: PacketBodies['follow-up'] = {
  date: '2025-03-20',
  month: '2025-03',
  summary: 'Går enligt plan.',
  services: [{ code: 'krisstod', status: 'ongoing' }],
  outcomes: null,
  legalBasis: null,
};

/** A fetch that refuses to reach the relay's packet submission while `down()` says so. */
function submissionsDown(down: () => boolean): FetchFunction {
  return async (input, init) => {
    if (down() && init.method === 'POST' && input.endsWith('/v1/packets')) {
      throw new TypeError('fetch failed');
    }
    return fetch(input, init);
  };
}

/**
 * A fetch for a sender whose directory is stale when it seals: reading the relay's directory fails
 * until the relay has refused one of its submissions (then the sender reads it, to heal).
 */
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

/** Refer from `home` to `to` and bring the case to active, both ends synced. */
async function activeCase(w: Workflow, home: BryggaClient, to: BryggaClient): Promise<string> {
  const { caseId } = await home.refer(referInput(home.unit as never, to.unit as never));
  await to.sync();
  await to.decideUptake(caseId, { decision: 'accept', contacts: [contact(to.unit)] });
  await home.sync();
  await home.sendPlan(caseId, plan);
  await agreePlan(to, caseId);
  await home.sync();
  await expectLogsAgree([home, to], caseId, { equal: true });
  void w;
  return caseId;
}

describe.each(ENGINES)('both ends agree on %s', (engine) => {
  let w: Workflow;
  const stores: TestStore[] = [];
  afterEach(async () => {
    await w?.close();
    for (const s of stores.splice(0)) await s.drop();
  });

  it('a consent withdrawal reaches Malmö although a Malmö device was revoked since Järva last synced', async () => {
    const world = makeWorkflowWorld();
    const m2 = world.second.malmo;
    w = await startWorkflow(engine, { world, extraStatements: [m2.enrolment, ...m2.publications] });
    const c = w.clients;
    await w.syncAll();
    const caseId = await activeCase(w, c['stockholm-jarva'], c.malmo);
    // Malmö's second device is lost and revoked; Järva has not synced since.
    await w.relay.client().submitStatement(
      revokeDevice(world.wroots.malmo, {
        unit: 'malmo',
        device: m2.key.kid,
        reason: 'stulen',
        now: w.relay.clock.date,
      }),
    );
    await w.relay.transparency.flush();
    await c.malmo.sync();

    const jarva = await w.open(
      world.units['stockholm-jarva'],
      w.stores['stockholm-jarva'],
      staleUntilRefused(),
    );
    const [withdrawal] = await jarva.withdrawConsent(caseId, { withdrawnOn: '2025-03-04', form: 'written' });
    expect(withdrawal).toMatchObject({ submitted: true, status: 'submitted' });
    await expectLogsAgree([jarva, c.malmo], caseId);
    await c.malmo.sync();
    const log = await expectLogsAgree([jarva, c.malmo], caseId, { equal: true });
    expect(log.at(-1)).toMatchObject({
      type: 'consent-withdrawal',
      pid: withdrawal!.pid,
      hash: withdrawal!.hash,
    });
    const atMalmo = await c.malmo.getCase(caseId);
    expect(atMalmo.state.consents.every((x) => x.withdrawnIn !== null)).toBe(true);
    // Healed: sealed again to Malmö's current device only (and Järva's own other devices: none here).
    const healed = (await jarva.pendingEvents(1000)).filter((e) => e.type === 'packet.healed');
    expect(healed.map((e) => [e.data.pid, e.data.hash, e.data.problem])).toEqual([
      [withdrawal!.pid, withdrawal!.hash, 'key-revoked'],
    ]);
    expect(healed[0]!.data.recipients).toEqual([world.units.malmo.key.kid]);
  });

  it('a packet queued behind a refused one is re-sealed on its new hash and applied, not held', async () => {
    const world = makeWorkflowWorld();
    const j2 = world.second['stockholm-jarva'];
    w = await startWorkflow(engine, { world, extraStatements: [j2.enrolment, ...j2.publications] });
    const c = w.clients;
    await w.syncAll();
    const caseId = await activeCase(w, c['stockholm-jarva'], c.malmo);
    // Malmö sends two packets while the relay is out of reach: both wait in its outbox, chained.
    let down = true;
    const store = w.stores.malmo;
    const malmo = await w.open(
      world.units.malmo,
      store,
      submissionsDown(() => down),
    );
    const first = await malmo.sendFollowUp(caseId, followUp);
    const second = await malmo.reportCosts(caseId, [
      { service: 'krisstod', month: '2025-03', amountSek: 9000 },
    ]);
    expect([first.submitted, second.submitted]).toEqual([false, false]);
    // Meanwhile Järva's second device is revoked, and Malmö has not synced.
    await w.relay.client().submitStatement(
      revokeDevice(world.wroots['stockholm-jarva'], {
        unit: 'stockholm-jarva',
        device: j2.key.kid,
        reason: 'utbytt',
        now: w.relay.clock.date,
      }),
    );
    await w.relay.transparency.flush();
    await expectLogsAgree([c['stockholm-jarva'], malmo], caseId);
    down = false;
    const flushed = await malmo.sync();
    expect(flushed.healed).toEqual([first.pid, second.pid]);
    expect(flushed.voided).toEqual([]);
    await expectLogsAgree([c['stockholm-jarva'], malmo], caseId);
    const received = await c['stockholm-jarva'].sync();
    expect(received.received.filter((r) => r.outcome === 'held')).toEqual([]);
    await malmo.sync();
    const log = await expectLogsAgree([c['stockholm-jarva'], malmo], caseId, { equal: true });
    expect(log.slice(-2).map((e) => [e.pid, e.type])).toEqual([
      [first.pid, 'follow-up'],
      [second.pid, 'cost-report'],
    ]);
    // Same place, same packets, new hashes: the second names the first's new hash.
    expect(log.at(-1)!.prev).toBe(log.at(-2)!.hash);
    expect(log.at(-2)!.hash).not.toBe(first.hash);
  });

  it('a packet that waited until the key it was sealed to expired is healed to the next key', async () => {
    const world = makeWorkflowWorld();
    w = await startWorkflow(engine, { world });
    const c = w.clients;
    await w.syncAll();
    const caseId = await activeCase(w, c['stockholm-jarva'], c.malmo);
    // Malmö's newest key lives 15 days; Järva learns it, and seals a message to it while the relay is
    // out of reach.
    const malmoDevice = world.units.malmo;
    const publish = async (lifetimeDays: number) => {
      const key = HpkeKeyPair.generate();
      malmoDevice.hpke.push(key);
      await w.relay.client().submitStatement(
        publishHpkeKey(malmoDevice.key, {
          unit: 'malmo',
          key: key.publicKey,
          now: w.relay.clock.date,
          lifetimeSeconds: lifetimeDays * 24 * 3600,
        }),
      );
      await w.relay.transparency.flush();
      return key;
    };
    const shortLived = await publish(15);
    w.advance(0, 1);
    await c['stockholm-jarva'].sync();
    let down = true;
    const jarva = await w.open(
      world.units['stockholm-jarva'],
      w.stores['stockholm-jarva'],
      submissionsDown(() => down),
    );
    const message = await jarva.sendMessage(caseId, { text: 'Ring mig.' });
    expect(message.submitted).toBe(false);
    // Malmö publishes its next key; the message waits until the short-lived one has expired.
    const next = await publish(90);
    w.advance(15, 12);
    down = false;
    await jarva.sync();
    // Malmö's device, holding its new keys now (as a device does once its keys are in its store).
    const malmo = await w.open(malmoDevice, w.stores.malmo);
    await expectLogsAgree([jarva, malmo], caseId);
    await malmo.sync();
    const log = await expectLogsAgree([jarva, malmo], caseId, { equal: true });
    const healed = (await jarva.pendingEvents(1000)).filter((e) => e.type === 'packet.healed');
    expect(healed.map((e) => [e.data.pid, e.data.problem])).toEqual([[message.pid, 'key-expired']]);
    expect(log.at(-1)).toMatchObject({ pid: message.pid, type: 'message' });
    expect([shortLived.kid, next.kid]).not.toContain(undefined);
  });

  it('a packet to a party an extension dropped leaves no trace at the sender; the case stays equal', async () => {
    const world = makeWorkflowWorld(undefined, {
      parties: ['stockholm-jarva', 'goteborg-nordost', 'malmo'],
      terms: { period: { from: '2025-01-01', to: '2025-06-30' } },
    });
    w = await startWorkflow(engine, { world });
    const c = w.clients;
    await w.syncAll();
    const caseId = await activeCase(w, c['stockholm-jarva'], c.malmo);
    const before = await expectLogsAgree([c['stockholm-jarva'], c.malmo], caseId, { equal: true });
    // The second half-year's extension leaves Malmö out; Järva has not read it when it sends.
    const terms = workflowTerms(world.wroots, { period: { from: '2025-07-01', to: '2025-12-31' } });
    let next = Agreement.create({
      ...terms,
      parties: terms.parties.filter((p) => p.unit === 'stockholm-jarva' || p.unit === 'goteborg-nordost'),
      sequence: 2,
      supersedes: world.agreement.digest,
    });
    for (const u of ['stockholm-jarva', 'goteborg-nordost'] as const) next = next.sign(world.wroots[u]);
    await w.relay.client().installAgreement(ADMIN_TOKEN, next);
    await w.relay.transparency.flush();
    w.advance(125);
    const jarva = await w.open(
      world.units['stockholm-jarva'],
      w.stores['stockholm-jarva'],
      staleUntilRefused(),
    );
    const refused = await jarva
      .sendMessage(caseId, {
        text: 'Hinner ni ses?',
        legalBasis: { provision: 'SoL 12 kap. 10 §', note: null },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(refused).toMatchObject({
      code: 'ERR_NOT_IN_AGREEMENT',
      problem: 'not-in-agreement',
      result: { status: 'refused', type: 'message' },
    });
    expect(isBryggaError(refused)).toBe(true);
    const after = await expectLogsAgree([jarva, c.malmo], caseId, { equal: true });
    expect(after).toEqual(before);
    const voided = (await jarva.pendingEvents(1000)).filter((e) => e.type === 'packet.voided');
    expect(voided.map((e) => [e.data.code, e.data.problem])).toEqual([
      ['ERR_NOT_IN_AGREEMENT', 'not-in-agreement'],
    ]);
    expect(await w.stores['stockholm-jarva'].store.listOutbox()).toEqual([]);
  });

  it("a referral over the relay's size limit is undone with its quota claim: no case, no claim, nothing queued", async () => {
    w = await startWorkflow(engine, { relayConfig: { maxEnvelopeBytes: 6000 } });
    const c = w.clients;
    await w.syncAll();
    const input = { ...referInput('stockholm-jarva', 'malmo'), note: 'Lång anteckning. '.repeat(1000) };
    const refused = await c['stockholm-jarva'].refer(input).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({
      code: 'ERR_PAYLOAD_TOO_LARGE',
      problem: 'payload-too-large',
      result: { status: 'refused', type: 'referral', submitted: false },
    });
    const { voided, result } = refused as { voided: string[]; result: { pid: string; caseId: string } };
    expect(voided).toHaveLength(2);
    expect(voided[0]).toBe(result.pid);
    expect(await c['stockholm-jarva'].listCases()).toEqual([]);
    expect(await c['stockholm-jarva'].quotaUse('stockholm', 'outgoing')).toMatchObject({ used: 0 });
    expect(await w.stores['stockholm-jarva'].store.listOutbox()).toEqual([]);
    expect(await w.stores['stockholm-jarva'].store.listQuota()).toEqual([]);
    const events = (await c['stockholm-jarva'].pendingEvents(1000)).filter((e) => e.type === 'packet.voided');
    expect(events.map((e) => [e.caseId, e.data.code, e.data.voided])).toEqual([
      [result.caseId, 'ERR_PAYLOAD_TOO_LARGE', voided],
    ]);
    await c.malmo.sync();
    expect(await c.malmo.listCases()).toEqual([]);
    await expectLogsAgree([c['stockholm-jarva'], c.malmo], result.caseId, { equal: true });
    // The same referral without the long note goes through, in a case of its own.
    const sent = await c['stockholm-jarva'].refer(referInput('stockholm-jarva', 'malmo'));
    expect(sent.status).toBe('submitted');
    await c.malmo.sync();
    await expectLogsAgree([c['stockholm-jarva'], c.malmo], sent.caseId, { equal: true });
  });

  it('a packet to more recipient devices than the relay takes is undone (ERR_TOO_MANY_RECIPIENTS)', async () => {
    const world = makeWorkflowWorld();
    const m2 = world.second.malmo;
    w = await startWorkflow(engine, {
      world,
      extraStatements: [m2.enrolment, ...m2.publications],
      relayConfig: { maxRecipients: 1 },
    });
    const c = w.clients;
    await w.syncAll();
    await expect(c['stockholm-jarva'].refer(referInput('stockholm-jarva', 'malmo'))).rejects.toMatchObject({
      code: 'ERR_TOO_MANY_RECIPIENTS',
      problem: 'too-many-recipients',
    });
    expect(await c['stockholm-jarva'].listCases()).toEqual([]);
    expect(await w.stores['stockholm-jarva'].store.listOutbox()).toEqual([]);
  });

  it('a device that never synced sends its first referral: sealed for the relay it asks first', async () => {
    w = await startWorkflow(engine);
    const c = w.clients;
    // No sync before: the client asks the relay its packet lifetime, reads the directory, and sends.
    const sent = await c['stockholm-jarva'].refer(referInput('stockholm-jarva', 'malmo'));
    expect(sent.status).toBe('submitted');
    await c.malmo.sync();
    await expectLogsAgree([c['stockholm-jarva'], c.malmo], sent.caseId, { equal: true });
  });

  it('a crash of the store in the middle of a heal loses and duplicates nothing', async () => {
    const world = makeWorkflowWorld();
    const m2 = world.second.malmo;
    w = await startWorkflow(engine, { world, extraStatements: [m2.enrolment, ...m2.publications] });
    const c = w.clients;
    await w.syncAll();
    const caseId = await activeCase(w, c['stockholm-jarva'], c.malmo);
    await w.relay.client().submitStatement(
      revokeDevice(world.wroots.malmo, {
        unit: 'malmo',
        device: m2.key.kid,
        reason: 'stulen',
        now: w.relay.clock.date,
      }),
    );
    await w.relay.transparency.flush();
    let down = true;
    const jarvaStore = w.stores['stockholm-jarva'];
    const queued = await (
      await w.open(
        world.units['stockholm-jarva'],
        jarvaStore,
        submissionsDown(() => down),
      )
    ).sendMessage(caseId, { text: 'Möte i morgon.' });
    down = false;
    // The heal's transaction dies once: nothing of it is kept, and the next sync heals again.
    const dying = await w.open(world.units['stockholm-jarva'], {
      ...jarvaStore,
      store: dyingOnce(jarvaStore.store),
    } as never);
    await dying.sync().catch((e: unknown) => e);
    await expectLogsAgree([dying, c.malmo], caseId);
    const jarva = await w.open(world.units['stockholm-jarva'], jarvaStore);
    await jarva.sync();
    await c.malmo.sync();
    const log = await expectLogsAgree([jarva, c.malmo], caseId, { equal: true });
    expect(log.filter((e) => e.pid === queued.pid)).toHaveLength(1);
    expect(await jarvaStore.store.listOutbox()).toEqual([]);
    void stores;
    void openTestStore;
  });
});

/** A store whose first transaction that deletes a packet fails inside, as a dying database would. */
function dyingOnce(store: BryggaStore): BryggaStore {
  let died = false;
  const wrapTx = (tx: BryggaStore): BryggaStore =>
    new Proxy(tx, {
      get(target, prop, receiver) {
        if (prop === 'deletePacket' && !died) {
          return async () => {
            died = true;
            throw new Error('simulated crash inside the transaction');
          };
        }
        if (prop === 'transaction') return (work: (tx: BryggaStore) => Promise<unknown>) => work(receiver);
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'transaction') {
        return (work: (tx: BryggaStore) => Promise<unknown>) => target.transaction((tx) => work(wrapTx(tx)));
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
