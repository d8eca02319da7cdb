/**
 * Key classes (PROTOCOL.md §3): Ed25519 signing keys (unit roots and devices) and X25519 HPKE keys
 * (device encryption keys). Key ids are derived from the key bytes; humans compare safety numbers.
 *
 * Keys are small classes with `serialize()` / `static deserialize()`, never bare byte arrays.
 */

import {
  assertLength,
  concatBytes,
  fromBase64url,
  type Rng,
  randomBytes,
  toBase64url,
  utf8,
  wipe,
} from './bytes.js';
import {
  assertEd25519PublicKey,
  ED25519_PUBLIC_LENGTH,
  ED25519_SECRET_LENGTH,
  ed25519Secret,
  ed25519Verify,
  ed25519VerifyAsync,
} from './ed25519.js';
import { sha256, sha512 } from './hash.js';
import type { Ed25519Secret } from './provider.js';
import { assertX25519PublicKey, X25519_LENGTH, X25519PrivateKey } from './x25519.js';

/** The algorithms a Brygga key can be for. */
export type KeyAlgorithm = 'Ed25519' | 'X25519';

/**
 * Key id: base64url(SHA-256(UTF-8("brygga/v1/kid/" + alg) || publicKey)), 43 characters.
 * The algorithm is part of the hash so one byte string never names two kinds of key.
 */
export function keyId(alg: KeyAlgorithm, publicKey: Uint8Array): string {
  return toBase64url(sha256(concatBytes(utf8(`brygga/v1/kid/${alg}`), publicKey)));
}

/** Number of SHA-512 iterations behind a safety number; slows down a search for look-alike keys. */
const FINGERPRINT_ITERATIONS = 5200;

/**
 * A safety number: 30 decimal digits in six groups of five, derived from a public key and the name of
 * its owner, for two people to read to each other over the phone when a unit is enrolled.
 *
 * @example safetyNumber(root.publicKey.bytes, 'stockholm-jarva') // '03914 55021 77310 ...'
 */
export function safetyNumber(publicKey: Uint8Array, owner: string): string {
  const pub = publicKey;
  let h = sha512(
    concatBytes(utf8('brygga/v1/fingerprint'), new Uint8Array([0]), utf8(owner), new Uint8Array([0]), pub),
  );
  for (let i = 1; i < FINGERPRINT_ITERATIONS; i++) h = sha512(concatBytes(h, pub));
  const groups: string[] = [];
  for (let g = 0; g < 6; g++) {
    let n = 0;
    for (let i = 0; i < 5; i++) n = n * 256 + h[g * 5 + i]!;
    groups.push(String(n % 100000).padStart(5, '0'));
  }
  return groups.join(' ');
}

/** An Ed25519 public key: a unit root or a device signing key. */
export class SigningPublicKey {
  readonly bytes: Uint8Array;
  readonly kid: string;

  constructor(bytes: Uint8Array) {
    assertLength(bytes, ED25519_PUBLIC_LENGTH, 'Ed25519 public key');
    assertEd25519PublicKey(bytes);
    this.bytes = Uint8Array.from(bytes);
    this.kid = keyId('Ed25519', this.bytes);
  }

  /** Strict Ed25519 verification of a raw signature. */
  verify(signature: Uint8Array, message: Uint8Array): boolean {
    return ed25519Verify(signature, message, this.bytes);
  }

  /**
   * {@link verify}, computed off the calling thread where the platform can (PROTOCOL.md §4.1's rule,
   * the same answers): for a server that verifies on its event loop.
   */
  verifyAsync(signature: Uint8Array, message: Uint8Array): Promise<boolean> {
    return ed25519VerifyAsync(signature, message, this.bytes);
  }

  /** The safety number of this key as the key of `owner` (a unit id). */
  safetyNumber(owner: string): string {
    return safetyNumber(this.bytes, owner);
  }

  /** base64url of the 32 key bytes. */
  serialize(): string {
    return toBase64url(this.bytes);
  }

  static deserialize(text: string): SigningPublicKey {
    return new SigningPublicKey(fromBase64url(text, ED25519_PUBLIC_LENGTH));
  }

  equals(other: SigningPublicKey): boolean {
    return this.kid === other.kid;
  }
}

/**
 * An Ed25519 key pair. The secret is a 32-byte RFC 8032 seed, held by the crypto provider that was in
 * use when the pair was made (an OpenSSL key under `native`, made once here; the seed's bytes under
 * `noble`).
 */
export class SigningKeyPair {
  readonly publicKey: SigningPublicKey;
  readonly #secret: Ed25519Secret;

  private constructor(secret: Uint8Array) {
    assertLength(secret, ED25519_SECRET_LENGTH, 'Ed25519 secret key');
    this.#secret = ed25519Secret(secret);
    this.publicKey = new SigningPublicKey(this.#secret.publicKey);
  }

  static generate(rng?: Rng): SigningKeyPair {
    const seed = randomBytes(ED25519_SECRET_LENGTH, rng);
    try {
      return new SigningKeyPair(seed);
    } finally {
      wipe(seed);
    }
  }

  static fromSecret(secret: Uint8Array): SigningKeyPair {
    return new SigningKeyPair(secret);
  }

  get kid(): string {
    return this.publicKey.kid;
  }

  sign(message: Uint8Array): Uint8Array {
    return this.#secret.sign(message);
  }

  /** A copy of the secret seed, for encrypting at rest. Wipe it after use. */
  exportSecret(): Uint8Array {
    return this.#secret.seed();
  }

  /** Forget the secret (overwritten where it is bytes); the key pair is unusable afterwards. */
  destroy(): void {
    this.#secret.destroy();
  }
}

/** An X25519 public key used as an HPKE recipient key. */
export class HpkePublicKey {
  readonly bytes: Uint8Array;
  readonly kid: string;

  constructor(bytes: Uint8Array) {
    assertLength(bytes, X25519_LENGTH, 'X25519 public key');
    assertX25519PublicKey(bytes);
    this.bytes = Uint8Array.from(bytes);
    this.kid = keyId('X25519', this.bytes);
  }

  serialize(): string {
    return toBase64url(this.bytes);
  }

  static deserialize(text: string): HpkePublicKey {
    return new HpkePublicKey(fromBase64url(text, X25519_LENGTH));
  }
}

/**
 * An X25519 key pair for HPKE (a device's rotating encryption key), its secret held by the crypto
 * provider as {@link SigningKeyPair}'s is.
 */
export class HpkeKeyPair {
  readonly publicKey: HpkePublicKey;
  readonly #secret: X25519PrivateKey;

  private constructor(secret: Uint8Array) {
    this.#secret = X25519PrivateKey.fromBytes(secret);
    this.publicKey = new HpkePublicKey(this.#secret.publicKey);
  }

  /** A fresh key pair; X25519 clamps any 32 random bytes into a valid secret (RFC 7748 §5). */
  static generate(rng?: Rng): HpkeKeyPair {
    const secret = randomBytes(X25519_LENGTH, rng);
    try {
      return new HpkeKeyPair(secret);
    } finally {
      wipe(secret);
    }
  }

  static fromSecret(secret: Uint8Array): HpkeKeyPair {
    return new HpkeKeyPair(secret);
  }

  get kid(): string {
    return this.publicKey.kid;
  }

  /** The private key for HPKE decapsulation (`setupBaseR`), as the provider holds it: not its bytes. */
  get privateKey(): X25519PrivateKey {
    return this.#secret;
  }

  /** The raw secret, for encrypting at rest. Wipe it after use; do not keep copies. */
  exportSecret(): Uint8Array {
    return this.#secret.exportSecret();
  }

  /** Forget the secret (overwritten where it is bytes); the key pair is unusable afterwards. */
  destroy(): void {
    this.#secret.destroy();
  }
}
