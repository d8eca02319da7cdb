/**
 * Internal: what this device does when the relay refuses a packet it queued (PROTOCOL.md §13.5), so
 * that what it holds in a case is what every receiver gets.
 *
 * - A refusal the directory explains (a recipient device revoked, unknown or not of a party now, a key
 *   expired, rotated or unknown) is **healed**: the directory is read again, and the same packet (same
 *   id, signing time, predecessor, body and attachments) is sealed again to the devices that are current
 *   now, at the same place in its case; every later packet of the case still in the outbox, chained on
 *   it, is sealed again on its new hash. A packet this device's former identity signed (the store moved
 *   to a replacement device) is sealed again by the device it is now.
 * - A refusal that cannot heal (the case's other unit no longer a party, nobody left to receive it, the
 *   packet too large, too many recipients, this device revoked, a signing time its receivers would
 *   refuse by now) **undoes** it: the packet, every later packet of its case chained on it and what went
 *   with them (a referral's quota claim, …) leave the store, and the case log is rebuilt as if they had
 *   never been offered.
 *
 * Each heal and each undo is one store transaction that changes the outbox and the case log together,
 * with its event (`packet.healed`, `packet.voided`): a crash before the commit leaves the refused packet
 * queued, to be refused and healed again; a crash after it leaves the new envelope queued, which the
 * relay accepts once, however often it is submitted.
 */
import { CASE_LOG_TYPES, type PacketType } from '../cases/packet-body.js';
import { fromBase64url, toBase64url } from '../crypto/bytes.js';
import { decodeCompact, decodeJsonPayload } from '../crypto/jws.js';
import type { RecipientDevice } from '../directory/directory.js';
import { Envelope } from '../envelope/envelope.js';
import { type PacketClaims, validateClaims } from '../envelope/packet.js';
import type { SealedPacket } from '../envelope/seal.js';
import { BryggaError, type ErrorCode, isBryggaError, type ProblemCode } from '../errors.js';
import type { BryggaStore, OutboxRecord, PacketRecord } from '../store/brygga-store.js';
import { RelayError } from '../transport/relay-client.js';
import { claimsOf, packetRecord, rewriteCaseLog } from './_case-book.js';
import type { Pending } from './_change-recorder.js';
import { circleBefore } from './_circle.js';
import type { DeviceRuntime } from './_device-runtime.js';
import { syncDirectory } from './_directory-sync.js';
import { attachmentsOf, resealPacket, type UndoStep } from './_sealing.js';

/** What a refusal by the relay calls for. */
export type Refusal =
  /** Not the packet's fault (the relay unreachable or busy, a token problem): it stays queued. */
  | { kind: 'transient' }
  /** A recipient the directory no longer names as it did: heal to the devices current now. */
  | { kind: 'recipients'; problem: ProblemCode }
  /** The envelope names another sender than this device: heal by sealing it again as this device. */
  | { kind: 'sender'; problem: ProblemCode }
  /** A refusal no new directory can change: undo, with the code that names the cause. */
  | { kind: 'final'; problem: ProblemCode | null; code: ErrorCode };

/**
 * Problem codes of a recipient the sender's directory did not know as the relay does (PROTOCOL.md §7.1,
 * §9.1): revoked, not enrolled, its key expired or unknown, its unit no longer a party.
 */
const RECIPIENT_PROBLEMS = new Set<ProblemCode>([
  'key-revoked',
  'unknown-key',
  'key-expired',
  'not-in-agreement',
]);

/** What a failed submission calls for (see {@link Refusal}). */
export function classifyRefusal(err: unknown): Refusal {
  if (!(err instanceof RelayError)) return { kind: 'transient' };
  const { status } = err;
  const problem = err.problemCode ?? null;
  if (status === 0 || status >= 500 || status === 429 || status === 401 || status < 400) {
    return { kind: 'transient' };
  }
  if (problem === null) return { kind: 'final', problem, code: 'ERR_RELAY' };
  // This device itself: revoked, or its unit no longer a party. Nothing it signs will be taken.
  if (problem === 'device-revoked') return { kind: 'final', problem, code: 'ERR_KEY_REVOKED' };
  if (problem === 'device-not-in-agreement') return { kind: 'final', problem, code: 'ERR_NOT_IN_AGREEMENT' };
  if (problem === 'forbidden') return { kind: 'sender', problem };
  if (RECIPIENT_PROBLEMS.has(problem)) return { kind: 'recipients', problem };
  if (problem === 'payload-too-large') return { kind: 'final', problem, code: 'ERR_PAYLOAD_TOO_LARGE' };
  if (problem === 'too-many-recipients') return { kind: 'final', problem, code: 'ERR_TOO_MANY_RECIPIENTS' };
  return { kind: 'final', problem, code: 'ERR_RELAY' };
}

/** What became of a refused packet. */
export type RepairOutcome = { outcome: 'healed'; pids: string[] } | Voided | { outcome: 'unchanged' };

/** A packet undone, with the code naming the cause and every packet id undone with it. */
export interface Voided {
  outcome: 'voided';
  code: ErrorCode;
  problem: string | null;
  pids: string[];
}

/** The claims of a queued packet: from its signed form, or (older outboxes) from its stored record. */
export async function queuedClaims(d: DeviceRuntime, item: OutboxRecord): Promise<PacketClaims | undefined> {
  const jws = item.jws ?? (await d.store.getPacketByPid(item.pid))?.jws;
  if (!jws) return undefined;
  try {
    return validateClaims(decodeJsonPayload(decodeCompact(jws).payloadBytes));
  } catch {
    return undefined;
  }
}

/** Whether a queued packet belongs to a case's hash-chained log. */
function inCaseLog(claims: PacketClaims): boolean {
  return claims.case !== null && CASE_LOG_TYPES.has(claims.type as PacketType);
}

/**
 * Heal or undo a refused packet (see the module header). A refusal the directory explains is healed
 * only when reading the directory again changed where the packet goes; otherwise it stays queued
 * (`unchanged`: this device's directory lags the relay's, and a later sync tries again).
 */
export async function repairRefused(
  d: DeviceRuntime,
  item: OutboxRecord,
  refusal: Exclude<Refusal, { kind: 'transient' }>,
): Promise<RepairOutcome> {
  if (refusal.kind === 'final') return voidQueued(d, item, refusal.code, refusal.problem);
  const claims = await queuedClaims(d, item);
  if (!claims) return voidQueued(d, item, 'ERR_RELAY', refusal.problem);
  if (refusal.kind === 'recipients') {
    try {
      await syncDirectory(d);
    } catch (err) {
      if (isBryggaError(err, 'ERR_STORE')) throw err;
      return { outcome: 'unchanged' };
    }
  }
  const plan = await recipientsNow(d, claims);
  if ('code' in plan) return voidQueued(d, item, plan.code, refusal.problem);
  const sameSender = claims.dev === d.device;
  if (sameSender && (refusal.kind === 'sender' || sameRecipients(item, plan.recipients))) {
    return refusal.kind === 'sender'
      ? voidQueued(d, item, 'ERR_RELAY', refusal.problem)
      : { outcome: 'unchanged' };
  }
  return heal(d, item, claims, plan.recipients, refusal.problem);
}

/** Where a packet goes now: the devices current in the directory, or why it cannot go anywhere. */
async function recipientsNow(
  d: DeviceRuntime,
  claims: PacketClaims,
): Promise<{ recipients: RecipientDevice[] } | { code: ErrorCode }> {
  const agreement = d.directory.agreement;
  if (inCaseLog(claims)) {
    const record = await d.store.getCase(claims.case!);
    if (!record) return { code: 'ERR_UNKNOWN_CASE' };
    const counterpart = record.home === d.unit ? record.receiving : record.home;
    if (!agreement.rootKeyOf(counterpart)) return { code: 'ERR_NOT_IN_AGREEMENT' };
    try {
      return { recipients: (await circleBefore(d, d.store, claims)).recipientsFor(claims) };
    } catch (err) {
      return { code: isBryggaError(err) ? err.code : 'ERR_KEY_EXPIRED' };
    }
  }
  // A case's history goes to the devices it was sealed to that can still receive (PROTOCOL.md §13.6).
  if (claims.type === 'case-history') {
    try {
      return {
        recipients: d.directory.recipientsAmong(d.unit, claims.rcp, d.now(), {
          validThrough: d.deliveryWindowEnd(),
        }),
      };
    } catch (err) {
      return { code: isBryggaError(err) ? err.code : 'ERR_KEY_EXPIRED' };
    }
  }
  // A document goes to the units it named that are still parties (and this unit's other devices).
  const units = claims.aud.filter((u) => agreement.rootKeyOf(u));
  const recipients = d.devicesOf([...units, d.unit]);
  if (recipients.length === 0) return { code: 'ERR_NOT_IN_AGREEMENT' };
  return { recipients };
}

/** Whether the queued envelope already goes to exactly these devices and keys. */
function sameRecipients(item: OutboxRecord, recipients: readonly RecipientDevice[]): boolean {
  let header: Envelope['header'];
  try {
    header = Envelope.deserialize(fromBase64url(item.envelope)).header;
  } catch {
    return false;
  }
  const key = (r: { device: string; key: string }) => `${r.device}|${r.key}`;
  const queued = new Set(header.recipients.map(key));
  const now = new Set(recipients.map((r) => key({ device: r.device, key: r.hpkeKey.kid })));
  return queued.size === now.size && [...queued].every((k) => now.has(k));
}

/** The packets of the refused one's case from it on that still wait in the outbox, in log order. */
async function queuedChain(
  tx: BryggaStore,
  claims: PacketClaims,
  queued: ReadonlySet<string>,
): Promise<PacketRecord[]> {
  const records = (await tx.listCasePackets(claims.case!)).filter((r) => r.status !== 'stored');
  const self = records.find((r) => r.pid === claims.pid);
  if (!self) return [];
  if (self.status !== 'applied' || self.position === null) return [self];
  const chain = records
    .filter((r) => r.status === 'applied' && r.position !== null && r.position >= self.position!)
    .sort((a, b) => a.position! - b.position!);
  // Everything after it was queued after it, so the relay has none of it; stop at anything it has.
  const out: PacketRecord[] = [];
  for (const r of chain) {
    if (!queued.has(r.pid)) break;
    out.push(r);
  }
  return out;
}

/** Seal the packet (and its queued successors in its case) again to `recipients`, in one transaction. */
async function heal(
  d: DeviceRuntime,
  item: OutboxRecord,
  claims: PacketClaims,
  recipients: RecipientDevice[],
  problem: string,
): Promise<RepairOutcome> {
  const healed = await d.recorder.record(async (tx, pending) => {
    const outbox = await tx.listOutbox();
    if (!outbox.some((o) => o.pid === item.pid)) return [];
    if (!inCaseLog(claims)) {
      const record = await tx.getPacketByPid(claims.pid);
      const sealed = await resealPacket(d, claims, claims.prev, recipients, attachmentsOf(claims, record));
      if (record) {
        await tx.deletePacket(record.hash);
        await tx.putPacket({
          ...packetRecord(sealed.claims, sealed.jws, sealed.hash, [], 'out'),
          status: 'stored',
        });
      }
      await tx.replaceOutbox(item.pid, toBase64url(sealed.envelope.serialize()), sealed.jws);
      await emitHealed(d, tx, pending, sealed, record?.hash ?? null, problem);
      return [item.pid];
    }
    const chain = await queuedChain(tx, claims, new Set(outbox.map((o) => o.pid)));
    const replace = new Map<string, PacketRecord>();
    const resealed: { sealed: SealedPacket; previous: string }[] = [];
    let prev: string | null | undefined;
    // Each packet goes to the circle as the packets before it leave it (PROTOCOL.md §13.6).
    const walk = await circleBefore(d, tx, claims);
    for (const r of chain) {
      const c = claimsOf(r);
      const attachments = attachmentsOf(c, r);
      const to = r === chain[0] ? recipients : walk.recipientsFor(c);
      const sealed = await resealPacket(d, c, prev === undefined ? c.prev : prev, to, attachments);
      walk.advance(sealed.claims, sealed.hash);
      replace.set(r.hash, {
        ...packetRecord(
          sealed.claims,
          sealed.jws,
          sealed.hash,
          attachments.map((a) => a.data),
          'out',
        ),
        status: r.status,
        position: r.position,
      });
      resealed.push({ sealed, previous: r.hash });
      prev = sealed.hash;
    }
    await rewriteCaseLog(d, tx, pending, claims.case!, { replace });
    for (const { sealed, previous } of resealed) {
      await tx.replaceOutbox(sealed.claims.pid, toBase64url(sealed.envelope.serialize()), sealed.jws);
      await emitHealed(d, tx, pending, sealed, previous, problem);
    }
    return resealed.map((r) => r.sealed.claims.pid);
  });
  return healed.length > 0 ? { outcome: 'healed', pids: healed } : { outcome: 'unchanged' };
}

async function emitHealed(
  d: DeviceRuntime,
  tx: BryggaStore,
  pending: Pending,
  sealed: { claims: PacketClaims; hash: string },
  previous: string | null,
  problem: string,
): Promise<void> {
  await d.recorder.emit(tx, pending, 'packet.healed', sealed.claims.case, {
    pid: sealed.claims.pid,
    packetType: sealed.claims.type,
    hash: sealed.hash,
    previousHash: previous,
    problem,
    recipients: sealed.claims.rcp,
  });
}

/**
 * Undo a queued packet (see the module header): it leaves the outbox, and so do every later packet of
 * its case chained on it and every packet queued with them (their group), each with what it changed in
 * the store; the case log is rebuilt without them. A packet undone on its own that was queued with
 * another (a quota claim whose referral the relay took) only leaves the outbox: what it records stays
 * true.
 */
export async function voidQueued(
  d: DeviceRuntime,
  item: OutboxRecord,
  code: ErrorCode,
  problem: string | null,
): Promise<Voided> {
  const claims = await queuedClaims(d, item);
  const pids = await d.recorder.record(async (tx, pending) => {
    const outbox = await tx.listOutbox();
    const self = outbox.find((o) => o.pid === item.pid);
    if (!self) return [];
    const leader = self.group === null || self.group === self.pid;
    const removed = new Set<string>([self.pid]);
    if (claims && inCaseLog(claims)) {
      const chain = await queuedChain(tx, claims, new Set(outbox.map((o) => o.pid)));
      for (const r of chain) removed.add(r.pid);
      const hashes = new Set(chain.map((r) => r.hash));
      const own = await tx.getPacketByPid(claims.pid);
      if (own) hashes.add(own.hash);
      await rewriteCaseLog(d, tx, pending, claims.case!, { remove: hashes });
    }
    const gone: string[] = [];
    for (const o of outbox) {
      const member = o.group !== null && o.group !== o.pid && removed.has(o.group);
      if (!removed.has(o.pid) && !member) continue;
      await tx.removeOutbox(o.pid);
      gone.push(o.pid);
      if (leader || member) await undoSteps(tx, o);
    }
    await d.recorder.emit(tx, pending, 'packet.voided', claims?.case ?? null, {
      pid: item.pid,
      packetType: claims?.type ?? null,
      code,
      problem,
      voided: gone,
    });
    return gone;
  });
  for (const pid of pids) d.voided.set(pid, { code, problem, pids });
  return { outcome: 'voided', code, problem, pids };
}

/** Take back what a queued packet changed in the store (its undo steps). */
async function undoSteps(tx: BryggaStore, item: OutboxRecord): Promise<void> {
  if (item.undo === null) return;
  let steps: UndoStep[];
  try {
    steps = JSON.parse(item.undo) as UndoStep[];
  } catch {
    return;
  }
  for (const step of steps) {
    if (step.op === 'quota') await tx.deleteQuota(step.hash);
    else if (step.op === 'packet') {
      const record = await tx.getPacketByPid(step.pid);
      if (record && record.status === 'stored') await tx.deletePacket(record.hash);
    } else if (step.op === 'reconciliation') {
      if (step.previous === null) await tx.deleteReconciliation(step.id);
      else await tx.putReconciliation(JSON.parse(step.previous));
    }
  }
}

/** A refusal as the error a caller gets: the code naming the cause, the relay's problem in the message. */
export function refusalError(code: ErrorCode, problem: string | null): BryggaError {
  const why = problem ? ` (the relay: ${problem})` : '';
  const messages: Partial<Record<ErrorCode, string>> = {
    ERR_NOT_IN_AGREEMENT:
      'the case’s other unit is no longer a party to the agreement: the packet was undone',
    ERR_PAYLOAD_TOO_LARGE: 'the packet is larger than the relay takes: it was undone',
    ERR_TOO_MANY_RECIPIENTS: 'the packet is for more devices than the relay takes: it was undone',
    ERR_KEY_REVOKED: 'this device is revoked: the packet was undone',
    ERR_KEY_EXPIRED: 'no device of the other unit has an encryption key to receive it: the packet was undone',
    ERR_PACKET_STALE: 'the packet waited too long to be sent for its receivers to accept it: it was undone',
    ERR_UNKNOWN_CASE: 'the case is no longer held here: the packet was undone',
  };
  return new BryggaError(code, `${messages[code] ?? 'the relay refused the packet: it was undone'}${why}`);
}
