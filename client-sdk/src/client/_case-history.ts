/**
 * Internal: a case's history for the devices an assignment adds to the circle (PROTOCOL.md §12.4.13,
 * §13.6). The assigning device queues, before the assignment and to the added devices alone, the case
 * log as it holds it: every applied packet's signed JWS, from the referral on. An added device verifies
 * each packet on its own (its signer's key, judged at its signing time), checks that they are one log
 * of the case, and applies them in order under the rules, as if it had received them; a held
 * assignment that waited for them follows.
 */

import type { AssignmentBody } from '../cases/assignment.js';
import type { CaseHistoryBody } from '../cases/case-history.js';
import { toCasePacket, verifyPacketJws } from '../cases/case-packet.js';
import type { CaseState } from '../cases/case-state.js';
import { type CaseCircle, fallen, partOf, withPart } from '../cases/circle.js';
import { directoryResolver } from '../cases/signed-document.js';
import type { RecipientDevice } from '../directory/directory.js';
import type { PacketClaims } from '../envelope/packet.js';
import { BryggaError } from '../errors.js';
import type { BryggaStore } from '../store/brygga-store.js';
import { type LoadedCaseLog, loadCaseLog, packetRecord, recordOffer } from './_case-book.js';
import type { DeviceRuntime } from './_device-runtime.js';
import { type Applied, type Received, STORED } from './_received.js';
import { queueSealed, sealFromDevice } from './_sealing.js';

/** The circle after an assignment by this unit (the reducer checks it again, with the signer). */
export function assigned(state: CaseState, body: AssignmentBody): CaseCircle {
  return withPart(state.circle, body.unit, state.home, body.devices);
}

/**
 * Queue the case's history, in `tx` and before the packet about to be sealed to `recipients`, to those
 * of them that were neither a recipient nor the sender of the case's last packet: devices an assignment
 * adds to the circle, and a unit's intake receiving for a part that fell (PROTOCOL.md §13.6). Nothing
 * for a case without a log yet, or when every recipient had the last packet.
 */
export async function queueHistory(
  d: DeviceRuntime,
  tx: BryggaStore,
  loaded: LoadedCaseLog,
  recipients: readonly RecipientDevice[],
  now: Date,
): Promise<void> {
  const head = loaded.caseLog.head === null ? undefined : loaded.records.get(loaded.caseLog.head);
  if (!head) return;
  const known = new Set([...head.rcp, head.device, d.device]);
  const fresh = recipients.filter((r) => !known.has(r.device));
  if (fresh.length === 0) return;
  const packets = loaded.caseLog.chain.map((e) => loaded.records.get(e.hash)!.jws);
  const sealed = await sealFromDevice(d, now, {
    recipients: fresh,
    type: 'case-history',
    caseId: loaded.caseLog.caseId,
    prev: null,
    body: { packets } satisfies CaseHistoryBody,
  });
  await tx.putPacket({
    ...packetRecord(sealed.claims, sealed.jws, sealed.hash, [], 'out'),
    status: 'stored',
  });
  await queueSealed(tx, sealed, now, { undo: [{ op: 'packet', pid: sealed.claims.pid }] });
}

/**
 * Receive a case's history from another device of this unit (ERR_WRONG_PARTY otherwise): its packets
 * verify (ERR_CRYPTO, ERR_UNKNOWN_KEY, ERR_KEY_REVOKED), are of its case (ERR_CASE_SPLICE) and form its
 * log from the referral on (ERR_CASE_GAP); those this device lacks pass the rules, all of them or none
 * is applied (the first refusal refuses the history).
 */
export async function receiveCaseHistory(body: CaseHistoryBody, r: Received): Promise<Applied> {
  const { d, tx, pending, opened } = r;
  const caseId = opened.claims.case;
  if (caseId === null) throw new BryggaError('ERR_MALFORMED', 'a case-history packet names its case');
  const resolve = directoryResolver(d.directory);
  const packets: { jws: string; claims: PacketClaims; hash: string }[] = [];
  for (const jws of body.packets) {
    const v = verifyPacketJws(jws, resolve);
    if (v.claims.case !== caseId) throw new BryggaError('ERR_CASE_SPLICE', 'the history holds another case');
    const prev = packets.length === 0 ? null : packets[packets.length - 1]!.hash;
    if (v.claims.prev !== prev) throw new BryggaError('ERR_CASE_GAP', 'the history is not one case log');
    packets.push({ jws, ...v });
  }
  // First on a copy, so that a refusal leaves nothing behind; then for real.
  const trial = await loadCaseLog(tx, d.context(), caseId);
  for (const p of packets) {
    if (trial.records.has(p.hash)) continue;
    const offer = trial.caseLog.offer(toCasePacket(p.claims, p.hash));
    if (offer.outcome === 'rejected') throw offer.error!;
  }
  if (opened.claims.iss !== d.unit) assertMayReceiveFromOtherUnit(d, trial.caseLog.state, opened.claims.iat);
  const loaded = await loadCaseLog(tx, d.context(), caseId);
  for (const p of packets) {
    if (loaded.records.has(p.hash)) continue;
    loaded.caseLog.offer(toCasePacket(p.claims, p.hash));
    await recordOffer(d, tx, pending, loaded, packetRecord(p.claims, p.jws, p.hash, [], 'in'));
  }
  return STORED;
}

/**
 * A history from the case's other unit reaches this device only where that unit may seal the case's
 * packets to it without an assignment (PROTOCOL.md §13.6): this unit's part is open and the unit has no
 * intake designated (every device holds its cases), or the part fell and this device is of its intake.
 * ERR_WRONG_PARTY otherwise.
 */
function assertMayReceiveFromOtherUnit(d: DeviceRuntime, state: CaseState | undefined, at: number): void {
  if (!state || (state.home !== d.unit && state.receiving !== d.unit))
    throw new BryggaError('ERR_WRONG_PARTY', "the history is not of a case of this device's unit");
  const dir = d.directory;
  const open = !state.circle.assigned.includes(d.unit) && !dir.hasIntake(d.unit);
  const intake = dir.intakeOf(d.unit);
  const fell =
    fallen(partOf(state.circle, d.unit, state.home), at, directoryResolver(dir)) &&
    (intake.length === 0 || intake.includes(d.device));
  if (!open && !fell)
    throw new BryggaError('ERR_WRONG_PARTY', "a case's history from the other unit while this unit holds it");
}
