/**
 * Göteborg's special cases (särskilda avhopparärenden; PROTOCOL.md §5.5, §14.6 (4)), at both ends, on
 * both engines. Where a municipality's terms name the body that assesses its special cases
 * (`specialCases`), an acceptance that marks the case special carries that body's assessment, and the
 * implementation plan is decided on or after it. The sender's SDK refuses otherwise with
 * ERR_SPECIAL_CASE_NOT_ASSESSED and stores nothing; a modified sender that skips the check is refused
 * by the other end with the same code and a signed receipt saying so.
 */
import { makeQuotaClaim, type PacketBodies, type SpecialCaseMark } from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { expectLogsAgree } from '../support/case-invariant.js';
import { ENGINES } from '../support/databases.js';
import { refusedBy, submitUnchecked } from '../support/hostile-sender.js';
import {
  referredCase,
  startWorkflow,
  type Workflow,
  workflowContact,
  worldWithMunicipalities,
} from '../support/workflow-world.js';

/** The 2025 world with Göteborg's guideline in its terms: stadsledningskontoret assesses special cases. */
function specialWorld() {
  return worldWithMunicipalities({ goteborg: { specialCases: 'Stadsledningskontoret' } });
}

const KC = { name: 'Karin Carlsson', role: 'strateg, Kunskapscentrum' };

/** A special-case mark for `body`, assessed on `assessedOn` (or not yet assessed). */
const mark = (body = 'Stadsledningskontoret', assessedOn: string | null = '2025-03-01'): SpecialCaseMark => ({
  body,
  assessment:
    assessedOn === null
      ? null
      : { assessedBy: KC, assessedOn, outcome: 'motivated', reference: 'SLK-2025-00042' },
});

const contact = workflowContact;

const plan = (decidedOn: string): PacketBodies['implementation-plan'] => ({
  decidedOn,
  services: [{ code: 'krisstod', description: null, from: '2025-03-10', to: null }],
  note: null,
  legalBasis: null,
});

describe.each(ENGINES)("Göteborg's special cases at both ends on %s", (engine) => {
  let w: Workflow;
  afterEach(async () => {
    await w?.close();
  });

  it("Göteborg's SDK refuses a special case's acceptance without stadsledningskontoret's assessment; Järva's a plan decided before it", async () => {
    w = await startWorkflow(engine, { world: specialWorld() });
    await w.syncAll();
    const jarva = w.clients['stockholm-jarva'];
    const nordost = w.clients['goteborg-nordost'];
    const caseId = await referredCase(w, 'stockholm-jarva', 'goteborg-nordost');
    const accept = (special: SpecialCaseMark) =>
      nordost.decideUptake(caseId, { decision: 'accept', contacts: [contact('goteborg-nordost')], special });
    const unassessed = accept(mark('Stadsledningskontoret', null));
    await expect(unassessed).rejects.toMatchObject({ code: 'ERR_SPECIAL_CASE_NOT_ASSESSED' });
    await expect(unassessed).rejects.toThrow(
      /needs the assessment of Stadsledningskontoret, as goteborg's terms name it: Riktlinje för Göteborgs Stads arbete med avhoppare \(stadsledningskontoret, dnr 0952\/18\): "I särskilda avhopparärenden ska stadsledningskontoret \(KC\) istället göra den bedömningen"/,
    );
    await expect(accept(mark('Social resursnämnd'))).rejects.toMatchObject({
      code: 'ERR_SPECIAL_CASE_NOT_ASSESSED',
    });
    // An assessment dated after the decision is a precondition dated after the packet relying on it.
    await expect(accept(mark('Stadsledningskontoret', '2099-01-01'))).rejects.toMatchObject({
      code: 'ERR_PRECONDITION_DATE',
    });
    expect((await nordost.getCase(caseId)).state.status).toBe('referred');
    expect(await w.stores['goteborg-nordost'].store.listOutbox()).toEqual([]);

    await accept(mark());
    await w.syncAll(['goteborg-nordost', 'stockholm-jarva']);
    const atJarva = (await jarva.getCase(caseId)).state;
    expect([atJarva.status, atJarva.special?.body, atJarva.special?.assessment]).toEqual([
      'accepted',
      'Stadsledningskontoret',
      { assessedBy: KC, assessedOn: '2025-03-01', outcome: 'motivated', reference: 'SLK-2025-00042' },
    ]);

    await expect(jarva.sendPlan(caseId, plan('2025-02-28'))).rejects.toMatchObject({
      code: 'ERR_SPECIAL_CASE_NOT_ASSESSED',
    });
    expect((await jarva.getCase(caseId)).state.plan).toBeNull();
    await jarva.sendPlan(caseId, plan('2025-03-03'));
    await w.syncAll(['stockholm-jarva', 'goteborg-nordost']);
    expect((await nordost.getCase(caseId)).state.plan?.services).toEqual(['krisstod']);
    await expectLogsAgree([jarva, nordost], caseId, { equal: true });
  });

  it('the other end refuses, with a signed receipt, what a modified sender sent past its checks', async () => {
    w = await startWorkflow(engine, { world: specialWorld() });
    await w.syncAll();
    const jarva = w.clients['stockholm-jarva'];
    const nordost = w.clients['goteborg-nordost'];
    const caseId = await referredCase(w, 'stockholm-jarva', 'goteborg-nordost');
    const head = (await nordost.getCase(caseId)).state.head;
    const { proof } = makeQuotaClaim(w.world.units['goteborg-nordost'].key, {
      agreement: w.world.agreement,
      unit: 'goteborg-nordost',
      direction: 'incoming',
      caseId,
      now: w.relay.clock.date,
    });
    const unassessed = await submitUnchecked(w, 'goteborg-nordost', 'stockholm-jarva', {
      type: 'uptake-decision',
      caseId,
      prev: head,
      body: {
        decision: 'accept',
        reason: null,
        note: null,
        contacts: [contact('goteborg-nordost')],
        quota: proof,
        relocation: null,
        special: mark('Stadsledningskontoret', null),
        rivalCheck: null,
      },
    });
    expect(await refusedBy(w, 'stockholm-jarva', unassessed.pid)).toEqual({
      received: { pid: unassessed.pid, outcome: 'rejected', code: 'ERR_SPECIAL_CASE_NOT_ASSESSED' },
      receipts: [['rejected', 'ERR_SPECIAL_CASE_NOT_ASSESSED', 'stockholm-jarva']],
    });
    expect((await jarva.getCase(caseId)).state.status).toBe('referred');

    await nordost.decideUptake(caseId, {
      decision: 'accept',
      contacts: [contact('goteborg-nordost')],
      special: mark(),
    });
    await w.syncAll(['goteborg-nordost', 'stockholm-jarva']);
    const early = await submitUnchecked(w, 'stockholm-jarva', 'goteborg-nordost', {
      type: 'implementation-plan',
      caseId,
      prev: (await jarva.getCase(caseId)).state.head,
      body: plan('2025-02-28'),
    });
    expect(await refusedBy(w, 'goteborg-nordost', early.pid)).toEqual({
      received: { pid: early.pid, outcome: 'rejected', code: 'ERR_SPECIAL_CASE_NOT_ASSESSED' },
      receipts: [['rejected', 'ERR_SPECIAL_CASE_NOT_ASSESSED', 'goteborg-nordost']],
    });
    expect((await nordost.getCase(caseId)).state.plan).toBeNull();
  });
});
