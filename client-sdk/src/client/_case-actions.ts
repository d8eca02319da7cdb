/**
 * Internal: the client's use cases that do more than send one body (PROTOCOL.md §12–16): a referral with
 * its consent and quota claim, consents and withdrawals, the uptake decision with the incoming claim,
 * the closure with the case's costs, the half-yearly reconciliation, and agreement extensions. Each
 * checks what only this device can (its quota ledger, its records), signs the documents, and sends
 * through the outbound module; the rules of the case log run there, before anything is signed.
 */

import { costTotals } from '../cases/case-state.js';
import { attestConsent, type ConsentScope } from '../cases/consent.js';
import { recordWithdrawal } from '../cases/consent-withdrawal.js';
import { makeQuotaClaim } from '../cases/quota-claim.js';
import {
  computeReconciliation,
  countersignReconciliation,
  proposeReconciliation,
  reconciliationId,
  verifyReconciliation,
} from '../cases/reconciliation.js';
import type { ReferralBody } from '../cases/referral.js';
import { requireAgreementAt } from '../cases/rules.js';
import { directoryResolver } from '../cases/signed-document.js';
import { type Rng, randomBytes, toBase64url } from '../crypto/bytes.js';
import type { GeneralJws } from '../crypto/jws.js';
import type { Agreement } from '../directory/agreement.js';
import { isRootKeyChange } from '../directory/trust-chain.js';
import { BryggaError } from '../errors.js';
import { recordRootKeyAlert } from './_alerts.js';
import { caseCosts, requireCase } from './_case-queries.js';
import type { DeviceRuntime } from './_device-runtime.js';
import { assertCheckMatchesList } from './_known-groups.js';
import { broadcastQuota, sendCasePacket, sendDocument } from './_outbound.js';
import { assertReferralWithinQuota, quotaLedger } from './_quota-book.js';
import type {
  CloseInput,
  ConsentDetails,
  DecideUptakeInput,
  ReconciliationView,
  ReferInput,
  SendResult,
  WithdrawConsentInput,
} from './client-types.js';

/** The calendar date (UTC) of a time, as the agreement's periods are written. */
function dayOfDate(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/**
 * A new case id: 16 random bytes, base64url, drawn again while it would begin with '-' or '_' (one
 * draw in 32). Coordinators type case ids as command-line arguments, where a leading '-' reads as an
 * option; the redraw costs a twentieth of a bit of the id's 128.
 */
function newCaseId(rng: Rng | undefined): string {
  for (;;) {
    const id = toBase64url(randomBytes(16, rng));
    if (id[0] !== '-' && id[0] !== '_') return id;
  }
}

/** What `attestConsent` needs of a {@link ConsentDetails}, for `units` (deduplicated). */
function consentInput(details: ConsentDetails, units: readonly string[], police: boolean) {
  const scope: ConsentScope = {
    units: [...new Set(units)],
    police,
    processing: details.processing ?? true,
  };
  return {
    form: details.form,
    ...(details.written ? { written: details.written } : {}),
    ...(details.oral ? { oral: details.oral } : {}),
    scope,
    validFrom: details.validFrom,
    validUntil: details.validUntil ?? null,
  };
}

/**
 * Refer a case to a unit of another municipality: check the quota (ERR_QUOTA_EXCEEDED), attest the
 * consent, claim the outgoing slot, and send the referral with the claim's proof and, to every party,
 * the content-free claim.
 */
export async function referCase(
  d: DeviceRuntime,
  input: ReferInput,
): Promise<SendResult & { caseId: string }> {
  const now = d.now();
  const caseId = newCaseId(d.rng);
  const agreement = requireAgreementAt(d.directory.agreements, dayOfDate(now), 'the referral');
  const from = agreement.municipalityOf(d.unit)?.id;
  const to = typeof input.to === 'string' ? agreement.municipalityOf(input.to)?.id : undefined;
  if (input.to === d.unit) {
    throw new BryggaError(
      'ERR_WRONG_PARTY',
      `a referral goes to a unit of another municipality, and ${d.unit} is this device's own unit`,
    );
  }
  if (!from || !to)
    throw new BryggaError('ERR_WRONG_PARTY', 'the receiving unit is not a party to the agreement');
  if (from === to) {
    throw new BryggaError(
      'ERR_WRONG_PARTY',
      `a referral goes to a unit of another municipality, and ${String(input.to)} is of ${from} too`,
    );
  }
  (await quotaLedger(d.store)).assertRoom(agreement, from, to);
  const consent = attestConsent(d.identity.key, {
    caseId,
    unit: d.unit,
    ...consentInput(input.consent, [d.unit, input.to], input.consent.police ?? true),
    now,
    rng: d.rng,
  });
  const { claims, proof } = makeQuotaClaim(d.identity.key, {
    agreement,
    unit: d.unit,
    direction: 'outgoing',
    caseId,
    now,
    rng: d.rng,
  });
  const { consent: _c, note, deviations, affiliation, ...rest } = input;
  const body: ReferralBody = {
    ...rest,
    deviations: deviations ?? [],
    affiliation: affiliation ?? null,
    note: note ?? null,
    consent,
    quota: proof,
  };
  const result = await sendCasePacket(d, caseId, 'referral', body, [], (tx, p, group) =>
    broadcastQuota(d, tx, p, { type: 'quota-claim', body: { claim: proof.claim } }, claims, group),
  );
  return { ...result, caseId };
}

/** Attest a further consent for a case. */
export async function attestCaseConsent(
  d: DeviceRuntime,
  caseId: string,
  details: ConsentDetails,
): Promise<SendResult> {
  const { state } = await requireCase(d, caseId);
  const attestation = attestConsent(d.identity.key, {
    caseId,
    unit: d.unit,
    ...consentInput(details, [state.home, state.receiving], details.police ?? true),
    now: d.now(),
    rng: d.rng,
  });
  return sendCasePacket(d, caseId, 'consent', { attestation });
}

/** Withdraw one consent of a case, or every consent still standing; ERR_CONSENT_MISSING when none is. */
export async function withdrawCaseConsent(
  d: DeviceRuntime,
  caseId: string,
  input: WithdrawConsentInput,
): Promise<SendResult[]> {
  const { state } = await requireCase(d, caseId);
  const ids = input.consentId
    ? [input.consentId]
    : state.consents.filter((c) => c.withdrawnIn === null).map((c) => c.id);
  if (ids.length === 0)
    throw new BryggaError('ERR_CONSENT_MISSING', 'the case has no consent left to withdraw');
  const results: SendResult[] = [];
  for (const consentId of ids) {
    const withdrawal = recordWithdrawal(d.identity.key, {
      consentId,
      caseId,
      unit: d.unit,
      withdrawnOn: input.withdrawnOn,
      form: input.form,
      note: input.note ?? null,
      now: d.now(),
    });
    results.push(await sendCasePacket(d, caseId, 'consent-withdrawal', { withdrawal }));
  }
  return results;
}

/**
 * Decide on a referred case. Accepting checks that the referral holds an outgoing slot and that this
 * municipality has an incoming one (ERR_QUOTA_EXCEEDED), and claims the incoming slot. A rival-group
 * check saying "no conflict" must agree with this unit's list of known groups
 * (ERR_RIVAL_CONFLICT_UNRECORDED, PROTOCOL.md §14.6 (5)).
 */
export async function decideCaseUptake(
  d: DeviceRuntime,
  caseId: string,
  input: DecideUptakeInput,
): Promise<SendResult> {
  const { state } = await requireCase(d, caseId);
  await assertCheckMatchesList(d, caseId, input.rivalCheck);
  if (input.decision === 'decline') {
    return sendCasePacket(d, caseId, 'uptake-decision', {
      decision: 'decline',
      reason: input.reason,
      note: input.note ?? null,
      contacts: input.contacts ?? [],
      quota: null,
      relocation: input.relocation ?? null,
      special: input.special ?? null,
      rivalCheck: input.rivalCheck ?? null,
    });
  }
  const now = d.now();
  const agreement = requireAgreementAt(d.directory.agreements, dayOfDate(now), 'the acceptance');
  await assertReferralWithinQuota(d.store, state, agreement);
  const { claims, proof } = makeQuotaClaim(d.identity.key, {
    agreement,
    unit: d.unit,
    direction: 'incoming',
    caseId,
    now,
    rng: d.rng,
  });
  return sendCasePacket(
    d,
    caseId,
    'uptake-decision',
    {
      decision: 'accept',
      reason: null,
      note: input.note ?? null,
      contacts: input.contacts,
      quota: proof,
      relocation: input.relocation ?? null,
      special: input.special ?? null,
      rivalCheck: input.rivalCheck ?? null,
    },
    [],
    (tx, p, group) =>
      broadcastQuota(d, tx, p, { type: 'quota-claim', body: { claim: proof.claim } }, claims, group),
  );
}

/** Close a case with its outcome measures and its cost totals. */
export async function closeCase(d: DeviceRuntime, caseId: string, input: CloseInput): Promise<SendResult> {
  const { state } = await requireCase(d, caseId);
  return sendCasePacket(d, caseId, 'closure', {
    closedOn: input.closedOn,
    reason: input.reason,
    outcomes: input.outcomes,
    costs: costTotals(state.costs),
    note: input.note ?? null,
    legalBasis: input.legalBasis ?? null,
  });
}

/**
 * Reconcile a half-year's costs with `counterpart` (PROTOCOL.md §16): countersign its open proposal
 * after checking it against this unit's own records (ERR_RECONCILIATION_MISMATCH), or propose one.
 */
export async function reconcileCosts(
  d: DeviceRuntime,
  counterpart: string,
  label: string,
): Promise<ReconciliationView & { sent: SendResult }> {
  const now = d.now();
  const mine = computeReconciliation({
    agreement: d.directory.agreement,
    units: [d.unit, counterpart],
    label,
    cases: await caseCosts(d),
    now,
  });
  const units = mine.units.map((u) => u.unit);
  const existing = (await d.store.listReconciliations()).find(
    (r) => r.units === units.join(' ') && r.label === label && !r.complete,
  );
  const resolve = directoryResolver(d.directory);
  const document: GeneralJws = existing
    ? countersignReconciliation(
        JSON.parse(existing.document) as GeneralJws,
        mine,
        d.identity.key,
        d.unit,
        resolve,
      )
    : proposeReconciliation(mine, d.identity.key);
  const verified = verifyReconciliation(document, resolve);
  const id = reconciliationId(document);
  const previous = await d.store.getReconciliation(id);
  const sent = await sendDocument(
    d,
    'reconciliation',
    { document },
    [counterpart],
    async (tx) => {
      await tx.putReconciliation({
        id,
        units: units.join(' '),
        label,
        document: JSON.stringify(document),
        complete: verified.complete,
        updatedAt: now.toISOString(),
      });
    },
    [{ op: 'reconciliation', id, previous: previous ? JSON.stringify(previous) : null }],
  );
  return { id, units, label, document, complete: verified.complete, sent };
}

/** Accept an agreement extension here as a valid successor (PROTOCOL.md §5), and send it to every party. */
export async function sendAgreementExtension(d: DeviceRuntime, next: Agreement): Promise<SendResult> {
  try {
    d.directory.verifySuccessor(next);
  } catch (err) {
    if (isRootKeyChange(err)) await recordRootKeyAlert(d, err.alert, err.message);
    throw err;
  }
  const units = next.terms.parties.map((p) => p.unit);
  return sendDocument(d, 'agreement', { document: next.jws }, units, async (tx, p) => {
    await tx.putAgreement(next.digest, next.terms.sequence, next.serialize());
    await d.recorder.emit(tx, p, 'agreement.accepted', null, {
      digest: next.digest,
      sequence: next.terms.sequence,
    });
    p.after.push(() => d.directory.addAgreement(next));
  });
}
