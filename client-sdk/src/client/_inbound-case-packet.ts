/**
 * Internal: receiving a case packet (PROTOCOL.md §13.2): offer it to its case log, record what the offer
 * changed, and then what a newly applied packet sets off at this device: the quota claim a referral or an
 * acceptance carries is filed (§15), an over-quota referral is declined automatically, and this device's
 * claim is released when its referral is declined.
 */

import { type CasePacket, toCasePacket } from '../cases/case-packet.js';
import type { CaseState } from '../cases/case-state.js';
import { fallen, partOf } from '../cases/circle.js';
import type { CaseLogType, PacketBodies } from '../cases/packet-body.js';
import { releaseQuotaClaim, verifyQuotaClaim } from '../cases/quota-claim.js';
import type { ReceiptOutcome } from '../cases/receipt.js';
import { directoryResolver } from '../cases/signed-document.js';
import type { UptakeDecisionBody } from '../cases/uptake-decision.js';
import { decodeCompact } from '../crypto/jws.js';
import { BryggaError, isBryggaError } from '../errors.js';
import type { PacketRecord } from '../store/brygga-store.js';
import { claimsOf, type LoadedCaseLog, loadCaseLog, packetRecord, recordOffer } from './_case-book.js';
import { circleRecipients } from './_circle.js';
import { broadcastQuota } from './_outbound.js';
import { assertReferralWithinQuota, outgoingClaim, quotaRecord, storedClaim } from './_quota-book.js';
import type { Received } from './_received.js';
import { queueSealed, sealFromDevice } from './_sealing.js';

/**
 * Offer a verified case packet to its case log. A packet that lost a fork is kept (set aside) as
 * evidence; a refused one leaves no trace but the error thrown. Held packets are reported
 * (ERR_CASE_GAP); held packets it released but the rules refused are reported as rejected.
 */
export async function applyCasePacket(
  r: Received,
): Promise<{ outcome: ReceiptOutcome; code: string | null }> {
  const { d, tx, pending, opened } = r;
  const packet = toCasePacket(opened.claims, opened.hash);
  if (packet.prev !== null) {
    const prev = await tx.getPacket(packet.prev);
    if (prev && prev.caseId !== packet.case) {
      throw new BryggaError('ERR_CASE_SPLICE', 'the packet continues a packet of another case');
    }
  }
  const loaded = await loadCaseLog(tx, d.context(), packet.case);
  assertSealedToOwnPart(r, packet, loaded.caseLog.state);
  const offer = loaded.caseLog.offer(packet);
  const record = packetRecord(
    opened.claims,
    opened.jws,
    opened.hash,
    opened.attachments.map((a) => a.data),
    'in',
  );
  if (offer.outcome === 'rejected') {
    if (offer.error?.code === 'ERR_CASE_FORK') {
      await tx.putPacket({ ...record, status: 'superseded' });
      await d.recorder.emit(tx, pending, 'case.fork', packet.case, {
        kept: loaded.caseLog.head,
        setAside: [record.hash],
      });
    }
    throw offer.error!;
  }
  const changes = await recordOffer(d, tx, pending, loaded, record);
  if (offer.outcome === 'held') {
    await d.recorder.emit(tx, pending, 'case.gap', packet.case, { pid: record.pid, hash: record.hash });
    return { outcome: 'held', code: 'ERR_CASE_GAP' };
  }
  for (const x of offer.rejected) {
    await d.recorder.emit(tx, pending, 'packet.rejected', packet.case, {
      pid: x.entry.pid,
      packetType: x.entry.type,
      from: x.entry.unit,
      code: x.error.code,
    });
  }
  for (const a of changes.applied) await afterApplied(r, loaded, a);
  return { outcome: 'applied', code: null };
}

/**
 * What this device checks of its own unit's recipients when it receives a case packet (PROTOCOL.md
 * §13.6), for a unit with an intake designated (§6.5; without one, every device of the unit holds its
 * cases): a referral to this unit goes to its intake alone; a packet of a case this device does not
 * hold reaches only an intake device (which holds it until its referral arrives); while the unit has
 * not assigned the case, its packets go to the unit's part of the circle (or, when that part fell,
 * anywhere in the unit). A closed part is the rules' to check (case-state.ts). ERR_OUTSIDE_CIRCLE.
 */
function assertSealedToOwnPart({ d }: Received, packet: CasePacket, state: CaseState | undefined): void {
  const dir = d.directory;
  const intake = dir.intakeOf(d.unit);
  if (intake.length === 0) return;
  const ours = packet.rcp.filter((kid) => dir.device(kid)?.unit === d.unit);
  let allowed: readonly string[];
  if (packet.type === 'referral') {
    if (packet.body.to !== d.unit) return;
    allowed = intake;
  } else if (packet.type === 'assignment' && packet.body.unit === d.unit && state) {
    return; // it closes this unit's part: the rules check its recipients against the part it names
  } else if (!state) {
    allowed = intake;
  } else {
    if (state.circle.assigned.includes(d.unit)) return;
    const part = partOf(state.circle, d.unit, state.home);
    if (fallen(part, packet.iat, directoryResolver(dir))) return;
    allowed = part;
  }
  if (ours.some((kid) => !allowed.includes(kid)))
    throw new BryggaError(
      'ERR_OUTSIDE_CIRCLE',
      "a case packet is sealed to devices outside this unit's circle",
    );
}

/** What a newly applied packet of each type sets off here, given the case's state after the offer. */
type AfterApplied<T extends CaseLogType> = (
  body: PacketBodies[T],
  r: Received,
  loaded: LoadedCaseLog,
  state: CaseState,
) => Promise<void>;

const nothing = async () => {};

/**
 * Every device of the receiving unit declines an over-quota referral by itself, so a decline goes out
 * while any of them is online; the fork rule keeps exactly one of their declines (PROTOCOL.md §13.2).
 */
const AFTER_APPLIED: { [T in CaseLogType]: AfterApplied<T> } = {
  async referral(body, r, loaded, state) {
    await fileQuotaClaim(r, body.quota.claim);
    if (state.receiving !== r.d.unit || state.status !== 'referred') return;
    const agreement = r.d.directory.agreements.find((a) => a.digest === state.agreement)!;
    try {
      await assertReferralWithinQuota(r.tx, state, agreement);
    } catch (err) {
      if (!isBryggaError(err, 'ERR_QUOTA_EXCEEDED')) throw err;
      await autoDecline(r, loaded, state);
    }
  },
  async 'uptake-decision'(body, r, _loaded, state) {
    if (body.quota) await fileQuotaClaim(r, body.quota.claim);
    if (body.decision === 'decline' && state.home === r.d.unit) await releaseOwnClaim(r, state);
  },
  consent: nothing,
  'consent-withdrawal': nothing,
  'implementation-plan': nothing,
  'plan-response': nothing,
  'follow-up': nothing,
  'cost-report': nothing,
  deviation: nothing,
  'child-notice': nothing,
  closure: nothing,
  message: nothing,
  assignment: nothing,
};

/** Run what the stored case packet `applied` sets off (see {@link AFTER_APPLIED}). */
async function afterApplied(r: Received, loaded: LoadedCaseLog, applied: PacketRecord): Promise<void> {
  const state = loaded.caseLog.state!;
  await runAfterApplied(toCasePacket(claimsOf(applied), applied.hash), r, loaded, state);
}

function runAfterApplied<T extends CaseLogType>(
  packet: { type: T; body: PacketBodies[T] },
  r: Received,
  loaded: LoadedCaseLog,
  state: CaseState,
): Promise<void> {
  const run: AfterApplied<T> = AFTER_APPLIED[packet.type];
  return run(packet.body, r, loaded, state);
}

/** File the quota claim a case packet carries (verified again: it is the other unit's, or this one's). */
async function fileQuotaClaim({ d, tx }: Received, claim: string): Promise<void> {
  const c = verifyQuotaClaim(claim, directoryResolver(d.directory), d.directory.agreements).payload;
  await tx.putQuota(quotaRecord('claim', c, claim));
}

/** Release this device's outgoing claim of a declined referral, to every party. */
async function releaseOwnClaim(r: Received, state: CaseState): Promise<void> {
  const { d, tx, pending } = r;
  const own = await outgoingClaim(tx, state);
  if (!own || decodeCompact(own.jws).header.kid !== d.device) return;
  const c = storedClaim(own.jws);
  const release = releaseQuotaClaim(d.identity.key, c, { unit: d.unit, reason: 'declined', now: d.now() });
  await broadcastQuota(d, tx, pending, { type: 'quota-release', body: { release } }, c);
}

/** Decline the referral with reason `quota-exceeded`, on the case log as loaded (PROTOCOL.md §15.3). */
async function autoDecline(r: Received, loaded: LoadedCaseLog, state: CaseState): Promise<void> {
  const { d, tx, pending } = r;
  const now = d.now();
  const body: UptakeDecisionBody = {
    decision: 'decline',
    reason: 'quota-exceeded',
    note: null,
    contacts: [],
    quota: null,
    relocation: null,
    special: null,
    rivalCheck: null,
  };
  const sealed = await sealFromDevice(d, now, {
    recipients: circleRecipients(r.d, state.circle, state.home, state.receiving),
    type: 'uptake-decision',
    caseId: state.caseId,
    prev: loaded.caseLog.head,
    body,
  });
  const offer = loaded.caseLog.offer(toCasePacket(sealed.claims, sealed.hash));
  if (offer.outcome !== 'applied') throw offer.error!;
  await recordOffer(d, tx, pending, loaded, packetRecord(sealed.claims, sealed.jws, sealed.hash, [], 'out'));
  await queueSealed(tx, sealed, now);
  await d.recorder.emit(tx, pending, 'case.auto-declined', state.caseId, { reason: 'quota-exceeded' });
}
