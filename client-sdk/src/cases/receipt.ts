/**
 * Signed receipts (kvittens; PROTOCOL.md §12.3.3): made automatically by a receiving device when it has
 * decrypted and verified a packet, and sent back to the sender in a `receipt` packet. A compact JWS of
 * type `brygga-receipt+jws` naming the packet (id and hash), its case and type, its sender, the receiving
 * unit and device, the time, and what the receiver did with it (applied, held for a missing predecessor,
 * or rejected, with the rule's error code). The sender checks it against what it sent and keeps it as
 * evidence of delivery.
 */
import type { SigningKeyPair } from '../crypto/keys.js';
import { KID_PATTERN, numericDate } from '../directory/validate.js';
import { BryggaError } from '../errors.js';
import { hash, id, id16, integer, jws, malformed, members, oneOf, text } from './_fields.js';
import {
  type DeviceResolver,
  signDocument,
  type VerifiedDocument,
  verifyDocument,
} from './signed-document.js';

/** The JWS `typ` of a receipt. */
export const RECEIPT_TYP = 'brygga-receipt+jws';

/** What the receiver did with the packet. */
export type ReceiptOutcome = 'applied' | 'held' | 'rejected';

/** The signed payload of a receipt. */
export interface ReceiptClaims {
  v: 1;
  kind: 'brygga.receipt';
  /** Packet id. */
  pid: string;
  /** Packet hash (PROTOCOL.md §7.2). */
  hash: string;
  case: string | null;
  type: string;
  /** The packet's sender. */
  from: { unit: string; device: string };
  /** The receiving unit and device (the signer). */
  unit: string;
  device: string;
  iat: number;
  outcome: ReceiptOutcome;
  /** The error code of a held or rejected packet, else null. */
  code: string | null;
}

const KEYS = ['v', 'kind', 'pid', 'hash', 'case', 'type', 'from', 'unit', 'device', 'iat', 'outcome', 'code'];
const TYPE = /^[a-z][a-z0-9-]{0,63}$/;
const CODE = /^ERR_[A-Z_]{1,60}$/;

/** Validate receipt claims; ERR_MALFORMED naming the field. */
export function validateReceiptClaims(value: unknown): ReceiptClaims {
  const o = members(value, 'receipt', KEYS);
  if (o.v !== 1) throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported receipt version');
  if (o.kind !== 'brygga.receipt') malformed('receipt.kind', 'must be "brygga.receipt"');
  const from = members(o.from, 'receipt.from', ['unit', 'device']);
  const outcome = oneOf(o.outcome, 'receipt.outcome', ['applied', 'held', 'rejected'] as const);
  const code = o.code === null ? null : text(o.code, 'receipt.code', 64, CODE);
  if ((outcome === 'applied') !== (code === null))
    malformed('receipt.code', 'must be null exactly when applied');
  return {
    v: 1,
    kind: 'brygga.receipt',
    pid: id16(o.pid, 'receipt.pid'),
    hash: hash(o.hash, 'receipt.hash'),
    case: o.case === null ? null : id16(o.case, 'receipt.case'),
    type: text(o.type, 'receipt.type', 64, TYPE),
    from: {
      unit: id(from.unit, 'receipt.from.unit'),
      device: text(from.device, 'receipt.from.device', 43, KID_PATTERN),
    },
    unit: id(o.unit, 'receipt.unit'),
    device: text(o.device, 'receipt.device', 43, KID_PATTERN),
    iat: integer(o.iat, 'receipt.iat', 0, Number.MAX_SAFE_INTEGER),
    outcome,
    code,
  };
}

/** What a receiving device signs a receipt for. */
export interface ReceiptInput {
  pid: string;
  hash: string;
  caseId: string | null;
  type: string;
  from: { unit: string; device: string };
  unit: string;
  outcome: ReceiptOutcome;
  code?: string | null;
  now?: Date;
}

/** Sign a receipt with the receiving device's key. */
export function signReceipt(device: SigningKeyPair, input: ReceiptInput): string {
  const claims = validateReceiptClaims({
    v: 1,
    kind: 'brygga.receipt',
    pid: input.pid,
    hash: input.hash,
    case: input.caseId,
    type: input.type,
    from: input.from,
    unit: input.unit,
    device: device.kid,
    iat: numericDate(input.now ?? new Date()),
    outcome: input.outcome,
    code: input.code ?? null,
  });
  return signDocument(RECEIPT_TYP, claims, device);
}

/** Verify a receipt's signature and shape, and that its signer is the device it names. */
export function verifyReceipt(jwsText: string, resolve: DeviceResolver): VerifiedDocument<ReceiptClaims> {
  const doc = verifyDocument(
    jws(jwsText, 'receipt'),
    RECEIPT_TYP,
    resolve,
    validateReceiptClaims,
    (c) => c.unit,
    (c) => c.iat,
  );
  if (doc.device !== doc.payload.device) {
    throw new BryggaError('ERR_RECEIPT_MISMATCH', 'the receipt is not signed by the device it names');
  }
  return doc;
}

/** What a sender knows about a packet it sent, to check a receipt against. */
export interface SentPacketRecord {
  pid: string;
  hash: string;
  case: string | null;
  type: string;
  iss: string;
  dev: string;
  /** Recipient devices. */
  rcp: readonly string[];
}

/**
 * Check that a verified receipt names `sent` exactly: same packet id, hash, case, type and sender, and
 * a signer that was one of its recipient devices. Throws ERR_RECEIPT_MISMATCH otherwise.
 */
export function matchReceipt(receipt: ReceiptClaims, sent: SentPacketRecord | undefined): void {
  const ok =
    sent !== undefined &&
    receipt.pid === sent.pid &&
    receipt.hash === sent.hash &&
    receipt.case === sent.case &&
    receipt.type === sent.type &&
    receipt.from.unit === sent.iss &&
    receipt.from.device === sent.dev &&
    sent.rcp.includes(receipt.device);
  if (!ok)
    throw new BryggaError('ERR_RECEIPT_MISMATCH', 'the receipt does not name a packet sent to its signer');
}

/** Body of a `receipt` packet. */
export interface ReceiptBody {
  receipt: string;
}

/** Validate a `receipt` packet body. */
export function validateReceiptBody(value: unknown): ReceiptBody {
  const o = members(value, 'receipt', ['receipt']);
  return { receipt: jws(o.receipt, 'receipt.receipt') };
}
