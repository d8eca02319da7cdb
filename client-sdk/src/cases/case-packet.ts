/**
 * From signed packets to case packets (PROTOCOL.md §13.1): the claims of an opened packet, or a stored
 * packet JWS verified offline against the directory, turned into what the case log and the reducer work
 * on, with the body validated for its type.
 */
import { decodeCompact, verifyCompact } from '../crypto/jws.js';
import { PACKET_TYP, type PacketClaims, validateClaims } from '../envelope/packet.js';
import { packetHash } from '../envelope/seal.js';
import { BryggaError } from '../errors.js';
import type { ChainLink } from './case-log.js';
import { type CaseLogType, isCaseLogType, type TypedBody, typedBody } from './packet-body.js';
import type { DeviceResolver } from './signed-document.js';

/** What a case packet carries besides its type and body. */
interface CasePacketFields extends ChainLink {
  pid: string;
  /** Sending device. */
  device: string;
  /** Recipient units (`aud`). */
  aud: readonly string[];
  /** Recipient devices (`rcp`), which the case's circle bounds (PROTOCOL.md §13.6). */
  rcp: readonly string[];
  /** Signing time (NumericDate). */
  iat: number;
}

/**
 * A verified packet of a case log, as the case log and the reducer see it: a union discriminated by
 * `type`, so checking the type narrows the body. `CasePacket<'referral'>` is a referral alone.
 */
export type CasePacket<T extends CaseLogType = CaseLogType> = CasePacketFields & TypedBody<T>;

/** Claims and hash of a verified packet of a case log, as a {@link CasePacket}. */
export function toCasePacket(claims: PacketClaims, hash: string): CasePacket {
  if (!isCaseLogType(claims.type)) throw new BryggaError('ERR_MALFORMED', 'not a case log packet type');
  if (claims.case === null) throw new BryggaError('ERR_MALFORMED', 'a case log packet names its case');
  return {
    hash,
    prev: claims.prev,
    case: claims.case,
    unit: claims.iss,
    pid: claims.pid,
    device: claims.dev,
    aud: claims.aud,
    rcp: claims.rcp,
    iat: claims.iat,
    ...typedBody(claims.type, claims.body),
  };
}

/**
 * Verify a stored packet JWS offline: signed by a known device of the unit it names, not after that
 * device's revocation, with well-formed claims. Returns the claims and the packet hash.
 */
export function verifyPacketJws(
  jws: string,
  resolve: DeviceResolver,
): { claims: PacketClaims; hash: string } {
  const decoded = decodeCompact(jws);
  const signer = resolve(decoded.header.kid);
  if (!signer) throw new BryggaError('ERR_UNKNOWN_KEY', 'a packet is signed by an unknown device');
  const claims = validateClaims(verifyCompact(jws, PACKET_TYP, signer.key).payload);
  if (claims.dev !== decoded.header.kid || claims.iss !== signer.unit) {
    throw new BryggaError('ERR_CLAIMS_MISMATCH', 'a packet names another sender than its signer');
  }
  if (signer.revokedAt !== undefined && claims.iat >= signer.revokedAt) {
    throw new BryggaError('ERR_KEY_REVOKED', 'a packet was signed after its device was revoked');
  }
  return { claims, hash: packetHash(jws) };
}
