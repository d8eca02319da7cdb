/**
 * The two AEADs Brygga uses, on the crypto provider (provider.ts): ChaCha20-Poly1305 (RFC 8439,
 * 12-byte nonce; HPKE's AEAD) and XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha, 24-byte nonce; payloads
 * and keys at rest). Lengths are checked on entry; every open failure is the generic crypto error.
 */
import { BryggaError, cryptoError } from '../errors.js';
import { assertLength } from './bytes.js';
import { provider } from './provider.js';

export const AEAD_KEY_LENGTH = 32;
const AEAD_TAG_LENGTH = 16;
export const CHACHA_NONCE_LENGTH = 12;
const XCHACHA_NONCE_LENGTH = 24;

/** Associated data and plaintext are bytes (a platform cipher would take a string as well). */
function assertData(aad: unknown, plaintext: unknown): void {
  if (!(aad instanceof Uint8Array) || !(plaintext instanceof Uint8Array)) {
    throw new BryggaError('ERR_MALFORMED', 'associated data and plaintext must be Uint8Arrays');
  }
}

/** ChaCha20-Poly1305 encryption; returns ciphertext with the 16-byte tag appended. */
export function chachaSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  assertLength(key, AEAD_KEY_LENGTH, 'ChaCha20-Poly1305 key');
  assertLength(nonce, CHACHA_NONCE_LENGTH, 'ChaCha20-Poly1305 nonce');
  assertData(aad, plaintext);
  return provider().chachaSeal(key, nonce, aad, plaintext);
}

/** ChaCha20-Poly1305 decryption; throws the generic crypto error on any failure. */
export function chachaOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  if (key?.length !== AEAD_KEY_LENGTH || nonce?.length !== CHACHA_NONCE_LENGTH) throw cryptoError();
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length < AEAD_TAG_LENGTH) throw cryptoError();
  if (!(aad instanceof Uint8Array)) throw cryptoError();
  try {
    return provider().chachaOpen(key, nonce, aad, ciphertext);
  } catch {
    throw cryptoError();
  }
}

/** XChaCha20-Poly1305 encryption; returns ciphertext with the 16-byte tag appended. */
export function xchachaSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  assertLength(key, AEAD_KEY_LENGTH, 'XChaCha20-Poly1305 key');
  assertLength(nonce, XCHACHA_NONCE_LENGTH, 'XChaCha20-Poly1305 nonce');
  assertData(aad, plaintext);
  return provider().xchachaSeal(key, nonce, aad, plaintext);
}

/** XChaCha20-Poly1305 decryption; throws the generic crypto error on any failure. */
export function xchachaOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  if (key?.length !== AEAD_KEY_LENGTH || nonce?.length !== XCHACHA_NONCE_LENGTH) throw cryptoError();
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length < AEAD_TAG_LENGTH) throw cryptoError();
  if (!(aad instanceof Uint8Array)) throw cryptoError();
  try {
    return provider().xchachaOpen(key, nonce, aad, ciphertext);
  } catch {
    throw cryptoError();
  }
}
