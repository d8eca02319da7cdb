/**
 * The small circle (PROTOCOL.md §6.5, §13.6), on both engines, through a real relay: Malmö has three
 * devices, its coordinator's (the intake) and two officers'. A referral reaches only the intake; an
 * assignment to one officer sends every later packet to that officer alone at Malmö (the envelopes the
 * relay takes name no other Malmö device); a reassignment gives the second officer the whole case log
 * and the first nothing further; a packet sealed to a device outside the circle is refused by its
 * receivers; and when the circle's only Malmö device is revoked, Malmö's intake receives the case again
 * with its history and can assign it anew.
 */
import {
  type BryggaClient,
  designateIntake,
  Envelope,
  type FetchFunction,
  type PacketBodies,
  revokeDevice,
  sealPacket,
} from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { appliedLog, expectLogsAgree } from '../support/case-invariant.js';
import { ENGINES } from '../support/databases.js';
import type { TestDevice } from '../support/fixtures.js';
import { openTestStore } from '../support/store-databases.js';
import {
  makeWorkflowWorld,
  referInput,
  startWorkflow,
  type Workflow,
  workflowDevice,
} from '../support/workflow-world.js';

const contact = { unit: 'malmo', name: 'Samordnare', role: 'samordnare', phone: null, email: null };
const plan: PacketBodies['implementation-plan'] = {
  decidedOn: '2025-03-12',
  services: [{ code: 'krisstod', description: null, from: '2025-03-14', to: null }],
  note: null,
  legalBasis: null,
};
const message = (text: string): PacketBodies['message'] => ({ text, legalBasis: null });

describe.each(ENGINES)('the circle of a case on %s', (engine) => {
  let w: Workflow;
  afterEach(async () => {
    await w?.close();
  });

  /** Every envelope a client submitted, by packet id (the last one under an id: a healed packet's). */
  const submitted = new Map<string, Envelope>();
  const recording: FetchFunction = async (input, init) => {
    if (init.method === 'POST' && input.endsWith('/v1/packets') && init.body instanceof Uint8Array) {
      const envelope = Envelope.deserialize(init.body);
      submitted.set(envelope.header.id, envelope);
    }
    return fetch(input, init);
  };
  /** The Malmö devices the envelope of `pid` was sealed to. */
  const malmoRecipients = (pid: string) =>
    submitted
      .get(pid)!
      .header.recipients.filter((r) => r.unit === 'malmo')
      .map((r) => r.device)
      .sort();

  async function setUp() {
    submitted.clear();
    const world = makeWorkflowWorld();
    const date = new Date('2025-03-03T09:00:00Z');
    const officerA = workflowDevice('malmo', world.wroots.malmo, date, 'Malmö handläggare Amira');
    const officerB = workflowDevice('malmo', world.wroots.malmo, date, 'Malmö handläggare Bo');
    const intake = world.units.malmo;
    const designation = designateIntake(world.wroots.malmo, {
      unit: 'malmo',
      devices: [intake.key.kid],
      now: date,
    });
    w = await startWorkflow(engine, {
      world,
      register: false,
      client: { fetch: recording },
      extraStatements: [
        officerA.enrolment,
        ...officerA.publications,
        officerB.enrolment,
        ...officerB.publications,
        designation,
      ],
    });
    const open = async (device: TestDevice) => w.open(device, await openTestStore(engine));
    const a = await open(officerA);
    const b = await open(officerB);
    await w.syncAll();
    for (const x of [a, b]) await x.sync();
    return {
      world,
      intake,
      officerA,
      officerB,
      a,
      b,
      jarva: w.clients['stockholm-jarva'],
      malmo: w.clients.malmo,
    };
  }

  const holds = async (client: BryggaClient, caseId: string) => (await appliedLog(client, caseId)).length;

  it('a referral reaches the intake alone; assigned, the case reaches only its officer; reassigned, the next', async () => {
    const { intake, officerA, officerB, a, b, jarva, malmo } = await setUp();
    const referral = await jarva.refer(referInput('stockholm-jarva', 'malmo'));
    const { caseId } = referral;
    expect(malmoRecipients(referral.pid)).toEqual([intake.key.kid]);
    for (const x of [malmo, a, b]) await x.sync();
    expect(await holds(malmo, caseId)).toBe(1);
    expect(await a.listCases()).toEqual([]);
    expect(await b.listCases()).toEqual([]);

    await malmo.decideUptake(caseId, { decision: 'accept', contacts: [contact] });
    const assignment = await malmo.assignCase(caseId, [officerA.key.kid]);
    expect(malmoRecipients(assignment.pid)).toEqual([officerA.key.kid]);
    await jarva.sync();
    // Nothing of the case is refused at Amira's (receipts of the coordinator's quota claim, a document
    // for every Malmö device, name a packet she did not send: §12.3.3).
    const atAmira = (await a.sync()).received.filter((r) => r.outcome === 'rejected');
    expect(atAmira.filter((r) => r.code !== 'ERR_RECEIPT_MISMATCH')).toEqual([]);
    await b.sync();
    // Amira read the case from its referral on: her log is Malmö's coordinator's and Järva's.
    await expectLogsAgree([jarva, malmo, a], caseId, { equal: true });
    expect((await jarva.getCase(caseId)).state.circle.receiving).toEqual([officerA.key.kid]);
    expect((await a.getCase(caseId)).state.circle.receiving).toEqual([officerA.key.kid]);
    expect(await b.listCases()).toEqual([]);

    // Järva's plan goes to Amira alone at Malmö.
    const sentPlan = await jarva.sendPlan(caseId, plan);
    expect(malmoRecipients(sentPlan.pid)).toEqual([officerA.key.kid]);
    const before = await holds(malmo, caseId);
    for (const x of [malmo, a, b]) await x.sync();
    expect(await holds(a, caseId)).toBe(before + 1);
    expect(await holds(malmo, caseId)).toBe(before);
    expect(await b.listCases()).toEqual([]);

    // Amira hands the case to Bo: he reads all of it, she gets nothing further.
    const reassignment = await a.assignCase(caseId, [officerB.key.kid]);
    expect(malmoRecipients(reassignment.pid)).toEqual([officerB.key.kid]);
    await b.sync();
    await jarva.sync();
    await expectLogsAgree([jarva, a, b], caseId, { equal: true });
    const sent = await jarva.sendMessage(caseId, message('Tid för uppföljning bokad.'));
    expect(malmoRecipients(sent.pid)).toEqual([officerB.key.kid]);
    const amiraHeld = await holds(a, caseId);
    for (const x of [malmo, a, b]) await x.sync();
    expect(await holds(a, caseId)).toBe(amiraHeld);
    await expectLogsAgree([jarva, b], caseId, { equal: true });
    expect((await b.caseLog(caseId)).at(-1)).toMatchObject({
      type: 'message',
      body: { text: 'Tid för uppföljning bokad.' },
    });
    // Amira is no longer in the circle: she cannot assign the case again.
    await expect(a.assignCase(caseId, [officerA.key.kid])).rejects.toMatchObject({
      code: 'ERR_OUTSIDE_CIRCLE',
    });
  });

  it('a packet sealed to a device outside the circle is refused by its receivers', async () => {
    const { world, officerA, officerB, a, b, jarva, malmo } = await setUp();
    const { caseId } = await jarva.refer(referInput('stockholm-jarva', 'malmo'));
    await malmo.sync();
    await malmo.assignCase(caseId, [officerA.key.kid]);
    for (const x of [jarva, a, b]) await x.sync();
    const head = (await jarva.getCase(caseId)).state.head;
    // Järva's device, gone hostile, seals a message to both officers though only Amira holds the case.
    const sealed = await sealPacket({
      sender: { unit: 'stockholm-jarva', key: world.units['stockholm-jarva'].key },
      recipients: [officerA, officerB].map((o) => ({
        unit: 'malmo',
        device: o.key.kid,
        hpkeKey: o.hpke[0]!.publicKey,
      })),
      type: 'message',
      caseId,
      prev: head,
      body: message('Till fel mottagare'),
      now: w.relay.clock.date,
    });
    await w.relay.client(world.units['stockholm-jarva']).submit(sealed.envelope);
    const atA = (await a.sync()).received.find((r) => r.pid === sealed.claims.pid);
    const atB = (await b.sync()).received.find((r) => r.pid === sealed.claims.pid);
    expect(atA).toMatchObject({ outcome: 'rejected', code: 'ERR_OUTSIDE_CIRCLE' });
    expect(atB).toMatchObject({ outcome: 'rejected', code: 'ERR_OUTSIDE_CIRCLE' });
    expect(await b.listCases()).toEqual([]);
    expect((await a.caseLog(caseId)).some((e) => e.pid === sealed.claims.pid)).toBe(false);
  });

  it("a circle device revoked mid-case: Malmö's intake receives the case again, with its history", async () => {
    const { world, intake, officerA, officerB, a, b, jarva, malmo } = await setUp();
    const { caseId } = await jarva.refer(referInput('stockholm-jarva', 'malmo'));
    await malmo.sync();
    await malmo.decideUptake(caseId, { decision: 'accept', contacts: [contact] });
    await malmo.assignCase(caseId, [officerA.key.kid]);
    for (const x of [jarva, a]) await x.sync();
    await jarva.sendPlan(caseId, plan);
    await a.sync();
    // Amira's laptop is lost: Malmö's root revokes it. Malmö's part of the circle has fallen.
    const revocation = revokeDevice(world.wroots.malmo, {
      unit: 'malmo',
      device: officerA.key.kid,
      reason: 'borttappad dator',
      now: w.relay.clock.date,
    });
    await w.relay.client().submitStatement(revocation);
    await w.relay.transparency.flush();
    w.advance(0, 1);
    await jarva.sync();
    const sent = await jarva.sendMessage(caseId, message('Hör av er, vem har ärendet nu?'));
    expect(malmoRecipients(sent.pid)).toEqual([intake.key.kid]);
    await malmo.sync();
    await expectLogsAgree([jarva, malmo], caseId, { equal: true });
    // The coordinator gives the case to Bo, who reads it all.
    await malmo.assignCase(caseId, [officerB.key.kid]);
    await b.sync();
    await jarva.sync();
    await expectLogsAgree([jarva, malmo, b], caseId, { equal: true });
    expect((await jarva.getCase(caseId)).state.circle.receiving).toEqual([officerB.key.kid]);
  });
});
