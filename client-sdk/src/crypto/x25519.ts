/**
 * X25519 (RFC 7748) on the crypto provider (provider.ts). An all-zero shared secret (from a low-order peer key) is refused
 * with the generic crypto error, as RFC 9180 §7.1.4 requires of DHKEM(X25519). A public key is admitted
 * only when it is canonical and not of low order (PROTOCOL.md §3.1), so no statement can publish, and no
 * envelope be sealed to, a key whose shared secret is known to everyone.
 */
import { BryggaError, cryptoError } from '../errors.js';
import { assertLength, toBase64url } from './bytes.js';
import { provider, type X25519Secret } from './provider.js';

/** X25519 key and shared-secret length in bytes. */
export const X25519_LENGTH = 32;

/**
 * An X25519 private key as the crypto provider holds it (an OpenSSL key under `native`), made once and
 * used for many exchanges: importing a key costs more than an exchange does.
 */
export class X25519PrivateKey {
  readonly #secret: X25519Secret;
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array;

  private constructor(secret: X25519Secret) {
    this.#secret = secret;
    this.publicKey = secret.publicKey;
  }

  /** The key whose secret is these 32 bytes (any 32 bytes: X25519 clamps, RFC 7748 §5). */
  static fromBytes(secret: Uint8Array): X25519PrivateKey {
    assertLength(secret, X25519_LENGTH, 'X25519 secret key');
    return new X25519PrivateKey(provider().x25519Secret(secret));
  }

  /**
   * X25519(this, peer). Throws the generic crypto error for an all-zero result or bad input. `ephemeral`
   * marks a peer key used once (an HPKE `enc`), which the provider then does not keep.
   */
  sharedSecret(peerPublic: Uint8Array, opts?: { ephemeral?: boolean }): Uint8Array {
    if (!(peerPublic instanceof Uint8Array) || peerPublic.length !== X25519_LENGTH) throw cryptoError();
    let shared: Uint8Array;
    try {
      shared = this.#secret.dh(peerPublic, opts?.ephemeral !== true);
    } catch {
      throw cryptoError();
    }
    let acc = 0;
    for (const b of shared) acc |= b;
    if (acc === 0 || shared.length !== X25519_LENGTH) throw cryptoError();
    return shared;
  }

  /** A copy of the 32 secret bytes. Wipe it after use. */
  exportSecret(): Uint8Array {
    return this.#secret.bytes();
  }

  /** Forget the secret; the key is unusable afterwards. */
  destroy(): void {
    this.#secret.destroy();
  }
}

/** The public key of a 32-byte X25519 secret key. */
export function x25519PublicKey(secret: Uint8Array): Uint8Array {
  const key = X25519PrivateKey.fromBytes(secret);
  key.destroy();
  return key.publicKey;
}

/**
 * X25519(secret, peer), the secret as bytes or as a key made before. Throws the generic crypto error
 * for an all-zero result or bad input.
 */
export function x25519SharedSecret(
  secret: Uint8Array | X25519PrivateKey,
  peerPublic: Uint8Array,
): Uint8Array {
  if (secret instanceof X25519PrivateKey) return secret.sharedSecret(peerPublic);
  const key = X25519PrivateKey.fromBytes(secret);
  try {
    return key.sharedSecret(peerPublic);
  } finally {
    key.destroy();
  }
}

/** 2^255 − 19, the field prime of Curve25519. */
const P = 2n ** 255n - 19n;

/**
 * The u-coordinates of the points of order 1, 2, 4 and 8 below p (the list libsodium refuses, reduced to
 * its canonical members: every other member is ≥ p), as 32-byte little-endian base64url.
 */
const LOW_ORDER = new Set(
  [
    '0000000000000000000000000000000000000000000000000000000000000000', // 0
    '0100000000000000000000000000000000000000000000000000000000000000', // 1
    'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', // order 8
    '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157', // order 8
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p − 1
  ].map((hex) => toBase64url(Uint8Array.from(hex.match(/../g)!.map((b) => Number.parseInt(b, 16))))),
);

/**
 * Whether `publicKey` is an acceptable X25519 public key (PROTOCOL.md §3.1): 32 bytes whose
 * little-endian value u is below p = 2^255 − 19 (so the top bit is clear and no value has two
 * encodings), and not one of the low-order u-coordinates (0, 1, p − 1 and the two of order 8).
 */
export function isAcceptableX25519PublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== X25519_LENGTH) return false;
  let u = 0n;
  for (let i = X25519_LENGTH - 1; i >= 0; i--) u = (u << 8n) | BigInt(publicKey[i]!);
  return u < P && !LOW_ORDER.has(toBase64url(publicKey));
}

/** Throw ERR_MALFORMED unless `publicKey` is an acceptable X25519 public key. */
export function assertX25519PublicKey(publicKey: Uint8Array): void {
  if (!isAcceptableX25519PublicKey(publicKey)) {
    throw new BryggaError(
      'ERR_MALFORMED',
      'not an acceptable X25519 public key (non-canonical or of low order)',
    );
  }
}
