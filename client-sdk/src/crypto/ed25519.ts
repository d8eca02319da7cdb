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
 *
 * The rule is this code for every crypto provider (provider.ts): (1) runs once per key, on @noble's
 * point arithmetic, and its verdict is kept; (2) and R ≠ the identity are checked here on the bytes;
 * the provider then answers (3) and (4). @noble decodes R and refuses it when of small order before its
 * cofactorless equation; OpenSSL compares the canonical encoding of [S]B − [k]A with R, which no
 * non-canonical R can equal and, A being in the prime-order subgroup, no small-order R but the identity.
 */
import { BryggaError } from '../errors.js';
import { decodeCanonicalPoint } from './_noble.js';
import { assertLength, toBase64url } from './bytes.js';
import { type Ed25519Secret, provider } from './provider.js';

/** Ed25519 secret (seed), public key and signature lengths in bytes. */
export const ED25519_SECRET_LENGTH = 32;
export const ED25519_PUBLIC_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

/** The order L of the prime-order subgroup, 2^252 + 27742317777372353535851937790883648493, little-endian. */
const L_BYTES = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

/** Whether the little-endian 32-byte scalar `s` is below L. */
function isCanonicalScalar(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i]! !== L_BYTES[i]!) return s[i]! < L_BYTES[i]!;
  }
  return false;
}

/** Whether R is 01 00 … 00, the canonical encoding of the identity. */
function isIdentity(r: Uint8Array): boolean {
  if (r[0] !== 1) return false;
  for (let i = 1; i < 32; i++) if (r[i] !== 0) return false;
  return true;
}

/** Public keys already judged by (1), by encoding: decoding and [L]A cost as much as a verification. */
const judgedKeys = new Map<string, boolean>();
const JUDGED_KEYS_KEPT = 1024;

function isJudgedValid(publicKey: Uint8Array): boolean {
  const id = toBase64url(publicKey);
  const known = judgedKeys.get(id);
  if (known !== undefined) return known;
  const point = decodeCanonicalPoint(publicKey);
  const valid = point !== undefined && !point.isSmallOrder() && point.isTorsionFree();
  if (judgedKeys.size >= JUDGED_KEYS_KEPT) judgedKeys.delete(judgedKeys.keys().next().value!);
  judgedKeys.set(id, valid);
  return valid;
}

/** An Ed25519 private key as the crypto provider holds it (an OpenSSL key under `native`). */
export function ed25519Secret(secret: Uint8Array): Ed25519Secret {
  assertLength(secret, ED25519_SECRET_LENGTH, 'Ed25519 secret key');
  return provider().ed25519Secret(secret);
}

/** The public key of a 32-byte Ed25519 seed. */
export function ed25519PublicKey(secret: Uint8Array): Uint8Array {
  const key = ed25519Secret(secret);
  key.destroy();
  return key.publicKey;
}

/**
 * Sign `message` with a 32-byte Ed25519 seed (deterministic, RFC 8032 §5.1.6). A key that signs
 * often is better made once ({@link ed25519Secret}, as SigningKeyPair does).
 */
export function ed25519Sign(secret: Uint8Array, message: Uint8Array): Uint8Array {
  const key = ed25519Secret(secret);
  try {
    return key.sign(message);
  } finally {
    key.destroy();
  }
}

/**
 * Verify by the rule in the module header. Returns false for any invalid signature, wrong-length
 * input, non-canonical point or scalar, small-order or mixed-order public key, small-order R; never
 * throws.
 */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!passesByteChecks(signature, message, publicKey)) return false;
  try {
    return provider().ed25519Verify(signature, message, publicKey) === true;
  } catch {
    return false;
  }
}

/**
 * {@link ed25519Verify}, with the provider's equation computed off the calling thread where the
 * platform can (the native provider: libuv's thread pool), so that a server's event loop is free
 * meanwhile; the same rule and answers. Never rejects.
 */
export async function ed25519VerifyAsync(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): Promise<boolean> {
  if (!passesByteChecks(signature, message, publicKey)) return false;
  const p = provider();
  try {
    if (!p.ed25519VerifyAsync) return p.ed25519Verify(signature, message, publicKey) === true;
    return (await p.ed25519VerifyAsync(signature, message, publicKey)) === true;
  } catch {
    return false;
  }
}

/** The rule's checks before the provider's equation (module header): lengths, (1), (2) and R ≠ the identity. */
function passesByteChecks(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_LENGTH) return false;
  if (!(message instanceof Uint8Array)) return false;
  if (!isJudgedValid(publicKey)) return false;
  if (!isCanonicalScalar(signature.subarray(32, 64))) return false;
  return !isIdentity(signature.subarray(0, 32));
}

/**
 * A public key is acceptable (PROTOCOL.md §3.1) when it is the canonical encoding of a point in the
 * prime-order subgroup other than the identity. Small-order keys let one signature verify for many
 * messages; mixed-order keys (a subgroup point plus a small-order one) make cofactored and
 * cofactorless verifiers disagree.
 */
export function isAcceptablePublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_LENGTH) return false;
  return isJudgedValid(publicKey);
}

/** Throw ERR_MALFORMED unless `publicKey` is an acceptable Ed25519 public key. */
export function assertEd25519PublicKey(publicKey: Uint8Array): void {
  if (!isAcceptablePublicKey(publicKey)) {
    throw new BryggaError('ERR_MALFORMED', 'not a valid Ed25519 public key');
  }
}
