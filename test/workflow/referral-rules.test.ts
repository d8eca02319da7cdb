/**
 * A referral's input and its dated preconditions (PROTOCOL.md §14.3), at both ends, on both engines:
 * police consultations, the motivation assessment, the children check and the consent must be dated on
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
    const sender = w.world.units['stockholm-jarva'];
    const now = w.relay.clock.date;
    const caseId = 'AAAAAAAAAAAAAAAAAAAAAw';
    const { proof } = makeQuotaClaim(sender.key, {
      agreement: w.world.agreement,
      unit: 'stockholm-jarva',
      direction: 'outgoing',
      caseId,
      now,
    });
    const input = referInput('stockholm-jarva', 'malmo');
    const consent = attestConsent(sender.key, {
      caseId,
      unit: 'stockholm-jarva',
      form: 'written',
      written: { documentSha256: input.consent.written!.documentSha256, signedOn: '2027-02-01' },
      scope: { units: ['stockholm-jarva', 'malmo'], police: true },
      validFrom: '2025-03-01',
      validUntil: null,
      now,
    });
    const { consent: _details, note: _note, ...rest } = input;
    const body: ReferralBody = {
      ...rest,
      motivation: { ...rest.motivation, assessedOn: '2027-01-10' },
      consent,
      quota: proof,
      note: null,
    };
    const malmo = w.clients.malmo;
    const sealed = await sealPacket({
      sender: { unit: 'stockholm-jarva', key: sender.key },
      recipients: malmo.directory.recipientsFor(['malmo'], now),
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
    const report = await malmo.sync();
    expect(report.received).toContainEqual({
      pid: sealed.claims.pid,
      outcome: 'rejected',
      code: 'ERR_PRECONDITION_DATE',
    });
    await expect(malmo.getCase(caseId)).rejects.toMatchObject({ code: 'ERR_UNKNOWN_CASE' });
    expect((await malmo.rejected()).map((r) => [r.pid, r.code])).toEqual([
      [sealed.claims.pid, 'ERR_PRECONDITION_DATE'],
    ]);
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
