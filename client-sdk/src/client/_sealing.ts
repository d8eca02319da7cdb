/**
 * Internal: how this device seals what it sends (PROTOCOL.md §7.3, §13.3, §13.5): with its checkpoint
 * claim, into the outbox with the signed packet beside the envelope (so that a refused packet can be
 * sealed again) and with the group it stands or falls with; and the same packet sealed again, under
 * the same id, signing time, predecessor and body, to other recipients.
 */
import { fromBase64url, toBase64url } from '../crypto/bytes.js';
import type { RecipientDevice } from '../directory/directory.js';
import type { PacketClaims } from '../envelope/packet.js';
import { type Attachment, type SealedPacket, type SealInput, sealPacket } from '../envelope/seal.js';
import type { BryggaStore, PacketRecord } from '../store/brygga-store.js';
import type { DeviceRuntime } from './_device-runtime.js';

/** A change to take back in the store if a queued packet is undone (PROTOCOL.md §13.5). */
export type UndoStep =
  /** The quota claim or release (by document hash) this packet carries. */
  | { op: 'quota'; hash: string }
  /** The stored record of this document packet (by packet id). */
  | { op: 'packet'; pid: string }
  /** A reconciliation statement, back to what it was before (null: it did not exist). */
  | { op: 'reconciliation'; id: string; previous: string | null };

/** What goes into the outbox with an envelope: the group it belongs to and what undoes it. */
export interface QueueDetails {
  /** The pid of the packet this one was queued with (default: its own). */
  group?: string;
  undo?: readonly UndoStep[];
}

/** Seal a packet of this device at `now`, carrying its checkpoint claim (PROTOCOL.md §19.6). */
export function sealFromDevice(
  d: DeviceRuntime,
  now: Date,
  input: Pick<SealInput, 'recipients' | 'type' | 'caseId' | 'prev' | 'body' | 'attachments' | 'id'> & {
    checkpoint?: string | undefined;
  },
): Promise<SealedPacket> {
  const { checkpoint, ...rest } = input;
  return sealPacket({
    sender: { unit: d.unit, key: d.identity.key },
    ...rest,
    checkpoint: 'checkpoint' in input ? checkpoint : d.monitor.checkpointClaim(),
    now,
    rng: d.rng,
  });
}

/** Put a sealed packet in the outbox, with its signed form, its group and what undoes it. */
export async function queueSealed(
  tx: BryggaStore,
  sealed: SealedPacket,
  now: Date,
  details: QueueDetails = {},
): Promise<void> {
  await tx.enqueueOutbox(sealed.claims.pid, toBase64url(sealed.envelope.serialize()), now.toISOString(), {
    jws: sealed.jws,
    group: details.group ?? sealed.claims.pid,
    ...(details.undo && details.undo.length > 0 ? { undo: JSON.stringify(details.undo) } : {}),
  });
}

/** The attachments of a stored packet, as they were sent. */
export function attachmentsOf(claims: PacketClaims, record: PacketRecord | undefined): Attachment[] {
  return claims.att.map((a, i) => ({
    name: a.name,
    type: a.type,
    data: fromBase64url(record?.attachments[i] ?? ''),
  }));
}

/**
 * The same packet sealed again (PROTOCOL.md §13.5): the same id, signing time, type, case, body,
 * attachments and checkpoint claim; `prev` as given (its predecessor's new hash when that was sealed
 * again too); the recipients and the signing device this device has now.
 */
export function resealPacket(
  d: DeviceRuntime,
  claims: PacketClaims,
  prev: string | null,
  recipients: readonly RecipientDevice[],
  attachments: readonly Attachment[],
): Promise<SealedPacket> {
  return sealFromDevice(d, new Date(claims.iat * 1000), {
    id: claims.pid,
    recipients,
    type: claims.type,
    caseId: claims.case,
    prev,
    body: claims.body,
    attachments,
    checkpoint: claims.checkpoint,
  });
}
