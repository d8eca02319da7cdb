/**
 * What a crypto provider implements (provider.ts chooses one; _native.ts and _noble.ts are the two).
 * Inputs are checked by the callers (hash.ts, aead.ts, ed25519.ts, x25519.ts), not here.
 */

/** The names of the providers. */
export type CryptoProviderName = 'native' | 'noble';

/** An Ed25519 private key held by a provider (a KeyObject under `native`, the seed under `noble`). */
export interface Ed25519Secret {
  readonly provider: CryptoProviderName;
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array;
  /** RFC 8032 §5.1.6 signature of `message`. */
  sign(message: Uint8Array): Uint8Array;
  /** A copy of the 32-byte seed (for key files). */
  seed(): Uint8Array;
  /** Forget the secret: wiped where it is bytes, released where it is a platform key. */
  destroy(): void;
}

/** An X25519 private key held by a provider. */
export interface X25519Secret {
  readonly provider: CryptoProviderName;
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array;
  /**
   * X25519(secret, peer), unchecked: the caller refuses an all-zero output. May throw on bad input.
   * `longTerm` says the peer key will come again (a device's published key), so a provider may keep
   * what it made of it; an ephemeral key (an HPKE `enc`) is not kept.
   */
  dh(peer: Uint8Array, longTerm: boolean): Uint8Array;
  /** A copy of the 32 secret bytes. */
  bytes(): Uint8Array;
  destroy(): void;
}

/** scrypt's inputs besides the passphrase and salt (RFC 7914 §2), checked by the caller. */
export interface ScryptInput {
  N: number;
  r: number;
  p: number;
  dkLen: number;
}

/** A provider of the primitives. */
export interface CryptoProvider {
  readonly name: CryptoProviderName;
  /** scrypt (RFC 7914): a fresh array of `dkLen` bytes. */
  scrypt(passphrase: Uint8Array, salt: Uint8Array, params: ScryptInput): Promise<Uint8Array>;
  /**
   * How many scrypt derivations are worth running at once. Each holds 128·N·r bytes while it runs, so
   * running more than the provider works on in parallel only adds to the memory held.
   */
  readonly scryptConcurrency: number;
  sha256(data: Uint8Array): Uint8Array;
  sha512(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  ed25519Secret(seed: Uint8Array): Ed25519Secret;
  /**
   * The equation [S]B = R + [k]A for a key the rule has admitted and a signature whose S < L and whose
   * R is not the identity; the provider makes sure nothing else (a non-canonical or small-order R) can
   * pass, which for OpenSSL follows from its comparing encodings (ed25519.ts).
   */
  ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /**
   * The same equation, computed off the calling thread where the platform can (node:crypto's one-shot
   * verify with a callback runs on libuv's thread pool); absent, {@link ed25519Verify} answers.
   */
  ed25519VerifyAsync?(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean>;
  x25519Secret(secret: Uint8Array): X25519Secret;
  /** ChaCha20-Poly1305 (RFC 8439): ciphertext ‖ 16-byte tag. */
  chachaSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Throws (anything) when the tag does not verify. */
  chachaOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  xchachaSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  xchachaOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}
