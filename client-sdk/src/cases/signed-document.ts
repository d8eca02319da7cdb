/**
 * Signed case documents (PROTOCOL.md §12.3): consent attestations, withdrawals, receipts, quota claims
 * and releases are compact JWS (PROTOCOL.md §4) signed by a device key, each with its own `typ`, so a
 * case system can archive them and a court can check them without the rest of Brygga. A document is
 * valid when its signer is a device of the unit it names, enrolled under the agreement and not revoked
 * when it signed.
 */
import { toBase64url, utf8 } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { decodeCompact, signCompact, verifyCompact } from '../crypto/jws.js';
import type { SigningKeyPair, SigningPublicKey } from '../crypto/keys.js';
import type { Directory } from '../directory/directory.js';
import { BryggaError, cryptoError } from '../errors.js';

/** What a verifier needs to know about a signing device. */
export interface SignerRecord {
  unit: string;
  key: SigningPublicKey;
  /** NumericDate of the device's revocation, if revoked. */
  revokedAt?: number | undefined;
}

/** Looks up a device by key id (a {@link Directory} does, through {@link directoryResolver}). */
export type DeviceResolver = (kid: string) => SignerRecord | undefined;

/** A device resolver backed by a verified directory (revoked devices included, with their revocation time). */
export function directoryResolver(directory: Directory): DeviceResolver {
  return (kid) => {
    const d = directory.device(kid);
    return d ? { unit: d.unit, key: d.key, revokedAt: d.revokedAt } : undefined;
  };
}

/** A verified document: its payload, signing device and the unit that device belongs to. */
export interface VerifiedDocument<T> {
  jws: string;
  payload: T;
  device: string;
  unit: string;
}

/**
 * The hash that names a document: b64u(SHA-256) of its text (a compact JWS as it travelled). Evidence
 * manifests list receipts by it (PROTOCOL.md §17); stores may key documents by it.
 */
export function documentHash(text: string): string {
  return toBase64url(sha256(utf8(text)));
}

/** Sign a document payload as a compact JWS of type `typ` with a device key. */
export function signDocument(typ: string, payload: unknown, device: SigningKeyPair): string {
  return signCompact(typ, payload, device);
}

/**
 * Verify a document: the JWS type, the signature of a known device, the payload's shape (`validate`),
 * that the signing device belongs to the unit the payload names (`unitOf`), and that the device was
 * not revoked when it signed (`iatOf`). A structural problem is ERR_MALFORMED; an unknown or revoked
 * signer is ERR_UNKNOWN_KEY / ERR_KEY_REVOKED; a bad signature is ERR_CRYPTO; a signer of another
 * unit is ERR_WRONG_PARTY.
 */
export function verifyDocument<T>(
  jws: string,
  typ: string,
  resolve: DeviceResolver,
  validate: (payload: unknown) => T,
  unitOf: (payload: T) => string,
  iatOf: (payload: T) => number,
): VerifiedDocument<T> {
  const decoded = decodeCompact(jws);
  if (decoded.header.typ !== typ) throw cryptoError();
  const signer = resolve(decoded.header.kid);
  if (!signer) throw new BryggaError('ERR_UNKNOWN_KEY', `${typ} signed by an unknown device`);
  const payload = validate(verifyCompact(jws, typ, signer.key).payload);
  if (signer.unit !== unitOf(payload)) {
    throw new BryggaError('ERR_WRONG_PARTY', `${typ} is signed by a device of another unit`);
  }
  if (signer.revokedAt !== undefined && iatOf(payload) >= signer.revokedAt) {
    throw new BryggaError('ERR_KEY_REVOKED', `${typ} signed after its device was revoked`);
  }
  return { jws, payload, device: decoded.header.kid, unit: signer.unit };
}
