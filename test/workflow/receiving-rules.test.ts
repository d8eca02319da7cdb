/**
 * The receiving city's rules (PROTOCOL.md §5.5, §14.6), at both ends, on both engines: the sender's
 * SDK refuses a packet that breaks one, with a typed error naming the rule and its source, and stores
 * nothing; a modified sender that skips the check (a packet sealed and submitted directly) is refused
 * by the other end with the same code and a signed receipt saying so, and both ends' case logs agree.
 */
import { makeQuotaClaim, type PacketBodies, type RelocationPreCheck } from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { expectLogsAgree } from '../support/case-invariant.js';
import { ENGINES } from '../support/databases.js';
import { submitUnchecked, uncheckedReferral } from '../support/hostile-sender.js';
import {
  CATALOGUE,
  referInput,
  referredCase,
  startWorkflow,
  type Workflow,
  type WorkflowUnit,
  workflowContact,
  worldWithMunicipalities,
} from '../support/workflow-world.js';

/** Malmö offers every service of the catalogue but contact with psychiatry and work-oriented support. */
const MALMO_OFFERS = CATALOGUE.map((c) => c.code).filter(
  (c) => c !== 'psykiatri' && c !== 'arbetsinriktade-insatser',
);

/** The 2025 world with Malmö's own offer in its terms. */
function offersWorld() {
  return worldWithMunicipalities({ malmo: { offers: MALMO_OFFERS } });
}

const contact = workflowContact;

const plan = (codes: string[]): PacketBodies['implementation-plan'] => ({
  decidedOn: '2025-03-03',
  services: codes.map((code) => ({ code, description: null, from: '2025-03-10', to: null })),
  note: null,
  legalBasis: null,
});

/** Refer from `home` to `to` and accept it there; the case id. */
async function acceptedCase(w: Workflow, home: WorkflowUnit, to: WorkflowUnit): Promise<string> {
  const caseId = await referredCase(w, home, to);
  await w.clients[to].decideUptake(caseId, { decision: 'accept', contacts: [contact(to)] });
  await w.syncAll([home, to]);
  return caseId;
}

/** The receiver's report of `pid`: what it did with the packet, and the code when it refused. */
async function receivedBy(w: Workflow, unit: WorkflowUnit, pid: string) {
  const report = await w.clients[unit].sync();
  return report.received.find((r) => r.pid === pid);
}

describe.each(ENGINES)("each city's own offer at both ends on %s", (engine) => {
  let w: Workflow;
  afterEach(async () => {
    await w?.close();
  });

  it('the sender refuses a referral asking for a service Malmö does not offer, naming the source; Göteborg offers it', async () => {
    w = await startWorkflow(engine, { world: offersWorld() });
    await w.syncAll();
    const jarva = w.clients['stockholm-jarva'];
    const services = ['krisstod', 'psykiatri'];
    const refused = jarva.refer(referInput('stockholm-jarva', 'malmo', { services }));
    await expect(refused).rejects.toMatchObject({ code: 'ERR_SERVICE_NOT_OFFERED' });
    await expect(refused).rejects.toThrow(
      /malmo does not offer psykiatri: the cooperation agreement \(Avtal om samverkan för insatser till avhoppare\)/,
    );
    expect(await jarva.listCases()).toEqual([]);
    expect(await w.stores['stockholm-jarva'].store.listOutbox()).toEqual([]);
    const { caseId } = await jarva.refer(referInput('stockholm-jarva', 'goteborg-nordost', { services }));
    await w.syncAll(['stockholm-jarva', 'goteborg-nordost']);
    expect((await w.clients['goteborg-nordost'].getCase(caseId)).status).toBe('delivered');
  });

  it('the receiver refuses a referral a modified sender made for a service it does not offer', async () => {
    w = await startWorkflow(engine, { world: offersWorld() });
    await w.syncAll();
    const caseId = 'AAAAAAAAAAAAAAAAAAAABA';
    const body = uncheckedReferral(w, 'stockholm-jarva', 'malmo', caseId, (b) => ({
      ...b,
      requestedServices: ['krisstod', 'arbetsinriktade-insatser'],
    }));
    const { pid } = await submitUnchecked(w, 'stockholm-jarva', 'malmo', {
      type: 'referral',
      caseId,
      prev: null,
      body,
    });
    expect(await receivedBy(w, 'malmo', pid)).toEqual({
      pid,
      outcome: 'rejected',
      code: 'ERR_SERVICE_NOT_OFFERED',
    });
    await expect(w.clients.malmo.getCase(caseId)).rejects.toMatchObject({ code: 'ERR_UNKNOWN_CASE' });
  });

  it('a plan holds only what Malmö offers: refused at the sender, and at Malmö when a modified sender skips it', async () => {
    w = await startWorkflow(engine, { world: offersWorld() });
    await w.syncAll();
    const jarva = w.clients['stockholm-jarva'];
    const caseId = await acceptedCase(w, 'stockholm-jarva', 'malmo');
    await expect(jarva.sendPlan(caseId, plan(['krisstod', 'psykiatri']))).rejects.toMatchObject({
      code: 'ERR_SERVICE_NOT_OFFERED',
    });
    expect((await jarva.getCase(caseId)).status).toBe('accepted');
    const head = (await jarva.getCase(caseId)).state.head;
    const { pid } = await submitUnchecked(w, 'stockholm-jarva', 'malmo', {
      type: 'implementation-plan',
      caseId,
      prev: head,
      body: plan(['krisstod', 'psykiatri']),
    });
    expect(await receivedBy(w, 'malmo', pid)).toEqual({
      pid,
      outcome: 'rejected',
      code: 'ERR_SERVICE_NOT_OFFERED',
    });
    expect((await w.clients.malmo.getCase(caseId)).status).toBe('accepted');
    await jarva.sendPlan(caseId, plan(['krisstod', 'kontaktperson']));
    await w.syncAll(['stockholm-jarva', 'malmo']);
    expect((await w.clients.malmo.getCase(caseId)).state.plan?.services).toEqual([
      'krisstod',
      'kontaktperson',
    ]);
    await expectLogsAgree([jarva, w.clients.malmo], caseId, { equal: true });
  });
});

describe.each(ENGINES)('the plan is agreed, not imposed, at both ends on %s', (engine) => {
  let w: Workflow;
  afterEach(async () => {
    await w?.close();
  });

  it('Malmö asks for changes, Järva answers with a new version, Malmö agrees; costs count only then', async () => {
    w = await startWorkflow(engine);
    await w.syncAll();
    const jarva = w.clients['stockholm-jarva'];
    const malmo = w.clients.malmo;
    const caseId = await acceptedCase(w, 'stockholm-jarva', 'malmo');
    const costs = [{ service: 'krisstod', month: '2025-03', amountSek: 9_000 }];
    await jarva.sendPlan(caseId, plan(['krisstod']));
    await malmo.sync();
    // Before Malmö agrees, its own SDK refuses a cost report, naming the source.
    const early = malmo.reportCosts(caseId, costs);
    await expect(early).rejects.toMatchObject({ code: 'ERR_PLAN_NOT_AGREED' });
    await expect(early).rejects.toThrow(
      /the home municipality decides services after consulting the receiving municipality/,
    );
    await malmo.respondToPlan(caseId, {
      decision: 'changes',
      changes: [{ service: 'krisstod', what: 'Även kontaktperson', why: 'Personen saknar nätverk på orten' }],
      decidedBy: { name: 'Leo Lindqvist', role: 'enhetschef' },
    });
    await jarva.sync();
    await expectLogsAgree([jarva, malmo], caseId, { equal: true });
    expect((await jarva.getCase(caseId)).state.planLog.map((v) => v.response?.decision)).toEqual(['changes']);
    await jarva.sendPlan(caseId, plan(['krisstod', 'kontaktperson']));
    await malmo.sync();
    await malmo.respondToPlan(caseId, {
      decision: 'agree',
      decidedBy: { name: 'Leo Lindqvist', role: 'enhetschef' },
    });
    await malmo.reportCosts(caseId, costs);
    await jarva.sync();
    await expectLogsAgree([jarva, malmo], caseId, { equal: true });
    const atJarva = (await jarva.getCase(caseId)).state;
    expect([atJarva.status, atJarva.planLog.map((v) => [v.version, v.response?.decision])]).toEqual([
      'active',
      [
        [1, 'changes'],
        [2, 'agree'],
      ],
    ]);
  });

  it('Järva refuses a cost report a modified Malmö sent before any plan was agreed', async () => {
    w = await startWorkflow(engine);
    await w.syncAll();
    const jarva = w.clients['stockholm-jarva'];
    const caseId = await acceptedCase(w, 'stockholm-jarva', 'malmo');
    await jarva.sendPlan(caseId, plan(['krisstod']));
    await w.clients.malmo.sync();
    const head = (await w.clients.malmo.getCase(caseId)).state.head;
    const { pid } = await submitUnchecked(w, 'malmo', 'stockholm-jarva', {
      type: 'cost-report',
      caseId,
      prev: head,
      body: { lines: [{ service: 'krisstod', month: '2025-03', amountSek: 9_000 }] },
    });
    expect(await receivedBy(w, 'stockholm-jarva', pid)).toEqual({
      pid,
      outcome: 'rejected',
      code: 'ERR_PLAN_NOT_AGREED',
    });
    expect((await jarva.getCase(caseId)).state.costs).toEqual([]);
  });
});

/** The 2025 world with Göteborg's guideline in its terms: its units notify Social resursnämnd. */
function relocationWorld() {
  return worldWithMunicipalities({ goteborg: { relocationNotice: 'Social resursnämnd' } });
}

const GRETA = { name: 'Greta Gren', role: 'samordnare' };

/** Göteborg's pre-check of Hisingen: notified to `body`, checked with `result`. */
const preCheck = (
  body = 'Social resursnämnd',
  result: 'cleared' | 'concerns' = 'cleared',
): RelocationPreCheck => ({
  area: 'Hisingen',
  notice: { body, notifiedBy: GRETA, notifiedOn: '2025-03-01', reference: 'SRN-2025-17' },
  check: {
    result,
    reason: result === 'concerns' ? 'Rivaliserande nätverk är aktivt på Hisingen' : null,
    checkedBy: GRETA,
    checkedOn: '2025-03-01',
  },
});

describe.each(ENGINES)('the relocation pre-check at both ends on %s', (engine) => {
  let w: Workflow;
  afterEach(async () => {
    await w?.close();
  });

  it("Göteborg's SDK refuses an acceptance before Social resursnämnd is notified and the area cleared; then accepts", async () => {
    w = await startWorkflow(engine, { world: relocationWorld() });
    await w.syncAll();
    const jarva = w.clients['stockholm-jarva'];
    const nordost = w.clients['goteborg-nordost'];
    const caseId = await referredCase(w, 'stockholm-jarva', 'goteborg-nordost');
    const accept = (relocation: RelocationPreCheck | null) =>
      nordost.decideUptake(caseId, {
        decision: 'accept',
        contacts: [contact('goteborg-nordost')],
        relocation,
      });
    const bare = accept(null);
    await expect(bare).rejects.toMatchObject({ code: 'ERR_RELOCATION_NOT_NOTIFIED' });
    await expect(bare).rejects.toThrow(
      /require notifying Social resursnämnd in advance of the planned relocation area before accepting: Riktlinje för Göteborgs Stads arbete med avhoppare \(stadsledningskontoret, dnr 0952\/18\)/,
    );
    await expect(accept(preCheck('Stadsledningskontoret'))).rejects.toMatchObject({
      code: 'ERR_RELOCATION_NOT_NOTIFIED',
    });
    await expect(accept(preCheck('Social resursnämnd', 'concerns'))).rejects.toMatchObject({
      code: 'ERR_RELOCATION_NOT_CLEARED',
    });
    expect((await nordost.getCase(caseId)).state.status).toBe('referred');
    expect(await w.stores['goteborg-nordost'].store.listOutbox()).toEqual([]);
    await accept(preCheck());
    await w.syncAll(['goteborg-nordost', 'stockholm-jarva']);
    const atJarva = (await jarva.getCase(caseId)).state;
    expect([atJarva.status, atJarva.relocation?.notice, atJarva.relocation?.check]).toEqual([
      'accepted',
      { body: 'Social resursnämnd', notifiedBy: GRETA, notifiedOn: '2025-03-01', reference: 'SRN-2025-17' },
      { result: 'cleared', checkedBy: GRETA, checkedOn: '2025-03-01' },
    ]);
    await expectLogsAgree([jarva, nordost], caseId, { equal: true });
  });

  it('Järva refuses an acceptance a modified Göteborg sent without notifying Social resursnämnd', async () => {
    w = await startWorkflow(engine, { world: relocationWorld() });
    await w.syncAll();
    const jarva = w.clients['stockholm-jarva'];
    const caseId = await referredCase(w, 'stockholm-jarva', 'goteborg-nordost');
    const head = (await w.clients['goteborg-nordost'].getCase(caseId)).state.head;
    const { proof } = makeQuotaClaim(w.world.units['goteborg-nordost'].key, {
      agreement: w.world.agreement,
      unit: 'goteborg-nordost',
      direction: 'incoming',
      caseId,
      now: w.relay.clock.date,
    });
    const acceptance = (relocation: RelocationPreCheck | null): PacketBodies['uptake-decision'] => ({
      decision: 'accept',
      reason: null,
      note: null,
      contacts: [contact('goteborg-nordost')],
      quota: proof,
      relocation,
      special: null,
      rivalCheck: null,
    });
    const bare = await submitUnchecked(w, 'goteborg-nordost', 'stockholm-jarva', {
      type: 'uptake-decision',
      caseId,
      prev: head,
      body: acceptance(null),
    });
    expect(await receivedBy(w, 'stockholm-jarva', bare.pid)).toEqual({
      pid: bare.pid,
      outcome: 'rejected',
      code: 'ERR_RELOCATION_NOT_NOTIFIED',
    });
    const concerns = await submitUnchecked(w, 'goteborg-nordost', 'stockholm-jarva', {
      type: 'uptake-decision',
      caseId,
      prev: head,
      body: acceptance(preCheck('Social resursnämnd', 'concerns')),
    });
    expect(await receivedBy(w, 'stockholm-jarva', concerns.pid)).toEqual({
      pid: concerns.pid,
      outcome: 'rejected',
      code: 'ERR_RELOCATION_NOT_CLEARED',
    });
    const atJarva = (await jarva.getCase(caseId)).state;
    expect([atJarva.status, atJarva.relocation]).toEqual(['referred', null]);
  });
});
