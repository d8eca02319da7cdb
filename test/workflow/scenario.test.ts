/**
 * The end-to-end scenario: three cities over a real relay on a real socket, on SQLite
 * and on PostgreSQL (the relay's database and every client's store on the same engine):
 *
 * - Stockholm (Järva) refers a case to Malmö on written consent; Malmö's receipt and acceptance arrive;
 *   a plan, two follow-ups, a cost report, the six-monthly reconciliation and a closure follow, and both
 *   ends hold the same case; the exported evidence verifies offline and a tampered copy does not.
 * - Göteborg refers to Stockholm on oral, witnessed consent, withdrawn mid-case; from then on personal
 *   data is refused at the sender and, when forced, at the receiver.
 * - Stockholm's units share its quota: Farsta's referral uses Stockholm's second slot, so Järva's third
 *   is refused by Järva's own SDK, and a forced one (a modified client) is declined by Malmö by itself
 *   with a signed decline.
 */
import {
  attestConsent,
  BryggaClient,
  makeQuotaClaim,
  type PacketBodies,
  sealPacket,
} from '@brygga/client-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { codeOfAsync as codeOf } from '../support/error-code.js';
import { agreePlan } from '../support/plan-agreement.js';
import { referInput, startWorkflow, type Workflow } from '../support/workflow-world.js';

const malmoContact = {
  unit: 'malmo',
  name: 'Samordnare Malmö',
  role: 'avhopparsamordnare',
  phone: null,
  email: 'avhopp@malmo.example',
};
const jarvaContact = {
  unit: 'stockholm-jarva',
  name: 'Samordnare Järva',
  role: 'avhopparsamordnare',
  phone: null,
  email: null,
};

const plan: PacketBodies['implementation-plan'] = {
  decidedOn: '2025-03-12',
  services: [
    { code: 'krisstod', description: 'Krisstöd vid ankomst', from: '2025-03-14', to: '2025-04-30' },
    { code: 'kontaktperson', description: null, from: '2025-03-14', to: null },
    {
      code: 'kriminalitet-som-livsstil',
      description: 'Påverkansprogram',
      from: '2025-04-01',
      to: '2025-09-30',
    },
  ],
  note: 'Beslutat efter samråd med mottagande kommun.',
  legalBasis: null,
};

function followUp(month: string, date: string): PacketBodies['follow-up'] {
  return {
    date,
    month,
    summary: 'Deltar i insatserna enligt plan; ingen kontakt med tidigare umgänge.',
    services: [
      { code: 'krisstod', status: 'ongoing' },
      { code: 'kontaktperson', status: 'ongoing' },
    ],
    outcomes: { leftGroup: 'yes', noNewSuspectedCrime: 'yes', ownHousing: 'no', selfSufficient: 'unknown' },
    legalBasis: null,
  };
}

describe.each(ENGINES)('the three-city scenario on %s', (engine) => {
  let w: Workflow;
  beforeAll(async () => {
    w = await startWorkflow(engine);
  });
  afterAll(async () => {
    await w?.close();
  });

  let mainCase: string;
  let gbgCase: string;

  it('Järva refers a case to Malmö on written consent; the receipt and the acceptance arrive', async () => {
    const { clients: c } = w;
    await w.syncAll();
    const sent = await c['stockholm-jarva'].refer(referInput('stockholm-jarva', 'malmo'));
    expect(sent.submitted).toBe(true);
    mainCase = sent.caseId;
    expect((await c['stockholm-jarva'].getCase(mainCase)).status).toBe('referred');

    w.advance(0, 1);
    const malmoSync = await c.malmo.sync();
    expect(malmoSync.received.map((r) => r.outcome)).toContain('applied');
    const atMalmo = await c.malmo.getCase(mainCase);
    expect(atMalmo.status).toBe('delivered');
    expect(atMalmo.state.home).toBe('stockholm-jarva');

    await c['stockholm-jarva'].sync();
    const delivered = await c['stockholm-jarva'].getCase(mainCase);
    expect(delivered.status).toBe('delivered');
    const receipts = await c['stockholm-jarva'].receipts(mainCase);
    expect(
      receipts.some(
        (r) => r.unit === 'malmo' && r.outcome === 'applied' && r.packetHash === delivered.state.referral,
      ),
    ).toBe(true);

    w.advance(2);
    await c.malmo.decideUptake(mainCase, { decision: 'accept', contacts: [malmoContact] });
    await c['stockholm-jarva'].sync();
    expect((await c['stockholm-jarva'].getCase(mainCase)).status).toBe('accepted');
    // The content-free claims reached every party: Göteborg counts Stockholm's and Malmö's use too.
    await c['goteborg-nordost'].sync();
    expect(await c['goteborg-nordost'].quotaUse('stockholm', 'outgoing')).toMatchObject({
      used: 1,
      quota: 2,
    });
    expect(await c['goteborg-nordost'].quotaUse('malmo', 'incoming')).toMatchObject({ used: 1, quota: 2 });
    expect(await c['goteborg-nordost'].listCases()).toEqual([]);
  });

  it('a plan, two follow-ups and a cost report; both ends hold the same case', async () => {
    const { clients: c } = w;
    w.advance(7);
    await c['stockholm-jarva'].sendPlan(mainCase, plan);
    await c.malmo.sync();
    expect((await c.malmo.getCase(mainCase)).status).toBe('accepted');
    await agreePlan(c.malmo, mainCase);
    expect((await c.malmo.getCase(mainCase)).status).toBe('active');
    // Receipts wait at most the relay's packet lifetime (14 days): both ends sync before time moves on.
    await c['stockholm-jarva'].sync();
    w.advance(20);
    await c['stockholm-jarva'].sendFollowUp(mainCase, followUp('2025-03', '2025-04-01'));
    await c.malmo.sync();
    await c['stockholm-jarva'].sync();
    w.advance(30);
    await c.malmo.sendFollowUp(mainCase, followUp('2025-04', '2025-05-02'));
    await c.malmo.reportCosts(mainCase, [
      { service: 'krisstod', month: '2025-03', amountSek: 14_500 },
      { service: 'kontaktperson', month: '2025-03', amountSek: 6_000 },
      { service: 'kontaktperson', month: '2025-04', amountSek: 6_000 },
      { service: 'kriminalitet-som-livsstil', month: '2025-04', amountSek: 9_000 },
    ]);
    await w.syncAll(['stockholm-jarva', 'malmo'], 2);
    const [a, b] = [await c['stockholm-jarva'].getCase(mainCase), await c.malmo.getCase(mainCase)];
    expect(a.state).toEqual(b.state);
    expect(a.state.followUps).toBe(2);
    expect(a.state.costs.reduce((s, l) => s + l.amountSek, 0)).toBe(35_500);
    const logA = (await c['stockholm-jarva'].caseLog(mainCase)).map((e) => [e.hash, e.type, e.status]);
    const logB = (await c.malmo.caseLog(mainCase)).map((e) => [e.hash, e.type, e.status]);
    expect(logA).toEqual(logB);
    expect(logA.map((e) => e[1])).toEqual([
      'referral',
      'uptake-decision',
      'implementation-plan',
      'plan-response',
      'follow-up',
      'follow-up',
      'cost-report',
    ]);
  });

  it('Göteborg refers to Stockholm on oral consent, withdrawn mid-case: personal data is refused after', async () => {
    const { clients: c, world } = w;
    w.advance(1);
    const sent = await c['goteborg-nordost'].refer(
      referInput('goteborg-nordost', 'stockholm-jarva', { oral: true }),
    );
    gbgCase = sent.caseId;
    await c['stockholm-jarva'].sync();
    await c['stockholm-jarva'].decideUptake(gbgCase, { decision: 'accept', contacts: [jarvaContact] });
    await c['goteborg-nordost'].sync();
    expect((await c['goteborg-nordost'].getCase(gbgCase)).state.consents[0]!.form).toBe('oral');
    await c['goteborg-nordost'].sendPlan(gbgCase, { ...plan, services: [plan.services[1]!] });
    await agreePlan(c['stockholm-jarva'], gbgCase);
    await c['stockholm-jarva'].sendFollowUp(gbgCase, { ...followUp('2025-05', '2025-05-20'), services: [] });
    await c['stockholm-jarva'].reportCosts(gbgCase, [
      { service: 'kontaktperson', month: '2025-05', amountSek: 4_000 },
    ]);
    await c['goteborg-nordost'].sync();

    w.advance(3);
    await c['goteborg-nordost'].withdrawConsent(gbgCase, {
      withdrawnOn: '2025-05-25',
      form: 'oral',
      note: null,
    });
    await c['stockholm-jarva'].sync();
    const withdrawn = await c['stockholm-jarva'].getCase(gbgCase);
    expect(withdrawn.state.consents.every((x) => x.withdrawnIn !== null)).toBe(true);

    // Refused at the sender, at both ends.
    const snapshotG = JSON.stringify(await c['goteborg-nordost'].caseLog(gbgCase));
    expect(await codeOf(c['goteborg-nordost'].sendFollowUp(gbgCase, followUp('2025-05', '2025-05-28')))).toBe(
      'ERR_CONSENT_WITHDRAWN',
    );
    expect(await codeOf(c['stockholm-jarva'].sendMessage(gbgCase, { text: 'Hur mår personen?' }))).toBe(
      'ERR_CONSENT_WITHDRAWN',
    );
    expect(JSON.stringify(await c['goteborg-nordost'].caseLog(gbgCase))).toBe(snapshotG);

    // Forced by a modified client: refused at the receiver, with a receipt saying so.
    const state = (await c['goteborg-nordost'].getCase(gbgCase)).state;
    const forced = await sealPacket({
      sender: { unit: 'goteborg-nordost', key: world.units['goteborg-nordost'].key },
      recipients: c['goteborg-nordost'].directory.recipientsFor(['stockholm-jarva'], w.relay.clock.date),
      type: 'follow-up',
      caseId: gbgCase,
      prev: state.head,
      body: followUp('2025-05', '2025-05-28'),
      now: w.relay.clock.date,
    });
    await w.relay.client(world.units['goteborg-nordost']).submit(forced.envelope);
    const sync = await c['stockholm-jarva'].sync();
    expect(sync.received).toContainEqual({
      pid: forced.claims.pid,
      outcome: 'rejected',
      code: 'ERR_CONSENT_WITHDRAWN',
    });
    expect((await c['stockholm-jarva'].getCase(gbgCase)).state.head).toBe(state.head);
    const receipt = (await c['stockholm-jarva'].receipts(gbgCase)).find((r) => r.pid === forced.claims.pid);
    expect(receipt).toMatchObject({
      unit: 'stockholm-jarva',
      outcome: 'rejected',
      code: 'ERR_CONSENT_WITHDRAWN',
    });
    // Göteborg's honest client never sent that packet, so the receipt for it is itself flagged.
    const gbgSync = await c['goteborg-nordost'].sync();
    expect(gbgSync.received.filter((r) => r.outcome === 'rejected').map((r) => r.code)).toEqual([
      'ERR_RECEIPT_MISMATCH',
    ]);

    // Costs and a closure without personal data still go through; the case closes on the same figures.
    await c['stockholm-jarva'].reportCosts(gbgCase, [
      { service: 'kontaktperson', month: '2025-05', amountSek: 4_500 },
    ]);
    await c['goteborg-nordost'].sync();
    await c['goteborg-nordost'].close(gbgCase, {
      closedOn: '2025-05-30',
      reason: 'consent-withdrawn',
      outcomes: null,
    });
    await c['stockholm-jarva'].sync();
    const [g, s] = [
      await c['goteborg-nordost'].getCase(gbgCase),
      await c['stockholm-jarva'].getCase(gbgCase),
    ];
    expect(g.status).toBe('closed');
    expect(s.state).toEqual(g.state);
    expect(s.state.closure?.reason).toBe('consent-withdrawn');
  });

  it("quotas are per municipality: Järva's third referral is refused by its own SDK, a forced one declined by Malmö", async () => {
    const { clients: c, world } = w;
    await w.syncAll();
    // Farsta, another Stockholm unit, uses Stockholm's second outgoing slot.
    const farsta = await c['stockholm-farsta'].refer(referInput('stockholm-farsta', 'goteborg-nordost'));
    await w.syncAll();
    expect(await c['stockholm-jarva'].quotaUse('stockholm', 'outgoing')).toMatchObject({ used: 2, quota: 2 });
    expect((await c['goteborg-nordost'].getCase(farsta.caseId)).status).toBe('delivered');

    const before = await c['stockholm-jarva'].listCases();
    expect(await codeOf(c['stockholm-jarva'].refer(referInput('stockholm-jarva', 'malmo')))).toBe(
      'ERR_QUOTA_EXCEEDED',
    );
    expect(await c['stockholm-jarva'].listCases()).toEqual(before);

    // A modified Järva client signs a third claim and forces the referral through.
    w.advance(0, 1);
    const rogue = world.units['stockholm-jarva'];
    const caseId = 'UmVndWxhcm9ndWVjYXNlMQ';
    const now = w.relay.clock.date;
    const { proof } = makeQuotaClaim(rogue.key, {
      agreement: world.agreement,
      unit: 'stockholm-jarva',
      direction: 'outgoing',
      caseId,
      now,
    });
    const input = referInput('stockholm-jarva', 'malmo');
    const consent = attestConsent(rogue.key, {
      caseId,
      unit: 'stockholm-jarva',
      form: 'written',
      written: input.consent.written!,
      scope: { units: ['stockholm-jarva', 'malmo'], police: true, processing: true },
      validFrom: '2025-03-01',
      validUntil: '2026-02-28',
      now,
    });
    const { consent: _, ...fields } = input;
    const forced = await sealPacket({
      sender: { unit: 'stockholm-jarva', key: rogue.key },
      recipients: c['stockholm-jarva'].directory.recipientsFor(['malmo'], now),
      type: 'referral',
      caseId,
      prev: null,
      body: { ...fields, deviations: [], affiliation: null, note: null, consent, quota: proof },
      now,
    });
    await w.relay.client(rogue).submit(forced.envelope);
    const malmoSync = await c.malmo.sync();
    expect(malmoSync.received).toContainEqual({ pid: forced.claims.pid, outcome: 'applied', code: null });
    const declined = await c.malmo.getCase(caseId);
    expect(declined.status).toBe('declined');
    expect(declined.state.decision).toMatchObject({ decision: 'decline', reason: 'quota-exceeded' });
    const events = await c.malmo.pendingEvents(1000);
    expect(events.some((e) => e.type === 'case.auto-declined' && e.caseId === caseId)).toBe(true);
    // The signed decline reaches Järva's devices; the honest client never sent that referral, so it holds
    // the decline as a packet whose predecessor it does not have (reported, not applied).
    const jarva = await c['stockholm-jarva'].sync();
    const decline = (await c.malmo.caseLog(caseId))[1]!;
    expect(decline.type).toBe('uptake-decision');
    expect(jarva.received).toContainEqual({ pid: decline.pid, outcome: 'held', code: 'ERR_CASE_GAP' });
    expect(await codeOf(c['stockholm-jarva'].getCase(caseId))).toBe('ERR_UNKNOWN_CASE');
    // Malmö's incoming quota is untouched by the declined referral.
    expect(await c.malmo.quotaUse('malmo', 'incoming')).toMatchObject({ used: 1 });
  });

  it('the six-monthly reconciliation is computed alike and signed by both; the case closes', async () => {
    const { clients: c } = w;
    w.advance(40);
    await w.syncAll();
    const proposal = await c.malmo.reconcile('stockholm-jarva', '2025-H1');
    expect(proposal.complete).toBe(false);
    await c['stockholm-jarva'].sync();
    const agreed = await c['stockholm-jarva'].reconcile('malmo', '2025-H1');
    expect(agreed.complete).toBe(true);
    expect(agreed.id).toBe(proposal.id);
    await c.malmo.sync();
    const [m] = (await c.malmo.reconciliations()).filter((r) => r.id === proposal.id);
    expect(m?.complete).toBe(true);
    const verified = (await import('@brygga/client-sdk')).verifyReconciliation(m!.document, (kid) => {
      const d = c.malmo.directory.device(kid);
      return d && { unit: d.unit, key: d.key };
    });
    expect(verified.signedBy.sort()).toEqual(['malmo', 'stockholm-jarva']);
    // Malmö paid 35 500 SEK for Stockholm's case; Stockholm paid nothing for a Malmö case: Stockholm pays half.
    expect(verified.statement.paid).toEqual([
      { municipality: 'malmo', amountSek: 35_500 },
      { municipality: 'stockholm', amountSek: 0 },
    ]);
    expect(verified.statement.settlement).toEqual({ from: 'stockholm', to: 'malmo', amountSek: 17_750 });

    await c['stockholm-jarva'].close(mainCase, {
      closedOn: '2025-06-30',
      reason: 'completed',
      outcomes: { leftGroup: 'yes', noNewSuspectedCrime: 'yes', ownHousing: 'yes', selfSufficient: 'no' },
    });
    await c.malmo.sync();
    await c['stockholm-jarva'].sync();
    const [a, b] = [await c['stockholm-jarva'].getCase(mainCase), await c.malmo.getCase(mainCase)];
    expect(a.status).toBe('closed');
    expect(b.state).toEqual(a.state);
    expect(a.state.closure?.outcomes?.leftGroup).toBe('yes');
  });

  it('the exported evidence verifies offline against the agreement; a tampered copy does not', async () => {
    const { clients: c, world } = w;
    const bundle = JSON.parse(JSON.stringify(await c['stockholm-jarva'].exportEvidence(mainCase)));
    const report = BryggaClient.verifyEvidence(bundle, world.agreement);
    expect(report.state.status).toBe('closed');
    expect(report.packets.map((p) => p.type)).toEqual([
      'referral',
      'uptake-decision',
      'implementation-plan',
      'plan-response',
      'follow-up',
      'follow-up',
      'cost-report',
      'closure',
    ]);
    const referral = report.packets[0]!;
    expect(referral.sender.unit).toBe('stockholm-jarva');
    expect(referral.reliedOn).toEqual({ consent: report.state.consents[0]!.id });
    expect(referral.receipts.map((r) => r.unit)).toEqual(['malmo']);
    expect(
      report.packets.filter((p) => p.sender.unit === 'stockholm-jarva').every((p) => p.receipts.length > 0),
    ).toBe(true);
    // From Malmö's side too.
    const fromMalmo = BryggaClient.verifyEvidence(await c.malmo.exportEvidence(mainCase), world.agreement);
    expect(fromMalmo.state).toEqual(report.state);

    const tampered = JSON.parse(JSON.stringify(bundle));
    const jws: string = tampered.packets[3].jws;
    const [h, p, s] = jws.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    claims.body.summary = 'Ändrad i efterhand.';
    tampered.packets[3].jws = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    expect(
      await codeOf(Promise.resolve().then(() => BryggaClient.verifyEvidence(tampered, world.agreement))),
    ).toBe('ERR_CRYPTO');
  });
});
