/**
 * Ed25519 (RFC 8032) with Brygga's one verification rule (PROTOCOL.md §3.1, §4.1), written on
 * @noble/curves' point arithmetic rather than its `verify`, whose equation is cofactored and accepts
 * signatures OpenSSL refuses. A signature (R ‖ S) on M under public key A is valid exactly when:
 *
 * 1. A is a valid public key: a canonical encoding (y < p; x = 0 only with the sign bit clear) of a
 *    point in the prime-order subgroup ([L]A = 0) that is not of small order (A ≠ 0);
 * 2. S < L (canonical scalar);
 * 3. R is a canonical encoding of a point that is not of small order;
 * 4. [S]B = R + [k]A with k = SHA-512(R ‖ A ‖ M) mod L, without the cofactor.
 *
 * With A in the prime-order subgroup, (4) can only hold when R is in it too, so the cofactored and the
 * cofactorless equations agree and providers of either kind give the same answers once (1)–(3) are
 * checked. On every key that passes (1) this accepts what OpenSSL accepts, except R = the identity,
 * which no honest signer produces (r ≡ 0 mod L).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { BryggaError } from '../errors.js';
import { assertLength, concatBytes, toBase64url } from './bytes.js';
import { sha512 } from './hash.js';

/** Ed25519 secret (seed), public key and signature lengths in bytes. */
export const ED25519_SECRET_LENGTH = 32;
export const ED25519_PUBLIC_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

type Point = InstanceType<typeof ed25519.Point>;
const Point = ed25519.Point;
/** The order L of the prime-order subgroup. */
const L = Point.Fn.ORDER;

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/**
 * The point a canonical encoding names, or undefined: y ≥ p, x = 0 with the sign bit set, and
 * y-coordinates with no point are refused (RFC 8032 §5.1.3 with its canonicity checks).
 */
function decodeCanonical(bytes: Uint8Array): Point | undefined {
  // zip215 = false: noble refuses y ≥ p and x = 0 with the sign bit set (tested against both forms).
  try {
    return Point.fromBytes(bytes, false);
  } catch {
    return undefined;
  }
}

/** Public keys already judged, by encoding: decoding and [L]A cost as much as a verification. */
const judgedKeys = new Map<string, Point | null>();
const JUDGED_KEYS_KEPT = 1024;

function publicPoint(publicKey: Uint8Array): Point | undefined {
  const id = toBase64url(publicKey);
  const known = judgedKeys.get(id);
  if (known !== undefined) return known ?? undefined;
  const point = decodeCanonical(publicKey);
  const valid = point !== undefined && !point.isSmallOrder() && point.isTorsionFree() ? point : null;
  if (judgedKeys.size >= JUDGED_KEYS_KEPT) judgedKeys.delete(judgedKeys.keys().next().value!);
  judgedKeys.set(id, valid);
  return valid ?? undefined;
}

/** The public key of a 32-byte Ed25519 seed. */
export function ed25519PublicKey(secret: Uint8Array): Uint8Array {
  assertLength(secret, ED25519_SECRET_LENGTH, 'Ed25519 secret key');
  return ed25519.getPublicKey(secret);
}

/** Sign `message` with a 32-byte Ed25519 seed (deterministic, RFC 8032 §5.1.6). */
export function ed25519Sign(secret: Uint8Array, message: Uint8Array): Uint8Array {
  assertLength(secret, ED25519_SECRET_LENGTH, 'Ed25519 secret key');
  return ed25519.sign(message, secret);
}

/**
 * Verify by the rule in the module header. Returns false for any invalid signature, wrong-length
 * input, non-canonical point or scalar, small-order or mixed-order public key, small-order R; never
 * throws.
 */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_LENGTH) return false;
  if (!(message instanceof Uint8Array)) return false;
  const A = publicPoint(publicKey);
  if (!A) return false;
  const s = littleEndian(signature.subarray(32, 64));
  if (s >= L) return false;
  const rBytes = signature.subarray(0, 32);
  const R = decodeCanonical(rBytes);
  if (!R || R.isSmallOrder()) return false;
  const k = littleEndian(sha512(concatBytes(rBytes, publicKey, message))) % L;
  return Point.BASE.multiplyUnsafe(s).equals(R.add(A.multiplyUnsafe(k)));
}

/**
 * A public key is acceptable (PROTOCOL.md §3.1) when it is the canonical encoding of a point in the
 * prime-order subgroup other than the identity. Small-order keys let one signature verify for many
 * messages; mixed-order keys (a subgroup point plus a small-order one) make cofactored and
 * cofactorless verifiers disagree.
 */
export function isAcceptablePublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_LENGTH) return false;
  return publicPoint(publicKey) !== undefined;
}

/** Throw ERR_MALFORMED unless `publicKey` is an acceptable Ed25519 public key. */
export function assertEd25519PublicKey(publicKey: Uint8Array): void {
  if (!isAcceptablePublicKey(publicKey)) {
    throw new BryggaError('ERR_MALFORMED', 'not a valid Ed25519 public key');
  }
}
