/**
 * Internal: receiving one packet (PROTOCOL.md §7.5, §12–15): open and verify it, check the log view it
 * carries, then in one store transaction apply it to its case log (_inbound-case-packet.ts) or record
 * the document it carries (_inbound-documents.ts), with the processed mark, the events and the signed
 * receipt to send back.
 */

import {
  byType,
  isCaseLogType,
  isPacketType,
  type PacketType,
  type PerType,
  typedBody,
} from '../cases/packet-body.js';
import { type ReceiptOutcome, signReceipt } from '../cases/receipt.js';
import { documentHash } from '../cases/signed-document.js';
import type { RecipientDevice } from '../directory/directory.js';
import { Envelope } from '../envelope/envelope.js';
import type { PacketClaims } from '../envelope/packet.js';
import { type OpenedPacket, openPacket } from '../envelope/seal.js';
import { BryggaError, type ErrorCode, isBryggaError } from '../errors.js';
import type { BryggaStore } from '../store/brygga-store.js';
import { isLogError } from '../transparency/log-evidence.js';
import { receiveCaseHistory } from './_case-history.js';
import type { DeviceRuntime } from './_device-runtime.js';
import { applyCasePacket } from './_inbound-case-packet.js';
import { DOCUMENT_HANDLERS } from './_inbound-documents.js';
import type { Applied, Received } from './_received.js';
import { queueSealed, sealFromDevice } from './_sealing.js';
import type { ReceiveResult } from './client-types.js';
import { receivingDevice } from './device-identity.js';

const toCaseLog = (_body: unknown, r: Received) => applyCasePacket(r);

/** How each packet type is applied: case packets to their case log, the others by their own handler. */
const APPLY: PerType<PacketType, [Received], Promise<Applied>> = {
  ...DOCUMENT_HANDLERS,
  referral: toCaseLog,
  consent: toCaseLog,
  'consent-withdrawal': toCaseLog,
  'uptake-decision': toCaseLog,
  'implementation-plan': toCaseLog,
  'plan-response': toCaseLog,
  'follow-up': toCaseLog,
  'cost-report': toCaseLog,
  deviation: toCaseLog,
  'child-notice': toCaseLog,
  closure: toCaseLog,
  message: toCaseLog,
  assignment: toCaseLog,
  'case-history': receiveCaseHistory,
};

/**
 * Process one envelope: open it, check the log view it carries, then apply it in one transaction (see
 * the module header). `expectedId` is the id the relay listed it under; `refreshDirectory` reads the
 * directory again when the sender is a device this one does not know yet.
 */
export async function receive(
  d: DeviceRuntime,
  bytes: Uint8Array,
  expectedId?: string,
  refreshDirectory?: () => Promise<void>,
): Promise<ReceiveResult> {
  let envelope: Envelope;
  try {
    envelope = Envelope.deserialize(bytes);
  } catch (err) {
    return { pid: expectedId ?? null, outcome: 'rejected', code: codeOf(err) };
  }
  const pid = envelope.header.id;
  if (await d.store.getProcessed(pid)) return { pid, outcome: 'duplicate', code: 'ERR_REPLAY' };
  // A device enrolled after this sync read the directory: read it again rather than refuse its packet.
  if (refreshDirectory && !d.directory.device(envelope.header.sender.device)) await refreshDirectory();
  const at = d.now().toISOString();
  let opened: OpenedPacket;
  try {
    if (expectedId !== undefined && expectedId !== pid) {
      throw new BryggaError('ERR_CLAIMS_MISMATCH', 'the relay delivered another packet than it listed');
    }
    opened = await openPacket({
      envelope,
      device: receivingDevice(d.identity),
      directory: d.directory,
      now: d.now(),
    });
  } catch (err) {
    const code = codeOf(err);
    await d.recorder.record(async (tx, p) => {
      await tx.putProcessed({ pid, hash: null, outcome: 'rejected', code, at });
      await d.recorder.emit(tx, p, 'packet.rejected', null, {
        pid,
        packetType: null,
        from: envelope.header.sender.unit,
        code,
      });
    });
    return { pid, outcome: 'rejected', code };
  }
  const logCode = await crossCheck(d, opened);
  return d.recorder.record((tx, pending) => processOnce({ d, tx, pending, opened }, pid, logCode, at));
}

/**
 * The sender's view of the log must be the same log as this device's (PROTOCOL.md §19.6): a packet
 * carrying a checkpoint that does not join this device's view is refused with the check's code, and
 * its receipt tells the sender so. The evidence is kept by the check itself.
 */
async function crossCheck(d: DeviceRuntime, opened: OpenedPacket): Promise<ErrorCode | undefined> {
  if (opened.claims.checkpoint === undefined) return undefined;
  try {
    await d.monitor.crossCheck(opened.claims.checkpoint);
    return undefined;
  } catch (err) {
    if (!isLogError(err)) throw err;
    return err.code;
  }
}

/**
 * Inside the packet's transaction: apply it unless it was processed meanwhile, record a refusal, mark
 * its id processed, and queue the receipt (for every packet from another unit but a receipt).
 */
async function processOnce(
  r: Received,
  pid: string,
  logCode: ErrorCode | undefined,
  at: string,
): Promise<ReceiveResult> {
  const { d, tx, pending, opened } = r;
  const { claims } = opened;
  if (await tx.getProcessed(pid)) return { pid, outcome: 'duplicate', code: 'ERR_REPLAY' };
  let result: Applied;
  try {
    if (logCode !== undefined) throw new BryggaError(logCode, 'the log views differ');
    result = await apply(r);
  } catch (err) {
    if (isBryggaError(err) ? err.code === 'ERR_STORE' : isStoreFailure(err)) throw err;
    // Anything else the packet provoked refuses the packet, so it cannot block the inbox.
    result = { outcome: 'rejected', code: codeOf(err) };
  }
  if (result.outcome === 'rejected') {
    await tx.putRejected({
      pid,
      hash: opened.hash,
      caseId: claims.case,
      type: claims.type,
      unit: claims.iss,
      device: claims.dev,
      code: result.code!,
      at,
    });
    await d.recorder.emit(tx, pending, 'packet.rejected', claims.case, {
      pid,
      packetType: claims.type,
      from: claims.iss,
      code: result.code,
    });
  }
  await tx.putProcessed({ pid, hash: opened.hash, outcome: result.outcome, code: result.code, at });
  if (claims.type !== 'receipt' && claims.iss !== d.unit) {
    const outcome = result.outcome === 'stored' ? 'applied' : result.outcome;
    await queueReceipt(d, tx, claims, opened.hash, outcome, result.code);
  }
  return { pid, outcome: result.outcome, code: result.code };
}

/** Apply a verified packet inside its transaction. Throws a BryggaError naming the rule when it is refused. */
async function apply(r: Received): Promise<Applied> {
  const { claims } = r.opened;
  if (!isPacketType(claims.type)) throw new BryggaError('ERR_MALFORMED', 'unknown packet type');
  return byType(APPLY, typedBody(claims.type, claims.body), r);
}

/** Sign the receipt for a packet (PROTOCOL.md §12.3.3), file it, and queue it to the sender's unit. */
async function queueReceipt(
  d: DeviceRuntime,
  tx: BryggaStore,
  claims: PacketClaims,
  hash: string,
  outcome: ReceiptOutcome,
  code: string | null,
): Promise<void> {
  const now = d.now();
  const receipt = signReceipt(d.identity.key, {
    pid: claims.pid,
    hash,
    caseId: claims.case,
    type: claims.type,
    from: { unit: claims.iss, device: claims.dev },
    unit: d.unit,
    outcome,
    code,
    now,
  });
  await tx.putReceipt({
    hash: documentHash(receipt),
    pid: claims.pid,
    packetHash: hash,
    caseId: claims.case,
    unit: d.unit,
    device: d.device,
    outcome,
    code,
    jws: receipt,
  });
  const recipients = receiptRecipients(d, claims);
  if (recipients.length === 0) return;
  const sealed = await sealFromDevice(d, now, {
    recipients,
    type: 'receipt',
    caseId: claims.case,
    prev: null,
    body: { receipt },
  });
  await queueSealed(tx, sealed, now);
}

/**
 * Where a receipt goes (PROTOCOL.md §12.3.3): for a case packet, to its sender and its other recipients
 * (the case's circle, §13.6); for any other packet, to every device of the sender's unit and this one's.
 */
function receiptRecipients(d: DeviceRuntime, claims: PacketClaims): RecipientDevice[] {
  if (claims.case === null || !isCaseLogType(claims.type)) return d.devicesOf([claims.iss, d.unit]);
  const kids = [claims.dev, ...claims.rcp].filter((kid) => kid !== d.device);
  const out: RecipientDevice[] = [];
  for (const unit of new Set([claims.iss, d.unit])) {
    const ofUnit = kids.filter((kid) => d.directory.device(kid)?.unit === unit);
    try {
      out.push(
        ...d.directory.recipientsAmong(unit, ofUnit, d.now(), { validThrough: d.deliveryWindowEnd() }),
      );
    } catch {
      // None of them can receive now.
    }
  }
  return out;
}

/** The code a refusal names: a BryggaError's own, ERR_MALFORMED for anything else. */
function codeOf(err: unknown): ErrorCode {
  return isBryggaError(err) ? err.code : 'ERR_MALFORMED';
}

/**
 * Whether an error that is not a BryggaError came from the database (drivers give their errors a string
 * `code`, such as SQLITE_BUSY or a PostgreSQL SQLSTATE): the transaction must fail so the packet is tried
 * again, rather than be recorded as refused.
 */
function isStoreFailure(err: unknown): boolean {
  return (
    typeof (err as { code?: unknown } | null)?.code === 'string' ||
    !(err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError)
  );
}
