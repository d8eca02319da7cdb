/**
 * X25519 (RFC 7748) on @noble/curves. An all-zero shared secret (from a low-order peer key) is refused
 * with the generic crypto error, as RFC 9180 §7.1.4 requires of DHKEM(X25519).
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { cryptoError } from '../errors.js';
import { assertLength } from './bytes.js';

/** X25519 key and shared-secret length in bytes. */
export const X25519_LENGTH = 32;

/** The public key of a 32-byte X25519 secret key. */
export function x25519PublicKey(secret: Uint8Array): Uint8Array {
  assertLength(secret, X25519_LENGTH, 'X25519 secret key');
  return x25519.getPublicKey(secret);
}

/** X25519(secret, peer). Throws the generic crypto error for an all-zero result or bad input. */
export function x25519SharedSecret(secret: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  assertLength(secret, X25519_LENGTH, 'X25519 secret key');
  if (!(peerPublic instanceof Uint8Array) || peerPublic.length !== X25519_LENGTH) throw cryptoError();
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(secret, peerPublic);
  } catch {
    throw cryptoError();
  }
  let acc = 0;
  for (const b of shared) acc |= b;
  if (acc === 0) throw cryptoError();
  return shared;
}
