/**
 * Internal: sending (PROTOCOL.md §7.3, §13.3). Every packet this device signs is sealed, stored and put
 * in the outbox in one store transaction together with everything it changes, and only then submitted;
 * the outbox keeps it, as the same bytes, until the relay has it (the relay is idempotent on the packet
 * id). A case packet must pass the rules on the case as this device holds it before anything is signed.
 */

import { toCasePacket } from '../cases/case-packet.js';
import {
  type CaseLogType,
  type DocumentPacketType,
  type PacketBodies,
  type TypedBody,
  typedBody,
} from '../cases/packet-body.js';
import { fromBase64url, toBase64url } from '../crypto/bytes.js';
import { type Attachment, type SealedPacket, type SealInput, sealPacket } from '../envelope/seal.js';
import { BryggaError } from '../errors.js';
import type { BryggaStore } from '../store/brygga-store.js';
import { RelayError } from '../transport/relay-client.js';
import { loadCaseLog, packetRecord, recordOffer } from './_case-book.js';
import type { Pending } from './_change-recorder.js';
import type { DeviceRuntime } from './_device-runtime.js';
import { type QuotaFields, quotaRecord } from './_quota-book.js';
import type { SendResult } from './client-types.js';

/** More to write in the transaction that queues a packet. */
type Extra = (tx: BryggaStore, pending: Pending) => Promise<void>;

/** Seal a packet of this device at `now`, carrying its checkpoint claim (PROTOCOL.md §19.6). */
export function sealFromDevice(
  d: DeviceRuntime,
  now: Date,
  input: Pick<SealInput, 'recipients' | 'type' | 'caseId' | 'prev' | 'body' | 'attachments'>,
): Promise<SealedPacket> {
  return sealPacket({
    sender: { unit: d.unit, key: d.identity.key },
    ...input,
    checkpoint: d.monitor.checkpointClaim(),
    now,
    rng: d.rng,
  });
}

/** Put a sealed packet in the outbox. */
export async function queueSealed(tx: BryggaStore, sealed: SealedPacket, now: Date): Promise<void> {
  await tx.enqueueOutbox(sealed.claims.pid, toBase64url(sealed.envelope.serialize()), now.toISOString());
}

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
    const counterpart =
      packet.type === 'referral'
        ? packet.body.to
        : state && (state.home === d.unit ? state.receiving : state.home);
    if (!counterpart) throw new BryggaError('ERR_UNKNOWN_CASE', 'this device does not know the case');
    const recipients = d.caseRecipients(counterpart);
    const aud = [...new Set(recipients.map((r) => r.unit))];
    caseLog.preview({
      case: caseId,
      unit: d.unit,
      pid: '',
      ...packet,
      device: d.device,
      aud,
      iat: Math.floor(now.getTime() / 1000),
    });
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
    if (extra) await extra(tx, pending);
    return { caseId, pid: sealed.claims.pid, hash: sealed.hash, type };
  });
  const submitted = await submit(d, result.pid);
  return { ...result, submitted };
}

/** Sign, store and queue a packet outside any case (quota documents, reconciliations, agreements), with `extra`; then submit it. */
export async function sendDocument<T extends DocumentPacketType>(
  d: DeviceRuntime,
  type: T,
  body: PacketBodies[T],
  units: readonly string[],
  extra: Extra,
): Promise<SendResult> {
  const result = await d.recorder.record(async (tx, pending) => {
    const r = await queueDocument(d, tx, type, body, units);
    await extra(tx, pending);
    return r;
  });
  const submitted = await submit(d, result.pid);
  return { ...result, submitted };
}

/** Sign, store and queue in `tx` a packet outside any case to every device of `units` and this unit's others. */
async function queueDocument<T extends DocumentPacketType>(
  d: DeviceRuntime,
  tx: BryggaStore,
  type: T,
  body: PacketBodies[T],
  units: readonly string[],
): Promise<Omit<SendResult, 'submitted'>> {
  const now = d.now();
  const recipients = d.devicesOf([...units, d.unit]);
  if (recipients.length === 0) throw new BryggaError('ERR_KEY_EXPIRED', 'no device can receive the packet');
  const sealed = await sealFromDevice(d, now, { recipients, type, caseId: null, prev: null, body });
  await tx.putPacket({
    ...packetRecord(sealed.claims, sealed.jws, sealed.hash, [], 'out'),
    status: 'stored',
  });
  await queueSealed(tx, sealed, now);
  return { caseId: null, pid: sealed.claims.pid, hash: sealed.hash, type };
}

/** File this unit's own quota claim or release and send it to every party (PROTOCOL.md §15.1). */
export async function broadcastQuota(
  d: DeviceRuntime,
  tx: BryggaStore,
  pending: Pending,
  document: TypedBody<'quota-claim' | 'quota-release'>,
  claims: QuotaFields,
): Promise<void> {
  const kind = document.type === 'quota-claim' ? 'claim' : 'release';
  const jws = document.type === 'quota-claim' ? document.body.claim : document.body.release;
  await tx.putQuota(quotaRecord(kind, claims, jws));
  const units = d.directory.agreement.terms.parties.map((p) => p.unit);
  await queueDocument(d, tx, document.type, document.body, units);
  await d.recorder.emit(tx, pending, 'quota.changed', null, {
    kind,
    municipality: claims.municipality,
    direction: claims.direction,
  });
}

/** Submit everything queued (the packet and what went with it); whether `pid` reached the relay. */
async function submit(d: DeviceRuntime, pid: string): Promise<boolean> {
  try {
    await flushOutbox(d);
  } catch {
    // Not reachable now: the outbox keeps it for the next sync.
  }
  return (await d.store.listOutbox()).every((o) => o.pid !== pid);
}

/**
 * Submit the queued envelopes, in order, and remember each for the transparency monitor to find in the
 * log. Stops at the first transient failure; a permanent refusal (4xx but 401 and 429) drops the
 * envelope with a `packet.rejected` event. Returns how many the relay accepted.
 */
export async function flushOutbox(d: DeviceRuntime): Promise<number> {
  let sent = 0;
  for (const item of await d.store.listOutbox()) {
    const bytes = fromBase64url(item.envelope);
    try {
      const receipt = await d.relay.submit(bytes);
      await d.monitor.submitted(bytes, receipt);
    } catch (err) {
      if (!isPermanentRefusal(err)) return sent;
      await d.recorder.record(async (tx, p) => {
        await tx.removeOutbox(item.pid);
        await d.recorder.emit(tx, p, 'packet.rejected', null, {
          pid: item.pid,
          packetType: null,
          from: d.unit,
          code: 'ERR_RELAY',
          problem: err.problemCode,
        });
      });
      continue;
    }
    await d.store.removeOutbox(item.pid);
    sent++;
  }
  return sent;
}

/** A refusal the relay would repeat: any 4xx but 401 (a token problem) and 429 (slow down). */
function isPermanentRefusal(err: unknown): err is RelayError {
  return (
    err instanceof RelayError &&
    err.status >= 400 &&
    err.status < 500 &&
    err.status !== 429 &&
    err.status !== 401
  );
}
