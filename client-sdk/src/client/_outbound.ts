/**
 * Internal: sending (PROTOCOL.md §7.3, §13.3, §13.5). Every packet this device signs is sealed, stored
 * and put in the outbox in one store transaction together with everything it changes, and only then
 * submitted; the outbox keeps it, as the same bytes, until the relay has it (the relay is idempotent
 * on the packet id). A case packet must pass the rules on the case as this device holds it before
 * anything is signed. A packet the relay refuses is healed or undone (_outbox-repair.ts), so what this
 * device holds is what its receivers get; the use case that sent it learns which.
 */

import { toCasePacket } from '../cases/case-packet.js';
import {
  type CaseLogType,
  type DocumentPacketType,
  type PacketBodies,
  type TypedBody,
  typedBody,
} from '../cases/packet-body.js';
import { fromBase64url } from '../crypto/bytes.js';
import type { RecipientDevice } from '../directory/directory.js';
import type { Attachment } from '../envelope/seal.js';
import { BryggaError } from '../errors.js';
import type { BryggaStore } from '../store/brygga-store.js';
import { loadCaseLog, packetRecord, recordOffer } from './_case-book.js';
import { assigned, queueHistory } from './_case-history.js';
import type { Pending } from './_change-recorder.js';
import { circleRecipients, referralRecipients } from './_circle.js';
import type { DeviceRuntime } from './_device-runtime.js';
import { classifyRefusal, queuedClaims, refusalError, repairRefused, voidQueued } from './_outbox-repair.js';
import { type QuotaFields, quotaRecord } from './_quota-book.js';
import { queueSealed, sealFromDevice, type UndoStep } from './_sealing.js';
import type { SendResult } from './client-types.js';
import { PacketRefusedError } from './packet-refused-error.js';

/** More to write in the transaction that queues a packet; `group` is the packet's id. */
type Extra = (tx: BryggaStore, pending: Pending, group: string) => Promise<void>;

/**
 * Sign, store and queue a case packet, then submit it: the rules run first on the case as this device
 * holds it (nothing is stored or sent when they refuse), then the packet is applied to the case log,
 * stored and put in the outbox in one transaction, with `extra`.
 */
export async function sendCasePacket<T extends CaseLogType>(
  d: DeviceRuntime,
  caseId: string,
  type: T,
  rawBody: PacketBodies[T],
  attachments: readonly Attachment[] = [],
  extra?: Extra,
): Promise<SendResult> {
  const packet = typedBody<CaseLogType>(type, rawBody);
  const ctx = d.context();
  const now = d.now();
  const result = await d.recorder.record(async (tx, pending) => {
    const loaded = await loadCaseLog(tx, ctx, caseId);
    const { caseLog } = loaded;
    const state = caseLog.state;
    let recipients: RecipientDevice[];
    if (packet.type === 'referral') recipients = referralRecipients(d, packet.body.to);
    else if (!state) throw new BryggaError('ERR_UNKNOWN_CASE', 'this device does not know the case');
    else {
      const circle = packet.type === 'assignment' ? assigned(state, packet.body) : state.circle;
      recipients = circleRecipients(d, circle, state.home, state.receiving);
    }
    const aud = [...new Set(recipients.map((r) => r.unit))];
    caseLog.preview({
      case: caseId,
      unit: d.unit,
      pid: '',
      ...packet,
      device: d.device,
      aud,
      rcp: recipients.map((r) => r.device),
      iat: Math.floor(now.getTime() / 1000),
    });
    await queueHistory(d, tx, loaded, recipients, now);
    const sealed = await sealFromDevice(d, now, {
      recipients,
      ...packet,
      caseId,
      prev: caseLog.head,
      attachments,
    });
    const record = packetRecord(
      sealed.claims,
      sealed.jws,
      sealed.hash,
      attachments.map((a) => a.data),
      'out',
    );
    const offer = caseLog.offer(toCasePacket(sealed.claims, sealed.hash));
    if (offer.outcome !== 'applied')
      throw offer.error ?? new BryggaError('ERR_INVALID_TRANSITION', 'the packet could not be applied');
    await recordOffer(d, tx, pending, loaded, record);
    await queueSealed(tx, sealed, now);
    if (extra) await extra(tx, pending, sealed.claims.pid);
    return { caseId, pid: sealed.claims.pid, hash: sealed.hash, type };
  });
  return submit(d, result);
}

/** Sign, store and queue a packet outside any case (quota documents, reconciliations, agreements), with `extra`; then submit it. */
export async function sendDocument<T extends DocumentPacketType>(
  d: DeviceRuntime,
  type: T,
  body: PacketBodies[T],
  units: readonly string[],
  extra: Extra,
  undo: readonly UndoStep[] = [],
): Promise<SendResult> {
  const result = await d.recorder.record(async (tx, pending) => {
    const r = await queueDocument(d, tx, type, body, units, { undo });
    await extra(tx, pending, r.pid);
    return r;
  });
  return submit(d, result);
}

/**
 * Sign, store and queue in `tx` a packet outside any case to every device of `units` and this unit's
 * others, in `group` (by default its own), with what undoes it (besides its own record).
 */
async function queueDocument<T extends DocumentPacketType>(
  d: DeviceRuntime,
  tx: BryggaStore,
  type: T,
  body: PacketBodies[T],
  units: readonly string[],
  options: { group?: string; undo?: readonly UndoStep[] } = {},
): Promise<Omit<SendResult, 'submitted' | 'status'>> {
  const now = d.now();
  const recipients = d.devicesOf([...units, d.unit]);
  if (recipients.length === 0) throw new BryggaError('ERR_KEY_EXPIRED', 'no device can receive the packet');
  const sealed = await sealFromDevice(d, now, { recipients, type, caseId: null, prev: null, body });
  await tx.putPacket({
    ...packetRecord(sealed.claims, sealed.jws, sealed.hash, [], 'out'),
    status: 'stored',
  });
  await queueSealed(tx, sealed, now, {
    ...(options.group ? { group: options.group } : {}),
    undo: [...(options.undo ?? []), { op: 'packet', pid: sealed.claims.pid }],
  });
  return { caseId: null, pid: sealed.claims.pid, hash: sealed.hash, type };
}

/**
 * File this unit's own quota claim or release and send it to every party (PROTOCOL.md §15.1), in the
 * group of the packet it goes with (a referral, an acceptance): undone with it, the record goes too.
 */
export async function broadcastQuota(
  d: DeviceRuntime,
  tx: BryggaStore,
  pending: Pending,
  document: TypedBody<'quota-claim' | 'quota-release'>,
  claims: QuotaFields,
  group?: string,
): Promise<void> {
  const kind = document.type === 'quota-claim' ? 'claim' : 'release';
  const jws = document.type === 'quota-claim' ? document.body.claim : document.body.release;
  const record = quotaRecord(kind, claims, jws);
  await tx.putQuota(record);
  const units = d.directory.agreement.terms.parties.map((p) => p.unit);
  await queueDocument(d, tx, document.type, document.body, units, {
    ...(group ? { group } : {}),
    undo: [{ op: 'quota', hash: record.hash }],
  });
  await d.recorder.emit(tx, pending, 'quota.changed', null, {
    kind,
    municipality: claims.municipality,
    direction: claims.direction,
  });
}

/**
 * Submit everything queued (the packet and what went with it) and say what became of the packet: the
 * relay has it (possibly healed: then under its new hash), it waits in the outbox, or it was refused
 * and undone (a {@link PacketRefusedError} naming the cause).
 */
async function submit(d: DeviceRuntime, sent: Omit<SendResult, 'submitted' | 'status'>): Promise<SendResult> {
  try {
    await flushOutbox(d);
  } catch {
    // Not reachable now: the outbox keeps it for the next sync.
  }
  const voided = d.voided.get(sent.pid);
  if (voided) {
    for (const pid of voided.pids) d.voided.delete(pid);
    throw new PacketRefusedError(refusalError(voided.code, voided.problem), {
      result: { ...sent, submitted: false, status: 'refused' },
      problem: voided.problem,
      voided: voided.pids,
    });
  }
  const hash = (await d.store.getPacketByPid(sent.pid))?.hash ?? sent.hash;
  const queued = (await d.store.listOutbox()).some((o) => o.pid === sent.pid);
  return { ...sent, hash, submitted: !queued, status: queued ? 'queued' : 'submitted' };
}

/** What one flush of the outbox did. */
export interface FlushReport {
  /** Envelopes the relay accepted. */
  sent: number;
  /** Packets sealed again after a refusal. */
  healed: string[];
  /** Packets undone after a refusal, with the code naming the cause. */
  voided: { pid: string; code: string; problem: string | null; pids: string[] }[];
}

/** How often one flush seals one packet again before it leaves it for a later sync. */
const MAX_HEALS = 3;

/**
 * Submit the queued envelopes, in order, and remember each for the transparency monitor to find in the
 * log. Stops at the first transient failure (the relay unreachable or busy, a token problem): the rest
 * waits. Before a packet is submitted, one its receivers would refuse for its age is undone, and one
 * signed by the device's former identity is sealed again; a refusal is healed or undone
 * (PROTOCOL.md §13.5), and the flush goes on from the outbox as that left it. Every later packet of a
 * case waits behind an earlier one, so none reaches the relay chained on a packet it refused.
 */
export async function flushOutbox(d: DeviceRuntime): Promise<FlushReport> {
  const report: FlushReport = { sent: 0, healed: [], voided: [] };
  const heals = new Map<string, number>();
  outer: for (;;) {
    for (const item of await d.store.listOutbox()) {
      const claims = await queuedClaims(d, item);
      if (claims && d.isStale(claims.iat)) {
        record(report, item.pid, await voidQueued(d, item, 'ERR_PACKET_STALE', null));
        continue outer;
      }
      if (claims && claims.dev !== d.device && (heals.get(item.pid) ?? 0) === 0) {
        heals.set(item.pid, 1);
        const outcome = await repairRefused(d, item, { kind: 'sender', problem: 'forbidden' });
        if (outcome.outcome === 'unchanged') return report;
        record(report, item.pid, outcome);
        continue outer;
      }
      const bytes = fromBase64url(item.envelope);
      try {
        const receipt = await d.relay.submit(bytes);
        await d.monitor.submitted(bytes, receipt);
      } catch (err) {
        const refusal = classifyRefusal(err);
        if (refusal.kind === 'transient') return report;
        const tries = (heals.get(item.pid) ?? 0) + 1;
        heals.set(item.pid, tries);
        if (refusal.kind !== 'final' && tries > MAX_HEALS) return report;
        const outcome = await repairRefused(d, item, refusal);
        if (outcome.outcome === 'unchanged') return report;
        record(report, item.pid, outcome);
        continue outer;
      }
      await d.store.removeOutbox(item.pid);
      report.sent++;
    }
    return report;
  }
}

function record(
  report: FlushReport,
  pid: string,
  outcome: Exclude<Awaited<ReturnType<typeof repairRefused>>, { outcome: 'unchanged' }>,
): void {
  if (outcome.outcome === 'healed') report.healed.push(...outcome.pids);
  else report.voided.push({ pid, code: outcome.code, problem: outcome.problem, pids: outcome.pids });
}
