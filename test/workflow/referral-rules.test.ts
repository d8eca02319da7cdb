/**
 * A referral's input and its dated preconditions (PROTOCOL.md §14.3), at both ends, on both engines:
 * police's consultations and approvals, the target-group assessment, the children check and the consent must be dated on
 * or before the referral, and the sender's SDK refuses one dated after it; a modified sender that skips
 * the check (here: a referral sealed and submitted directly) is refused by the receiver with the same
 * code and a signed receipt saying so. A referral without its consent, or to the sender's own unit, is a
 * typed refusal naming the rule, not a TypeError or a malformed consent.
 */
import {
  attestConsent,
  makeQuotaClaim,
  type ReferralBody,
  RelayClient,
  sealPacket,
} from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { AUDIENCE } from '../support/relay.js';
import { referInput, startWorkflow, type Workflow } from '../support/workflow-world.js';

let hostileCases = 0;

/**
 * A modified sender: seals `edit(body)` of a referral from Järva to Malmö and submits it straight to the
 * relay, past every check of the sender's SDK, with a consent written as `consent` says. Returns the
 * packet id and the case id.
 */
async function hostileReferral(
  w: Workflow,
  edit: (body: ReferralBody) => ReferralBody,
  consent: { signedOn?: string } = {},
): Promise<{ pid: string; caseId: string }> {
  const sender = w.world.units['stockholm-jarva'];
  const now = w.relay.clock.date;
  const caseId = `AAAAAAAAAAAAAAAAAAAA${'ABCDEFGHIJKLMNOP'[hostileCases++ % 16]}w`;
  const { proof } = makeQuotaClaim(sender.key, {
    agreement: w.world.agreement,
    unit: 'stockholm-jarva',
    direction: 'outgoing',
    caseId,
    now,
  });
  const input = referInput('stockholm-jarva', 'malmo');
  const attestation = attestConsent(sender.key, {
    caseId,
    unit: 'stockholm-jarva',
    form: 'written',
    written: {
      documentSha256: input.consent.written!.documentSha256,
      signedOn: consent.signedOn ?? input.consent.written!.signedOn,
    },
    scope: { units: ['stockholm-jarva', 'malmo'], police: true, processing: true },
    validFrom: '2025-03-01',
    validUntil: null,
    now,
  });
  const { consent: _details, note: _note, ...rest } = input;
  const body = edit({
    ...rest,
    deviations: [],
    affiliation: rest.affiliation ?? null,
    consent: attestation,
    quota: proof,
    note: null,
  });
  const sealed = await sealPacket({
    sender: { unit: 'stockholm-jarva', key: sender.key },
    recipients: w.clients.malmo.directory.recipientsFor(['malmo'], now),
    type: 'referral',
    caseId,
    prev: null,
    body,
    now,
  });
  const relay = new RelayClient({
    baseUrl: w.url,
    audience: AUDIENCE,
    key: sender.key,
    now: () => w.relay.clock.date,
  });
  await relay.submit(sealed.envelope);
  return { pid: sealed.claims.pid, caseId };
}

/** Malmö receives the packet and refuses it with `code`: no case, a rejection on record. */
async function refusedAtMalmo(w: Workflow, sent: { pid: string; caseId: string }, code: string) {
  const malmo = w.clients.malmo;
  const report = await malmo.sync();
  expect(report.received).toContainEqual({ pid: sent.pid, outcome: 'rejected', code });
  await expect(malmo.getCase(sent.caseId)).rejects.toMatchObject({ code: 'ERR_UNKNOWN_CASE' });
  expect((await malmo.rejected()).map((r) => [r.pid, r.code])).toContainEqual([sent.pid, code]);
}

describe.each(ENGINES)('referral rules at both ends on %s', (engine) => {
  let w: Workflow;
  afterEach(async () => {
    await w?.close();
  });

  it('the sender refuses a precondition dated after the referral, naming the field; nothing is stored', async () => {
    w = await startWorkflow(engine);
    const jarva = w.clients['stockholm-jarva'];
    await w.syncAll();
    // The world's day is 2025-03-03.
    const input = referInput('stockholm-jarva', 'malmo');
    const future = {
      ...input,
      policeConsultations: [
        input.policeConsultations[0]!,
        { ...input.policeConsultations[1]!, date: '2027-01-05' },
      ],
    };
    await expect(jarva.refer(future)).rejects.toMatchObject({
      code: 'ERR_PRECONDITION_DATE',
      message: "referral.policeConsultations[1].date lies after the packet's day, 2025-03-03",
    });
    const consentLater = {
      ...input,
      consent: { ...input.consent, written: { ...input.consent.written!, signedOn: '2025-03-04' } },
    };
    await expect(jarva.refer(consentLater)).rejects.toMatchObject({ code: 'ERR_PRECONDITION_DATE' });
    expect(await jarva.listCases()).toEqual([]);
    expect(await w.stores['stockholm-jarva'].store.listOutbox()).toEqual([]);
    expect(await jarva.quotaUse('stockholm', 'outgoing')).toMatchObject({ used: 0 });
  });

  it('the receiver refuses a referral a modified sender dated after its preconditions', async () => {
    w = await startWorkflow(engine);
    await w.syncAll();
    const sent = await hostileReferral(
      w,
      (body) => ({ ...body, targetGroup: { ...body.targetGroup, assessedOn: '2027-01-10' } }),
      { signedOn: '2027-02-01' },
    );
    await refusedAtMalmo(w, sent, 'ERR_PRECONDITION_DATE');
  });

  it('the police and the target group as the terms require: the sender refuses, and so does the receiver of a modified sender', async () => {
    w = await startWorkflow(engine);
    const jarva = w.clients['stockholm-jarva'];
    await w.syncAll();
    // The world's terms ask for consultation in both municipalities, and approval for a high threat.
    const input = referInput('stockholm-jarva', 'malmo');
    await expect(
      jarva.refer({ ...input, policeConsultations: [input.policeConsultations[0]!] }),
    ).rejects.toMatchObject({
      code: 'ERR_POLICE_CONSULTATION_MISSING',
      message: expect.stringMatching(
        /^no police consultation \(samråd\) is recorded for malmo: .*2022-12-15/,
      ),
    });
    await expect(
      jarva.refer({
        ...input,
        policeApprovals: [input.policeApprovals[0]!, { ...input.policeApprovals[1]!, approved: false }],
      }),
    ).rejects.toMatchObject({
      code: 'ERR_POLICE_APPROVAL_MISSING',
      message: expect.stringMatching(
        /^no police approval \(godkännande\) is recorded for malmo: the terms require it for the threat level high \(the 2025 extension: .*2024-12-10\)\)$/,
      ),
    });
    await expect(
      jarva.refer({ ...input, targetGroup: { ...input.targetGroup, threat: 'none' } }),
    ).rejects.toMatchObject({
      code: 'ERR_TARGET_GROUP_NOT_MET',
      message: expect.stringMatching(
        /^the target-group criterion threat is not met: .*Göteborgs Stads riktlinje/,
      ),
    });
    expect(await jarva.listCases()).toEqual([]);
    const noConsultation = await hostileReferral(w, (body) => ({
      ...body,
      policeConsultations: [body.policeConsultations[0]!],
    }));
    await refusedAtMalmo(w, noConsultation, 'ERR_POLICE_CONSULTATION_MISSING');
    const noApproval = await hostileReferral(w, (body) => ({ ...body, policeApprovals: [] }));
    await refusedAtMalmo(w, noApproval, 'ERR_POLICE_APPROVAL_MISSING');
    const notMotivated = await hostileReferral(w, (body) => ({
      ...body,
      targetGroup: { ...body.targetGroup, motivated: false },
    }));
    await refusedAtMalmo(w, notMotivated, 'ERR_MOTIVATION_MISSING');
    const suspected = await hostileReferral(w, (body) => ({
      ...body,
      targetGroup: { ...body.targetGroup, notSuspectedOfSeriousCrime: false },
    }));
    await refusedAtMalmo(w, suspected, 'ERR_TARGET_GROUP_NOT_MET');
    // A low threat needs no approval under these terms: the same referral is applied.
    const low = await hostileReferral(w, (body) => ({ ...body, threatLevel: 'low', policeApprovals: [] }));
    const report = await w.clients.malmo.sync();
    expect(report.received).toContainEqual(expect.objectContaining({ pid: low.pid, outcome: 'applied' }));
  });

  it('a referral without its consent is ERR_CONSENT_MISSING; to its own unit, ERR_WRONG_PARTY', async () => {
    w = await startWorkflow(engine);
    const jarva = w.clients['stockholm-jarva'];
    await w.syncAll();
    const { consent: _c, ...withoutConsent } = referInput('stockholm-jarva', 'malmo');
    await expect(jarva.refer(withoutConsent as never)).rejects.toMatchObject({ code: 'ERR_CONSENT_MISSING' });
    await expect(jarva.refer({ ...withoutConsent, consent: null } as never)).rejects.toMatchObject({
      code: 'ERR_CONSENT_MISSING',
    });
    await expect(jarva.refer(referInput('stockholm-jarva', 'stockholm-jarva'))).rejects.toMatchObject({
      code: 'ERR_WRONG_PARTY',
      message:
        "a referral goes to a unit of another municipality, and stockholm-jarva is this device's own unit",
    });
    await expect(jarva.refer(referInput('stockholm-jarva', 'stockholm-farsta'))).rejects.toMatchObject({
      code: 'ERR_WRONG_PARTY',
      message: 'a referral goes to a unit of another municipality, and stockholm-farsta is of stockholm too',
    });
    expect(await jarva.listCases()).toEqual([]);
  });
});
