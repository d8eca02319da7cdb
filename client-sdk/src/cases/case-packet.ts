/**
 * From signed packets to case packets (PROTOCOL.md §13.1): the claims of an opened packet, or a stored
 * packet JWS verified offline against the directory, turned into what the case log and the reducer work
 * on, with the body validated for its type.
 */
import { decodeCompact, verifyCompact } from '../crypto/jws.js';
import { PACKET_TYP, type PacketClaims, validateClaims } from '../envelope/packet.js';
import { packetHash } from '../envelope/seal.js';
import { BryggaError } from '../errors.js';
import type { CasePacket } from './case-state.js';
import { CASE_LOG_TYPES, isPacketType, type PacketType, validatePacketBody } from './packet-body.js';
import type { DeviceResolver } from './signed-document.js';

/** Claims and hash of a verified packet of a case log, as a {@link CasePacket}. */
export function toCasePacket(claims: PacketClaims, hash: string): CasePacket {
  if (!isPacketType(claims.type) || !CASE_LOG_TYPES.has(claims.type)) {
    throw new BryggaError('ERR_MALFORMED', 'not a case log packet type');
  }
  if (claims.case === null) throw new BryggaError('ERR_MALFORMED', 'a case log packet names its case');
  return {
    hash,
    prev: claims.prev,
    case: claims.case,
    unit: claims.iss,
    pid: claims.pid,
    type: claims.type as PacketType,
    device: claims.dev,
    aud: claims.aud,
    iat: claims.iat,
    body: validatePacketBody(claims.type, claims.body),
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
