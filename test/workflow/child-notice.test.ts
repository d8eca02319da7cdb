/**
 * Urgent child notices (PROTOCOL.md §14.7), at both ends, on both engines: the other unit answers a
 * notice by settling which municipality takes which responsibility, who and from when; while a notice is
 * unanswered no plan is made; past the answer limit (`childNoticeAnswerDays`) the notice is overdue at
 * both units. The sender's SDK refuses an answer that settles nothing or answers no notice, and a plan
 * while a notice is open; a modified sender that skips those checks (a packet sealed and submitted
 * directly) is refused by the other end with the same code, and both ends' case logs agree.
 */
import type { PacketBodies } from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { expectLogsAgree } from '../support/case-invariant.js';
import { ENGINES } from '../support/databases.js';
import { submitUnchecked } from '../support/hostile-sender.js';
import {
  referInput,
  startWorkflow,
  type Workflow,
  type WorkflowUnit,
  workflowContact,
} from '../support/workflow-world.js';

const DAY_MS = 86_400_000;

const contact = workflowContact;

const plan: PacketBodies['implementation-plan'] = {
  decidedOn: '2025-03-03',
  services: [{ code: 'krisstod', description: null, from: '2025-03-10', to: null }],
  note: null,
  legalBasis: null,
};

const notice: PacketBodies['child-notice'] = {
  date: '2025-03-03',
  description: 'Personen har ett barn som bor hos personen under vistelsen.',
  proposedResponsibility: 'home',
  measuresTaken: 'Orosanmälan gjord till socialtjänsten i Malmö.',
  answers: null,
  settlement: null,
  legalBasis: null,
};

/** Järva's answer to `answers`: Stockholm, the home municipality, takes the responsibility. */
const answer = (answers: string): PacketBodies['child-notice'] => ({
  date: '2025-03-03',
  description: 'Hemkommunen utreder barnets situation och ansvarar för insatser till barnet.',
  proposedResponsibility: 'home',
  measuresTaken: null,
  answers,
  settlement: [
    {
      municipality: 'stockholm',
      responsibility: 'Utredning och insatser för barnet enligt SoL',
      responsible: { name: 'Sara Svensson', role: 'enhetschef' },
      from: '2025-03-03',
    },
  ],
  legalBasis: null,
});

/** Refer from Järva to Malmö and accept it there; the case id. */
async function acceptedCase(w: Workflow): Promise<string> {
  const { caseId } = await w.clients['stockholm-jarva'].refer(referInput('stockholm-jarva', 'malmo'));
  await w.syncAll(['stockholm-jarva', 'malmo']);
  await w.clients.malmo.decideUptake(caseId, { decision: 'accept', contacts: [contact('malmo')] });
  await w.syncAll(['stockholm-jarva', 'malmo']);
  return caseId;
}

/** The child-notice reminders of `unit`: actor, due day and whether overdue. */
async function childReminders(w: Workflow, unit: WorkflowUnit) {
  return (await w.clients[unit].reminders())
    .filter((r) => r.kind === 'child-notice')
    .map((r) => `${r.actor} ${r.dueOn}${r.overdue ? ' overdue' : ''}`);
}

describe.each(ENGINES)('urgent child notices at both ends on %s', (engine) => {
  let w: Workflow;
  afterEach(async () => {
    await w?.close();
  });

  it('the sender refuses a plan while a notice is open and an answer that settles nothing; a settling answer ends the reminders at both units', async () => {
    w = await startWorkflow(engine);
    await w.syncAll();
    const jarva = w.clients['stockholm-jarva'];
    const caseId = await acceptedCase(w);
    const sent = await w.clients.malmo.sendChildNotice(caseId, notice);
    await w.syncAll(['stockholm-jarva', 'malmo']);
    // Järva must answer at once; Malmö waits, within the limit of one day (the default).
    expect(await childReminders(w, 'stockholm-jarva')).toEqual(['us 2025-03-04']);
    expect(await childReminders(w, 'malmo')).toEqual([]);

    const head = (await jarva.getCase(caseId)).state.head;
    await expect(jarva.sendPlan(caseId, plan)).rejects.toMatchObject({
      code: 'ERR_CHILD_NOTICE_OPEN',
      message: expect.stringMatching(/unanswered: settle the responsibility .*2022-12-15/),
    });
    await expect(
      jarva.sendChildNotice(caseId, { ...answer(sent.hash), settlement: [] }),
    ).rejects.toMatchObject({ code: 'ERR_CHILD_NOTICE_UNSETTLED' });
    await expect(
      jarva.sendChildNotice(caseId, { ...answer(sent.hash), proposedResponsibility: 'to-be-decided' }),
    ).rejects.toMatchObject({ code: 'ERR_CHILD_NOTICE_UNSETTLED' });
    await expect(jarva.sendChildNotice(caseId, answer('A'.repeat(43)))).rejects.toMatchObject({
      code: 'ERR_CHILD_NOTICE_UNKNOWN',
    });
    await expect(w.clients.malmo.sendChildNotice(caseId, answer(sent.hash))).rejects.toMatchObject({
      code: 'ERR_CHILD_NOTICE_UNKNOWN',
    });
    // Nothing of it was stored or queued.
    expect((await jarva.getCase(caseId)).state.head).toBe(head);
    expect(await w.stores['stockholm-jarva'].store.listOutbox()).toEqual([]);

    // Past the limit the notice is overdue at both units.
    w.relay.clock.advance(2 * DAY_MS);
    await w.syncAll(['stockholm-jarva', 'malmo']);
    expect(await childReminders(w, 'stockholm-jarva')).toEqual(['us 2025-03-04 overdue']);
    expect(await childReminders(w, 'malmo')).toEqual(['them 2025-03-04 overdue']);

    const settled = await jarva.sendChildNotice(caseId, answer(sent.hash));
    await w.syncAll(['stockholm-jarva', 'malmo']);
    for (const unit of ['stockholm-jarva', 'malmo'] as const) {
      expect(await childReminders(w, unit)).toEqual([]);
      expect((await w.clients[unit].getCase(caseId)).state.childNoticeLog).toEqual([
        expect.objectContaining({
          unit: 'malmo',
          in: sent.hash,
          answeredIn: settled.hash,
          settlement: answer(sent.hash).settlement,
        }),
      ]);
    }
    // The plan goes once the responsibility is settled, and takes effect when Malmö agrees (§14.6).
    await jarva.sendPlan(caseId, plan);
    await w.syncAll(['stockholm-jarva', 'malmo']);
    await w.clients.malmo.respondToPlan(caseId, {
      decision: 'agree',
      decidedBy: { name: 'Leo Lindqvist', role: 'enhetschef' },
    });
    await w.syncAll(['malmo', 'stockholm-jarva']);
    expect((await w.clients.malmo.getCase(caseId)).status).toBe('active');
    await expectLogsAgree([jarva, w.clients.malmo], caseId, { equal: true });
  });

  it('the receiver refuses what a modified sender skipped: a plan while a notice is open, an unsettled answer, an answer to no notice', async () => {
    w = await startWorkflow(engine);
    await w.syncAll();
    const jarva = w.clients['stockholm-jarva'];
    const caseId = await acceptedCase(w);
    const sent = await w.clients.malmo.sendChildNotice(caseId, notice);
    await w.syncAll(['stockholm-jarva', 'malmo']);
    const head = (await jarva.getCase(caseId)).state.head;
    const hostile = async (type: 'implementation-plan' | 'child-notice', body: unknown) =>
      (
        await submitUnchecked(w, 'stockholm-jarva', 'malmo', {
          type,
          caseId,
          prev: head,
          body: body as never,
        })
      ).pid;
    const refusals: [string, string][] = [
      [await hostile('implementation-plan', plan), 'ERR_CHILD_NOTICE_OPEN'],
      [
        await hostile('child-notice', {
          ...answer(sent.hash),
          settlement: [{ ...answer(sent.hash).settlement![0]!, municipality: 'goteborg' }],
        }),
        'ERR_CHILD_NOTICE_UNSETTLED',
      ],
      [
        await hostile('child-notice', { ...answer(sent.hash), settlement: null }),
        'ERR_CHILD_NOTICE_UNSETTLED',
      ],
      [await hostile('child-notice', answer('B'.repeat(43))), 'ERR_CHILD_NOTICE_UNKNOWN'],
    ];
    const report = await w.clients.malmo.sync();
    for (const [pid, code] of refusals) {
      expect(report.received).toContainEqual({ pid, outcome: 'rejected', code });
    }
    const malmoCase = await w.clients.malmo.getCase(caseId);
    expect(malmoCase.status).toBe('accepted');
    expect(malmoCase.state.childNoticeLog).toMatchObject([{ answeredIn: null }]);
    await expectLogsAgree([jarva, w.clients.malmo], caseId, { equal: true });
  });
});
