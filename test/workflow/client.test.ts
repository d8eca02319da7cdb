/**
 * The client beyond the main scenario, on both engines: concurrent writes to one case converge on the
 * same log at both ends (forks are detected, resolved the same way, reported); an agreement extension
 * that adds Farsta is accepted and open cases carry on across it; quota slots come back when a referral
 * is declined, and a full incoming quota refuses an acceptance; events reach the case system once; keys
 * are kept encrypted in the store; and a relay that is down loses nothing.
 */
import {
  Agreement,
  BryggaClient,
  type ClientEvent,
  directoryResolver,
  HpkeKeyPair,
  loadIdentity,
  type PacketBodies,
  SigningKeyPair,
  saveIdentity,
  verifyConsent,
} from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { FetchFunction } from '../../client-sdk/src/transport/relay-client.js';
import { ENGINES } from '../support/databases.js';
import { agreePlan } from '../support/plan-agreement.js';
import { ADMIN_TOKEN, AUDIENCE } from '../support/relay.js';
import { openTestStore } from '../support/store-databases.js';
import {
  makeWorkflowWorld,
  referInput,
  startWorkflow,
  type Workflow,
  workflowTerms,
} from '../support/workflow-world.js';

const contact = (unit: string) => ({
  unit,
  name: 'Samordnare',
  role: 'avhopparsamordnare',
  phone: null,
  email: null,
});
const plan: PacketBodies['implementation-plan'] = {
  decidedOn: '2025-03-12',
  services: [
    { code: 'krisstod', description: null, from: '2025-03-14', to: null },
    { code: 'kontaktperson', description: null, from: '2025-03-14', to: null },
  ],
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

/** Refer from Järva to Malmö and bring the case to active. */
async function activeCase(w: Workflow): Promise<string> {
  const c = w.clients;
  await w.syncAll();
  const { caseId } = await c['stockholm-jarva'].refer(referInput('stockholm-jarva', 'malmo'));
  await c.malmo.sync();
  await c.malmo.decideUptake(caseId, { decision: 'accept', contacts: [contact('malmo')] });
  await c['stockholm-jarva'].sync();
  await c['stockholm-jarva'].sendPlan(caseId, plan);
  await agreePlan(c.malmo, caseId);
  await c['stockholm-jarva'].sync();
  return caseId;
}

describe.each(ENGINES)('the client on %s', (engine) => {
  let w: Workflow;
  afterEach(async () => {
    await w?.close();
  });

  it("concurrent packets fork the case; both ends keep the home unit's branch and report the other", async () => {
    w = await startWorkflow(engine);
    const c = w.clients;
    const caseId = await activeCase(w);
    const forkPoint = (await c.malmo.getCase(caseId)).state.head;
    // Neither has seen the other's packet.
    const home = await c['stockholm-jarva'].sendMessage(caseId, { text: 'Möte på fredag.' });
    const receiving = await c.malmo.sendFollowUp(caseId, followUp);
    expect((await c.malmo.getCase(caseId)).state.head).toBe(receiving.hash);
    const malmoSync = await c.malmo.sync();
    const jarvaSync = await c['stockholm-jarva'].sync();
    expect(malmoSync.received).toContainEqual({ pid: home.pid, outcome: 'applied', code: null });
    expect(jarvaSync.received).toContainEqual({
      pid: receiving.pid,
      outcome: 'rejected',
      code: 'ERR_CASE_FORK',
    });
    const [a, b] = [await c['stockholm-jarva'].getCase(caseId), await c.malmo.getCase(caseId)];
    expect(a.state).toEqual(b.state);
    expect(a.state.head).toBe(home.hash);
    expect(a.state.followUps).toBe(0);
    // The fork is reported at both ends and Malmö's packet is kept, set aside, as evidence.
    const forkEvents = (await c.malmo.pendingEvents(1000)).filter((e) => e.type === 'case.fork');
    expect(forkEvents.at(-1)?.data).toEqual({ kept: home.hash, setAside: [receiving.hash] });
    const malmoLog = await c.malmo.caseLog(caseId);
    expect(malmoLog.find((e) => e.hash === receiving.hash)?.status).toBe('superseded');
    expect(malmoLog.find((e) => e.hash === home.hash)?.prev).toBe(forkPoint);
    await c.malmo.sync();
    const receipts = await c.malmo.receipts(caseId);
    expect(receipts.find((r) => r.pid === receiving.pid && r.unit === 'stockholm-jarva')).toMatchObject({
      outcome: 'rejected',
      code: 'ERR_CASE_FORK',
    });
    // Malmö sends the follow-up again on the surviving branch; the ends agree again.
    await c.malmo.sendFollowUp(caseId, followUp);
    await c['stockholm-jarva'].sync();
    const [x, y] = [await c['stockholm-jarva'].getCase(caseId), await c.malmo.getCase(caseId)];
    expect(x.state).toEqual(y.state);
    expect(x.state.followUps).toBe(1);
  });

  it('an extension that adds Farsta is accepted, and an open case carries on under it', async () => {
    const world = makeWorkflowWorld(undefined, {
      parties: ['stockholm-jarva', 'goteborg-nordost', 'malmo'],
      terms: { period: { from: '2025-01-01', to: '2025-06-30' } },
    });
    w = await startWorkflow(engine, { world });
    const c = w.clients;
    const caseId = await activeCase(w);
    // The 2025 H2 extension: a new period and a new party, signed by every party of the new agreement.
    let next = Agreement.create({
      ...workflowTerms(world.wroots, { period: { from: '2025-07-01', to: '2025-12-31' } }),
      sequence: 2,
      supersedes: world.agreement.digest,
    });
    for (const r of Object.values(world.wroots)) next = next.sign(r);
    await w.relay.client().installAgreement(ADMIN_TOKEN, next);
    const farsta = world.units['stockholm-farsta'];
    for (const jws of [farsta.enrolment, ...farsta.publications]) await w.relay.client().submitStatement(jws);
    // Once the old period is over, no plan can be made until the extension is accepted: a device that
    // cannot read the relay's directory refuses it (every use case reads the directory first).
    w.advance(125);
    const noDirectory: FetchFunction = async (input, init) => {
      if (input.includes('/v1/directory')) throw new TypeError('fetch failed');
      return fetch(input, init);
    };
    const offline = await w.open(world.units['stockholm-jarva'], w.stores['stockholm-jarva'], noDirectory);
    const late = await offline.sendPlan(caseId, { ...plan, decidedOn: '2025-07-06' }).catch((e) => e.code);
    expect(late).toBe('ERR_OUTSIDE_PERIOD');
    await w.syncAll(['stockholm-jarva', 'malmo']);
    expect(c['stockholm-jarva'].directory.agreements.map((a) => a.terms.sequence)).toEqual([1, 2]);
    const events = await c.malmo.pendingEvents(1000);
    expect(events.some((e) => e.type === 'agreement.accepted' && e.data.sequence === 2)).toBe(true);
    await c['stockholm-jarva'].sendPlan(caseId, { ...plan, decidedOn: '2025-07-06' });
    await c.malmo.sync();
    const [a, b] = [await c['stockholm-jarva'].getCase(caseId), await c.malmo.getCase(caseId)];
    expect(a.state).toEqual(b.state);
    expect(a.state.plan?.decidedOn).toBe('2025-07-06');
    // Farsta, a party from the extension on, refers its first case to Göteborg.
    // A new party pins the agreement it joined.
    const store = await openTestStore(engine);
    const farstaClient = await BryggaClient.open({
      identity: { unit: 'stockholm-farsta', key: farsta.key, hpkeKeys: farsta.hpke },
      agreement: next,
      store: store.store,
      relayUrl: w.url,
      relayAudience: AUDIENCE,
      now: () => w.relay.clock.date,
    });
    await farstaClient.sync();
    const referral = referInput('stockholm-farsta', 'goteborg-nordost');
    const { caseId: farstaCase } = await farstaClient.refer({
      ...referral,
      consent: { ...referral.consent, validFrom: '2025-07-01' },
    });
    await c['goteborg-nordost'].sync();
    expect((await c['goteborg-nordost'].getCase(farstaCase)).state.agreement).toBe(next.digest);
    await store.drop();
  });

  it('a declined referral gives its quota slot back; a full incoming quota refuses an acceptance', async () => {
    w = await startWorkflow(engine);
    const c = w.clients;
    await w.syncAll();
    // Malmö takes in two cases from Göteborg: its incoming quota is full.
    for (let i = 0; i < 2; i++) {
      const { caseId } = await c['goteborg-nordost'].refer(referInput('goteborg-nordost', 'malmo'));
      await c.malmo.sync();
      await c.malmo.decideUptake(caseId, { decision: 'accept', contacts: [contact('malmo')] });
      w.advance(0, 1);
    }
    await w.syncAll();
    expect(await c['stockholm-jarva'].quotaUse('malmo', 'incoming')).toMatchObject({ used: 2, quota: 2 });
    expect(
      await c['stockholm-jarva'].refer(referInput('stockholm-jarva', 'malmo')).catch((e) => e.code),
    ).toBe('ERR_QUOTA_EXCEEDED');
    // Järva refers to Göteborg instead, twice: Stockholm's outgoing quota is full.
    const first = await c['stockholm-jarva'].refer(referInput('stockholm-jarva', 'goteborg-nordost'));
    w.advance(0, 1);
    await c['stockholm-jarva'].refer(referInput('stockholm-jarva', 'goteborg-nordost'));
    expect(await c['stockholm-jarva'].quotaUse('stockholm', 'outgoing')).toMatchObject({ used: 2 });
    await c['goteborg-nordost'].sync();
    // Göteborg declines the first; Järva's SDK releases the claim and every party counts one slot free.
    await c['goteborg-nordost'].decideUptake(first.caseId, { decision: 'decline', reason: 'no-capacity' });
    await c['stockholm-jarva'].sync();
    expect((await c['stockholm-jarva'].getCase(first.caseId)).status).toBe('declined');
    expect(await c['stockholm-jarva'].quotaUse('stockholm', 'outgoing')).toMatchObject({ used: 1 });
    await c['stockholm-farsta'].sync();
    expect(await c['stockholm-farsta'].quotaUse('stockholm', 'outgoing')).toMatchObject({ used: 1 });
    // A referral to Malmö that arrives while Malmö is full is refused on acceptance too.
    const toMalmo = await c['stockholm-farsta']
      .refer(referInput('stockholm-farsta', 'malmo'))
      .catch((e) => e.code);
    expect(toMalmo).toBe('ERR_QUOTA_EXCEEDED');
  });

  it('deviations, child notices, messages with attachments and renewed consent go through both ends', async () => {
    w = await startWorkflow(engine);
    const c = w.clients;
    const caseId = await activeCase(w);
    await c.malmo.recordDeviation(caseId, {
      date: '2025-03-15',
      reason: 'acute-time-pressure',
      rule: 'guideline',
      guideline: 'Samråd före flytt',
      description: 'Flytten skedde samma dag på grund av akut hot.',
      decidedBy: { name: 'Enhetschef E', role: 'enhetschef' },
      legalBasis: null,
    });
    await c['stockholm-jarva'].sync();
    const scan = new TextEncoder().encode('%PDF-1.7 utredning');
    await c['stockholm-jarva'].sendMessage(caseId, {
      text: 'Utredningen bifogas.',
      attachments: [{ name: 'utredning.pdf', type: 'application/pdf', data: scan }],
    });
    await w.syncAll(['malmo', 'stockholm-jarva']);
    const message = (await c.malmo.caseLog(caseId)).find((e) => e.type === 'message');
    expect(message?.attachments).toEqual([{ name: 'utredning.pdf', type: 'application/pdf', data: scan }]);
    // The person withdraws consent; a child comes up: the notice goes under SoL's duty to report.
    await c['stockholm-jarva'].withdrawConsent(caseId, { withdrawnOn: '2025-03-16', form: 'written' });
    await c.malmo.sync();
    const notice: PacketBodies['child-notice'] = {
      date: '2025-03-17',
      description: 'Ett barn bor tillfälligt hos personen.',
      proposedResponsibility: 'to-be-decided',
      measuresTaken: 'Orosanmälan gjord.',
      answers: null,
      settlement: null,
      legalBasis: null,
    };
    expect(await c.malmo.sendChildNotice(caseId, notice).catch((e) => e.code)).toBe('ERR_CONSENT_WITHDRAWN');
    await c.malmo.sendChildNotice(caseId, {
      ...notice,
      legalBasis: { provision: 'SoL 14 kap. 1 §', note: null },
    });
    // A new written consent makes follow-ups possible again.
    await c['stockholm-jarva'].sync();
    await c['stockholm-jarva'].attestConsent(caseId, {
      form: 'written',
      written: { documentSha256: 'A'.repeat(43), signedOn: '2025-03-03' },
      validFrom: '2025-03-03',
      validUntil: '2025-12-31',
    });
    await c.malmo.sync();
    await c.malmo.sendFollowUp(caseId, followUp);
    await c['stockholm-jarva'].sync();
    const [a, b] = [await c['stockholm-jarva'].getCase(caseId), await c.malmo.getCase(caseId)];
    expect(a.state).toEqual(b.state);
    expect([a.state.deviations, a.state.childNotices, a.state.messages, a.state.followUps]).toEqual([
      1, 1, 1, 1,
    ]);
    expect(a.state.consents.map((x) => x.withdrawnIn === null)).toEqual([false, true]);
    // The consent documents are archived at both ends and verify on their own.
    const archived = await c.malmo.consents(caseId);
    expect(archived.map((x) => x.kind).sort()).toEqual(['attestation', 'attestation', 'withdrawal']);
    for (const x of archived.filter((y) => y.kind === 'attestation')) {
      expect(verifyConsent(x.jws, directoryResolver(c.malmo.directory)).unit).toBe('stockholm-jarva');
    }
  });

  it('events reach the case system once, in order, across a restart', async () => {
    w = await startWorkflow(engine);
    const c = w.clients;
    const seen: ClientEvent[] = [];
    const unsubscribe = c.malmo.onEvent((e) => seen.push(e));
    const caseId = await activeCase(w);
    unsubscribe();
    expect(seen.map((e) => e.type)).toContain('case.status');
    const controller = new AbortController();
    const consumed: ClientEvent[] = [];
    const reader = (async () => {
      for await (const e of c.malmo.events({ signal: controller.signal })) {
        consumed.push(e);
        if (e.type === 'packet.applied' && e.data.packetType === 'follow-up') controller.abort();
      }
    })();
    await c['stockholm-jarva'].sendFollowUp(caseId, followUp);
    await c.malmo.sync();
    await reader;
    expect(consumed.map((e) => e.seq)).toEqual([...consumed.map((e) => e.seq)].sort((a, b) => a - b));
    expect(consumed.filter((e) => e.type === 'packet.applied').map((e) => e.data.packetType)).toEqual([
      'referral',
      'uptake-decision',
      'implementation-plan',
      'plan-response',
      'follow-up',
    ]);
    // The last event handed out is not yet consumed: a restarted case system sees it again.
    const reopened = await w.open(w.world.units.malmo, w.stores.malmo);
    const pending = await reopened.pendingEvents();
    expect(pending[0]?.seq).toBe(consumed.at(-1)?.seq);
    await reopened.consumeEvents(pending.at(-1)!.seq);
    expect(await reopened.pendingEvents()).toEqual([]);
  });

  it('keeps the device keys encrypted in the store, and loses nothing while the relay is down', async () => {
    w = await startWorkflow(engine);
    const c = w.clients;
    const caseId = await activeCase(w);
    const device = w.world.units.malmo;
    const store = w.stores.malmo.store;
    await saveIdentity(
      store,
      { unit: 'malmo', key: device.key, hpkeKeys: device.hpke },
      'korrekt häst batteri',
      {
        scrypt: { N: 2 ** 15, r: 8, p: 1 },
      },
    );
    const record = await store.loadIdentity();
    expect(record?.signingKey).not.toContain(new TextDecoder().decode(device.key.exportSecret()));
    await expect(loadIdentity(store, 'fel lösenfras')).rejects.toMatchObject({
      code: 'ERR_WRONG_PASSPHRASE',
    });
    const identity = await loadIdentity(store, 'korrekt häst batteri');
    expect(identity.key.kid).toBe(device.key.kid);
    expect(identity.hpkeKeys.map((k) => k.kid)).toEqual(device.hpke.map((k) => k.kid));

    // The same device, opened from its stored identity, talking to a relay that is not there.
    const offline = await BryggaClient.open({
      identity,
      agreement: w.world.agreement,
      store,
      relayUrl: 'http://127.0.0.1:9',
      now: () => w.relay.clock.date,
    });
    const sent = await offline.sendFollowUp(caseId, followUp);
    expect(sent.submitted).toBe(false);
    await expect(offline.sync()).rejects.toMatchObject({ code: 'ERR_RELAY', status: 0 });
    expect((await store.listOutbox()).map((o) => o.pid)).toContain(sent.pid);
    // Back online: the outbox goes out, the other end applies it.
    await c.malmo.sync();
    expect(await store.listOutbox()).toEqual([]);
    await c['stockholm-jarva'].sync();
    expect((await c['stockholm-jarva'].getCase(caseId)).state.followUps).toBe(1);
  });

  it('refuses a device outside the agreement', async () => {
    w = await startWorkflow(engine);
    const stranger = SigningKeyPair.generate();
    const store = await openTestStore(engine);
    try {
      await expect(
        BryggaClient.open({
          identity: { unit: 'uppsala', key: stranger, hpkeKeys: [HpkeKeyPair.generate()] },
          agreement: w.world.agreement,
          store: store.store,
          relayUrl: w.url,
        }),
      ).rejects.toMatchObject({ code: 'ERR_NOT_IN_AGREEMENT' });
    } finally {
      await store.drop();
    }
  });
});
