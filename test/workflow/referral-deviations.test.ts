/**
 * Documented deviations (avsteg) in a referral (PROTOCOL.md §5.4, §14.8), at both ends, on both engines:
 * a deviation from a rule the terms list in `deviations.deviable` lets the referral proceed without that
 * precondition (here the police consultation in the receiving municipality, held after the fact for acute
 * lack of time), and it enters both units' deviation registers; a deviation from a rule the terms do not
 * list is refused by the sender's SDK and, when a modified sender skips the check, by the receiver, with
 * ERR_DEVIATION_NOT_ALLOWED; the consent is never deviable (the referral is malformed). A `deviation`
 * packet during a case names its rule the same way (§12.4.6): `guideline` with its words for another
 * part of a unit's guideline, never the consent.
 */
import type { ReferralBody } from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { submitUnchecked, uncheckedReferral } from '../support/hostile-sender.js';
import { makeWorkflowWorld, referInput, startWorkflow, type Workflow } from '../support/workflow-world.js';

/** The 2025 world whose terms let a deviation set aside the police consultation only. */
const deviableWorld = () =>
  makeWorkflowWorld(undefined, { terms: { deviations: { deviable: ['police-consultation'] } } });

const acute = (rule: string): ReferralBody['deviations'][number] => ({
  rule: rule as ReferralBody['deviations'][number]['rule'],
  date: '2025-03-02',
  reason: 'acute-time-pressure',
  description: 'Placerad samma natt efter hot; samrådet med polisen i Malmö hålls i efterhand.',
  decidedBy: { name: 'Eva Enhetschef', role: 'enhetschef' },
});

describe.each(ENGINES)('deviations in a referral at both ends on %s', (engine) => {
  let w: Workflow;
  afterEach(async () => {
    await w?.close();
  });

  it('a deviable rule set aside by a documented deviation: the referral proceeds and both registers hold it', async () => {
    w = await startWorkflow(engine, { world: deviableWorld() });
    await w.syncAll();
    const jarva = w.clients['stockholm-jarva'];
    const input = referInput('stockholm-jarva', 'malmo');
    const homeOnly = { ...input, policeConsultations: [input.policeConsultations[0]!] };
    // Without the deviation the rule refuses; with one from a rule the terms do not list, too.
    await expect(jarva.refer(homeOnly)).rejects.toMatchObject({ code: 'ERR_POLICE_CONSULTATION_MISSING' });
    await expect(
      jarva.refer({ ...input, policeApprovals: [], deviations: [acute('police-approval')] }),
    ).rejects.toMatchObject({
      code: 'ERR_DEVIATION_NOT_ALLOWED',
      message: expect.stringMatching(
        /^the terms do not allow a deviation from the rule police-approval \(the 2025 extension.*only from police-consultation \(Göteborgs Stads riktlinje/,
      ),
    });
    await expect(
      jarva.refer({ ...homeOnly, deviations: [{ ...acute('police-consultation'), date: '2025-03-04' }] }),
    ).rejects.toMatchObject({ code: 'ERR_PRECONDITION_DATE' });
    expect(await jarva.listCases()).toEqual([]);

    const { caseId } = await jarva.refer({ ...homeOnly, deviations: [acute('police-consultation')] });
    await w.syncAll(['stockholm-jarva', 'malmo']);
    const entry = {
      number: 1,
      on: '2025-03-02',
      rule: 'police-consultation',
      reason: 'acute-time-pressure',
      decidedBy: { name: 'Eva Enhetschef', role: 'enhetschef' },
      caseId,
    };
    expect(await jarva.deviationRegister()).toEqual([
      expect.objectContaining({ ...entry, counterpart: 'malmo' }),
    ]);
    expect(await w.clients.malmo.deviationRegister()).toEqual([
      expect.objectContaining({ ...entry, counterpart: 'stockholm-jarva' }),
    ]);
    const atMalmo = await w.clients.malmo.getCase(caseId);
    expect(atMalmo.status).toBe('delivered');
    expect(atMalmo.state.deviationLog).toMatchObject([
      { unit: 'stockholm-jarva', inReferral: true, rule: 'police-consultation', guideline: null },
    ]);
    // Farsta, not a unit of the case, has nothing of it.
    expect(await w.clients['stockholm-farsta'].deviationRegister()).toEqual([]);
  });

  it('a deviation packet during the case names its rule: the sender’s register and both case states carry it', async () => {
    w = await startWorkflow(engine);
    await w.syncAll();
    const jarva = w.clients['stockholm-jarva'];
    const malmo = w.clients.malmo;
    const { caseId } = await jarva.refer(referInput('stockholm-jarva', 'malmo'));
    await w.syncAll(['stockholm-jarva', 'malmo']);
    const body = {
      date: '2025-03-06',
      reason: 'safety' as const,
      description: 'Placerad samma natt efter hot; boendet ordnades av Malmö.',
      decidedBy: { name: 'Eva Enhetschef', role: 'enhetschef' },
      legalBasis: null,
    };
    // The consent is never deviated from, so no deviation names it; another part of the guideline
    // is named in words. Neither is sent.
    await expect(
      jarva.recordDeviation(caseId, { ...body, rule: 'consent-scope' as 'guideline', guideline: null }),
    ).rejects.toMatchObject({ code: 'ERR_MALFORMED', message: expect.stringMatching(/^deviation\.rule /) });
    await expect(
      jarva.recordDeviation(caseId, { ...body, rule: 'guideline', guideline: null }),
    ).rejects.toMatchObject({
      code: 'ERR_MALFORMED',
      message: expect.stringMatching(/^deviation\.guideline /),
    });
    await jarva.recordDeviation(caseId, { ...body, rule: 'housing', guideline: null });
    await w.syncAll(['stockholm-jarva', 'malmo']);
    await malmo.recordDeviation(caseId, {
      ...body,
      date: '2025-03-07',
      rule: 'guideline',
      guideline: 'Riktlinje 4.2: samråd före flytt',
    });
    await w.syncAll(['stockholm-jarva', 'malmo']);
    const records = [
      { unit: 'stockholm-jarva', inReferral: false, rule: 'housing', guideline: null, reason: 'safety' },
      {
        unit: 'malmo',
        inReferral: false,
        rule: 'guideline',
        guideline: 'Riktlinje 4.2: samråd före flytt',
        reason: 'safety',
      },
    ];
    expect((await jarva.getCase(caseId)).state.deviationLog).toMatchObject(records);
    expect((await malmo.getCase(caseId)).state.deviationLog).toMatchObject(records);
    // Each unit's register holds the deviation it decided, with the rule's id and its words.
    expect(await jarva.deviationRegister()).toEqual([
      expect.objectContaining({ number: 1, on: '2025-03-06', rule: 'housing', guideline: null, caseId }),
    ]);
    expect(await malmo.deviationRegister()).toEqual([
      expect.objectContaining({
        number: 1,
        on: '2025-03-07',
        rule: 'guideline',
        guideline: 'Riktlinje 4.2: samråd före flytt',
        caseId,
      }),
    ]);
  });

  it('the receiver refuses a deviation a modified sender made from a rule the terms do not list, and any from the consent', async () => {
    w = await startWorkflow(engine, { world: deviableWorld() });
    await w.syncAll();
    const notDeviable = uncheckedReferral(w, 'stockholm-jarva', 'malmo', 'AAAAAAAAAAAAAAAAAAAADA', (b) => ({
      ...b,
      policeApprovals: [],
      deviations: [acute('police-approval')],
    }));
    const consent = uncheckedReferral(w, 'stockholm-jarva', 'malmo', 'AAAAAAAAAAAAAAAAAAAAEA', (b) => ({
      ...b,
      deviations: [acute('consent-scope')],
    }));
    const sent = [
      await submitUnchecked(w, 'stockholm-jarva', 'malmo', {
        type: 'referral',
        caseId: 'AAAAAAAAAAAAAAAAAAAADA',
        prev: null,
        body: notDeviable,
      }),
      await submitUnchecked(w, 'stockholm-jarva', 'malmo', {
        type: 'referral',
        caseId: 'AAAAAAAAAAAAAAAAAAAAEA',
        prev: null,
        body: consent,
      }),
    ];
    const report = await w.clients.malmo.sync();
    expect(report.received).toContainEqual({
      pid: sent[0]!.pid,
      outcome: 'rejected',
      code: 'ERR_DEVIATION_NOT_ALLOWED',
    });
    expect(report.received).toContainEqual({ pid: sent[1]!.pid, outcome: 'rejected', code: 'ERR_MALFORMED' });
    expect(await w.clients.malmo.listCases()).toEqual([]);
    expect(await w.clients.malmo.deviationRegister()).toEqual([]);
  });

  it('under terms that list no deviable rule (the default), even the police consultation is refused at both ends', async () => {
    w = await startWorkflow(engine);
    await w.syncAll();
    const input = referInput('stockholm-jarva', 'malmo');
    await expect(
      w.clients['stockholm-jarva'].refer({
        ...input,
        policeConsultations: [input.policeConsultations[0]!],
        deviations: [acute('police-consultation')],
      }),
    ).rejects.toMatchObject({
      code: 'ERR_DEVIATION_NOT_ALLOWED',
      message: expect.stringContaining('only from no rule'),
    });
    const caseId = 'AAAAAAAAAAAAAAAAAAAAFA';
    const body = uncheckedReferral(w, 'stockholm-jarva', 'malmo', caseId, (b) => ({
      ...b,
      policeConsultations: [b.policeConsultations[0]!],
      deviations: [acute('police-consultation')],
    }));
    const { pid } = await submitUnchecked(w, 'stockholm-jarva', 'malmo', {
      type: 'referral',
      caseId,
      prev: null,
      body,
    });
    const report = await w.clients.malmo.sync();
    expect(report.received).toContainEqual({ pid, outcome: 'rejected', code: 'ERR_DEVIATION_NOT_ALLOWED' });
  });
});
