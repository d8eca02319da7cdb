/**
 * Ed25519 (RFC 8032) on @noble/curves, with strict verification everywhere (`zip215: false`):
 * non-canonical encodings and small-order public keys are refused, so the SDK, the relay and an
 * auditor agree on exactly which signatures are valid.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { BryggaError } from '../errors.js';
import { assertLength } from './bytes.js';

/** Ed25519 secret (seed), public key and signature lengths in bytes. */
export const ED25519_SECRET_LENGTH = 32;
export const ED25519_PUBLIC_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

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
 * Strict verification. Returns false for any invalid signature, wrong-length input, non-canonical
 * point or scalar, or small-order public key; never throws.
 */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_LENGTH) return false;
  if (!isAcceptablePublicKey(publicKey)) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * A public key is acceptable when it decodes canonically to a point of large order. Small-order keys
 * would let a signer produce signatures that verify for many messages.
 */
export function isAcceptablePublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_LENGTH) return false;
  try {
    const point = ed25519.Point.fromBytes(publicKey, false);
    return !point.isSmallOrder();
  } catch {
    return false;
  }
}

/** Throw ERR_MALFORMED unless `publicKey` is an acceptable Ed25519 public key. */
export function assertEd25519PublicKey(publicKey: Uint8Array): void {
  if (!isAcceptablePublicKey(publicKey)) {
    throw new BryggaError('ERR_MALFORMED', 'not a valid Ed25519 public key');
  }
}
