/**
 * Signed packet claims (PROTOCOL.md §7.2): the inner JWS of type `brygga-packet+jws`, signed by the
 * sending device before encryption. The claims repeat the routing facts of the envelope (packet id,
 * sender, recipient devices), so a packet lifted out of one envelope and re-sent in another is
 * recognisably not what its signer sent.
 */

import { fromBase64url } from '../crypto/bytes.js';
import { ID_PATTERN, KID_PATTERN } from '../directory/validate.js';
import { BryggaError } from '../errors.js';
import { PACKET_ID_PATTERN } from './envelope.js';

/** The JWS `typ` of a packet. */
export const PACKET_TYP = 'brygga-packet+jws';

/** An attachment as described in the signed claims; the bytes follow the JWS in the plaintext. */
export interface AttachmentMeta {
  name: string;
  /** Media type. */
  type: string;
  size: number;
  /** base64url SHA-256 of the bytes. */
  sha256: string;
}

/** The signed claims of a packet. */
export interface PacketClaims {
  v: 1;
  /** Packet id (the envelope's). */
  pid: string;
  /** Sending unit. */
  iss: string;
  /** Sending device key id. */
  dev: string;
  /** Recipient device key ids, in envelope order. */
  rcp: string[];
  /** Recipient units, in envelope order of first appearance. */
  aud: string[];
  /** Signing time, seconds since the epoch. */
  iat: number;
  /** Packet type (referral, receipt, consent, ...). */
  type: string;
  /** Case id, or null for packets outside a case. */
  case: string | null;
  /** base64url SHA-256 of the previous packet of the case (its JWS), or null. */
  prev: string | null;
  att: AttachmentMeta[];
  /** The type-specific content. */
  body: unknown;
  /**
   * Optional: the newest checkpoint of the relay's log the sender verified (a C2SP signed note with the
   * log's signature; PROTOCOL.md §19.6), so the receiver can tell whether both see the same log.
   */
  checkpoint?: string;
}

const CLAIM_KEYS = ['v', 'pid', 'iss', 'dev', 'rcp', 'aud', 'iat', 'type', 'case', 'prev', 'att', 'body'];
const REQUIRED_KEYS = [...CLAIM_KEYS].sort().join(',');
const WITH_CHECKPOINT = [...CLAIM_KEYS, 'checkpoint'].sort().join(',');
/** The longest checkpoint claim: a checkpoint note with a few signature lines fits many times over. */
const MAX_CHECKPOINT_CLAIM = 4096;
const TYPE_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;
const HASH_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const CASE_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

function bad(what: string): never {
  throw new BryggaError('ERR_MALFORMED', `packet claims: ${what}`);
}

/** A base64url string of exactly `length` bytes in its one canonical encoding (PROTOCOL.md §1). */
function isBytes(value: unknown, pattern: RegExp, length: number): boolean {
  if (typeof value !== 'string' || !pattern.test(value)) return false;
  try {
    fromBase64url(value, length);
    return true;
  } catch {
    return false;
  }
}

/** Validate the shape of packet claims. */
export function validateClaims(value: unknown): PacketClaims {
  if (!value || typeof value !== 'object' || Array.isArray(value)) bad('not an object');
  const c = value as Record<string, unknown>;
  const keys = Object.keys(c).sort().join(',');
  if (keys !== REQUIRED_KEYS && keys !== WITH_CHECKPOINT) bad('unexpected members');
  if (c.v !== 1) throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported packet version');
  if (!isBytes(c.pid, PACKET_ID_PATTERN, 16)) bad('pid');
  if (typeof c.iss !== 'string' || !ID_PATTERN.test(c.iss)) bad('iss');
  if (typeof c.dev !== 'string' || !KID_PATTERN.test(c.dev)) bad('dev');
  if (
    !Array.isArray(c.rcp) ||
    c.rcp.length === 0 ||
    !c.rcp.every((d) => typeof d === 'string' && KID_PATTERN.test(d))
  )
    bad('rcp');
  if (
    !Array.isArray(c.aud) ||
    c.aud.length === 0 ||
    !c.aud.every((u) => typeof u === 'string' && ID_PATTERN.test(u))
  )
    bad('aud');
  if (!Number.isSafeInteger(c.iat) || (c.iat as number) < 0) bad('iat');
  if (typeof c.type !== 'string' || !TYPE_PATTERN.test(c.type)) bad('type');
  if (c.case !== null && !isBytes(c.case, CASE_ID_PATTERN, 16)) bad('case');
  if (c.prev !== null && !isBytes(c.prev, HASH_PATTERN, 32)) bad('prev');
  if (!Array.isArray(c.att) || c.att.length > 32) bad('att');
  for (const a of c.att as unknown[]) {
    const m = a as Record<string, unknown>;
    if (!m || typeof m !== 'object' || Object.keys(m).sort().join(',') !== 'name,sha256,size,type')
      bad('attachment');
    if (typeof m.name !== 'string' || m.name.length === 0 || m.name.length > 255) bad('attachment name');
    if (typeof m.type !== 'string' || m.type.length === 0 || m.type.length > 255) bad('attachment type');
    if (!Number.isSafeInteger(m.size) || (m.size as number) < 0) bad('attachment size');
    if (!isBytes(m.sha256, HASH_PATTERN, 32)) bad('attachment sha256');
  }
  if (c.body === undefined) bad('body');
  if (
    'checkpoint' in c &&
    (typeof c.checkpoint !== 'string' || c.checkpoint === '' || c.checkpoint.length > MAX_CHECKPOINT_CLAIM)
  )
    bad('checkpoint');
  return c as unknown as PacketClaims;
}
