/**
 * The `native` crypto provider (provider.ts): the platform's own crypto, `node:crypto` (OpenSSL), for
 * SHA-2, HMAC-SHA256, Ed25519, X25519 and ChaCha20-Poly1305; XChaCha20-Poly1305 is @noble's HChaCha20
 * (draft-irtf-cfrg-xchacha §2.2) in front of the platform's ChaCha20-Poly1305.
 *
 * `node:crypto` is reached through `process.getBuiltinModule` (Node 20.16+, Deno, Bun), synchronously
 * and without an import a browser bundle would have to resolve; where it is missing, or on a big-endian
 * host (HChaCha20's words are read little-endian here), this provider is undefined and `noble` serves.
 *
 * Private keys are OpenSSL keys (Node `KeyObject`s), made once per key pair and kept (keys.ts); the
 * bytes exist only while a key is imported or exported. What remains bytes: the HPKE key schedule's
 * intermediate secrets and the content key (HMAC and AEAD keys are passed as bytes to OpenSSL, which
 * copies them), and the ephemeral HPKE secret while it is derived (RFC 9180 §7.1.3).
 */
import { hchacha } from '@noble/ciphers/chacha.js';
import type { CryptoProvider, Ed25519Secret, ScryptInput, X25519Secret } from './_provider-types.js';
import { fromBase64url, toBase64url } from './bytes.js';

/** The parts of `node:crypto` this provider uses, as shapes (the SDK compiles without Node's types). */
interface KeyObject {
  export(options: { format: 'jwk' }): { d?: string; x?: string };
}
interface Jwk {
  kty: 'OKP';
  crv: 'Ed25519' | 'X25519';
  x: string;
  d?: string;
}
interface Cipher {
  setAAD(aad: Uint8Array): unknown;
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
  getAuthTag(): Uint8Array;
}
interface Decipher {
  setAAD(aad: Uint8Array): unknown;
  setAuthTag(tag: Uint8Array): unknown;
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
}
interface Digest {
  update(data: Uint8Array): { digest(): Uint8Array };
}
interface NodeCrypto {
  /** One-shot digest (Node 20.12+, 21.7+): half the cost of createHash on the small inputs of a Merkle tree. */
  hash?(algorithm: string, data: Uint8Array, outputEncoding: 'buffer'): Uint8Array;
  createHash(algorithm: string): Digest;
  createHmac(algorithm: string, key: Uint8Array): Digest;
  createPrivateKey(options: { key: Jwk; format: 'jwk' }): KeyObject;
  createPublicKey(options: { key: Jwk; format: 'jwk' }): KeyObject;
  sign(algorithm: null, data: Uint8Array, key: KeyObject): Uint8Array;
  verify(algorithm: null, data: Uint8Array, key: KeyObject, signature: Uint8Array): boolean;
  verify(
    algorithm: null,
    data: Uint8Array,
    key: KeyObject,
    signature: Uint8Array,
    callback: (err: Error | null, valid: boolean) => void,
  ): void;
  diffieHellman(options: { privateKey: KeyObject; publicKey: KeyObject }): Uint8Array;
  createCipheriv(
    algorithm: string,
    key: Uint8Array,
    iv: Uint8Array,
    options: { authTagLength: number },
  ): Cipher;
  createDecipheriv(
    algorithm: string,
    key: Uint8Array,
    iv: Uint8Array,
    options: { authTagLength: number },
  ): Decipher;
  getCiphers(): string[];
  scrypt(
    password: Uint8Array,
    salt: Uint8Array,
    keylen: number,
    options: { N: number; r: number; p: number; maxmem: number },
    callback: (err: Error | null, key: Uint8Array) => void,
  ): void;
}

function loadNodeCrypto(): NodeCrypto | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const crypto = process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
    if (!crypto?.getCiphers().includes('chacha20-poly1305')) return undefined;
    return crypto;
  } catch {
    return undefined;
  }
}

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const node = littleEndianHost ? loadNodeCrypto() : undefined;

const TAG_LENGTH = 16;
const CHACHA = 'chacha20-poly1305';
const OPTIONS = { authTagLength: TAG_LENGTH } as const;

/** A plain Uint8Array over a Buffer's bytes (no copy), so no Buffer semantics leak into the SDK. */
function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * scrypt on OpenSSL, on libuv's thread pool (off the event loop, several at once). OpenSSL refuses a
 * derivation needing more than `maxmem` bytes, counted as 128·r·(N + 2) for V and 128·r·p for B
 * (EVP_PBE_scrypt); the limit given is that, so every cost the caller admitted runs.
 */
function scryptOn(crypto: NodeCrypto, passphrase: Uint8Array, salt: Uint8Array, params: ScryptInput) {
  const { N, r, p, dkLen } = params;
  const maxmem = 128 * r * (N + 2 + p) + 2 ** 20;
  return new Promise<Uint8Array>((resolve, reject) => {
    crypto.scrypt(passphrase, salt, dkLen, { N, r, p, maxmem }, (err, key) => {
      if (err) return reject(err);
      // A fresh array the caller may keep or wipe; Node's Buffer is wiped.
      const out = Uint8Array.from(key);
      key.fill(0);
      resolve(out);
    });
  });
}

/** Threads in libuv's pool, where scrypt runs: UV_THREADPOOL_SIZE, read by libuv at start, else 4. */
function threadPoolSize(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const size = Number(env?.UV_THREADPOOL_SIZE);
  return Number.isSafeInteger(size) && size >= 1 ? Math.min(size, 1024) : 4;
}

/** Public KeyObjects by curve and encoding: an import costs more than the HMACs of an HPKE setup. */
const publicKeys = new Map<string, KeyObject>();
const PUBLIC_KEYS_KEPT = 1024;

function publicKeyObject(
  crv: 'Ed25519' | 'X25519',
  bytes: Uint8Array,
  crypto: NodeCrypto,
  keep = true,
): KeyObject {
  const x = toBase64url(bytes);
  const id = `${crv}:${x}`;
  const known = publicKeys.get(id);
  if (known) return known;
  const key = crypto.createPublicKey({ key: { kty: 'OKP', crv, x }, format: 'jwk' });
  if (!keep) return key;
  if (publicKeys.size >= PUBLIC_KEYS_KEPT) publicKeys.delete(publicKeys.keys().next().value!);
  publicKeys.set(id, key);
  return key;
}

/**
 * An OpenSSL private key from its 32 bytes. Node derives the public key from `d` alone (its JWK import
 * requires `x` to be a string but does not read it for a private key); the public key used is the one
 * read back from the key, never the placeholder.
 */
function privateKeyObject(
  crv: 'Ed25519' | 'X25519',
  secret: Uint8Array,
  crypto: NodeCrypto,
): { key: KeyObject; publicKey: Uint8Array } {
  const key = crypto.createPrivateKey({
    key: { kty: 'OKP', crv, d: toBase64url(secret), x: '' },
    format: 'jwk',
  });
  return { key, publicKey: fromBase64url(key.export({ format: 'jwk' }).x ?? '', 32) };
}

function readSecret(key: KeyObject | undefined): Uint8Array {
  if (!key) throw new TypeError('key destroyed');
  return fromBase64url(key.export({ format: 'jwk' }).d ?? '', 32);
}

function seal(
  crypto: NodeCrypto,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
) {
  const cipher = crypto.createCipheriv(CHACHA, key, nonce, OPTIONS);
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const last = cipher.final();
  // A fresh array, not a Buffer from Node's shared pool: the caller may keep or wipe it.
  const out = new Uint8Array(body.length + last.length + TAG_LENGTH);
  out.set(body, 0);
  out.set(last, body.length);
  out.set(cipher.getAuthTag(), body.length + last.length);
  return out;
}

function open(
  crypto: NodeCrypto,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
) {
  const split = ciphertext.length - TAG_LENGTH;
  if (split < 0) throw new TypeError('ciphertext shorter than a tag');
  const decipher = crypto.createDecipheriv(CHACHA, key, nonce, OPTIONS);
  decipher.setAAD(aad);
  decipher.setAuthTag(ciphertext.subarray(split));
  const body = plain(decipher.update(ciphertext.subarray(0, split)));
  decipher.final(); // throws when the tag does not verify
  return body;
}

const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]); // "expand 32-byte k"

/** draft-irtf-cfrg-xchacha §2.3: HChaCha20(key, nonce[0..16]) as the key, 0⁴ ‖ nonce[16..24] as the nonce. */
function xchachaParts(key: Uint8Array, nonce: Uint8Array): { subkey: Uint8Array; subnonce: Uint8Array } {
  const k = new Uint32Array(8);
  const n = new Uint32Array(4);
  new Uint8Array(k.buffer).set(key);
  new Uint8Array(n.buffer).set(nonce.subarray(0, 16));
  const out = new Uint32Array(8);
  hchacha(SIGMA, k, n, out);
  k.fill(0);
  const subnonce = new Uint8Array(12);
  subnonce.set(nonce.subarray(16, 24), 4);
  return { subkey: new Uint8Array(out.buffer), subnonce };
}

function makeProvider(crypto: NodeCrypto): CryptoProvider {
  const ed25519Secret = (seed: Uint8Array): Ed25519Secret => {
    const made = privateKeyObject('Ed25519', seed, crypto);
    let key: KeyObject | undefined = made.key;
    return {
      provider: 'native',
      publicKey: made.publicKey,
      sign: (message) => {
        if (!key) throw new TypeError('key destroyed');
        return plain(crypto.sign(null, message, key));
      },
      seed: () => readSecret(key),
      destroy: () => {
        key = undefined;
      },
    };
  };

  const x25519Secret = (secret: Uint8Array): X25519Secret => {
    const made = privateKeyObject('X25519', secret, crypto);
    let key: KeyObject | undefined = made.key;
    return {
      provider: 'native',
      publicKey: made.publicKey,
      dh: (peer, longTerm) => {
        if (!key) throw new TypeError('key destroyed');
        return plain(
          crypto.diffieHellman({
            privateKey: key,
            publicKey: publicKeyObject('X25519', peer, crypto, longTerm),
          }),
        );
      },
      bytes: () => readSecret(key),
      destroy: () => {
        key = undefined;
      },
    };
  };

  const oneShot = crypto.hash?.bind(crypto);
  return Object.freeze({
    name: 'native',
    sha256: oneShot
      ? (data: Uint8Array) => plain(oneShot('sha256', data, 'buffer'))
      : (data: Uint8Array) => plain(crypto.createHash('sha256').update(data).digest()),
    sha512: (data: Uint8Array) => plain(crypto.createHash('sha512').update(data).digest()),
    hmacSha256: (key: Uint8Array, data: Uint8Array) =>
      plain(crypto.createHmac('sha256', key).update(data).digest()),
    scrypt: (passphrase: Uint8Array, salt: Uint8Array, params: ScryptInput) =>
      scryptOn(crypto, passphrase, salt, params),
    scryptConcurrency: threadPoolSize(),
    ed25519Secret,
    /**
     * OpenSSL checks S < L, computes R' = [S]B − [k]A without the cofactor and compares its canonical
     * encoding with R byte for byte: a non-canonical R cannot match, and with A in the prime-order
     * subgroup R' is in it too, so the only small-order R that can match is the identity, which
     * ed25519.ts refuses before this is called.
     */
    ed25519Verify: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) =>
      crypto.verify(null, message, publicKeyObject('Ed25519', publicKey, crypto), signature),
    ed25519VerifyAsync: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) =>
      new Promise<boolean>((resolve, reject) => {
        crypto.verify(
          null,
          message,
          publicKeyObject('Ed25519', publicKey, crypto),
          signature,
          (err, valid) => (err ? reject(err) : resolve(valid)),
        );
      }),
    x25519Secret,
    chachaSeal: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array) =>
      seal(crypto, key, nonce, aad, plaintext),
    chachaOpen: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array) =>
      open(crypto, key, nonce, aad, ciphertext),
    xchachaSeal: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array) => {
      const { subkey, subnonce } = xchachaParts(key, nonce);
      try {
        return seal(crypto, subkey, subnonce, aad, plaintext);
      } finally {
        subkey.fill(0);
      }
    },
    xchachaOpen: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array) => {
      const { subkey, subnonce } = xchachaParts(key, nonce);
      try {
        return open(crypto, subkey, subnonce, aad, ciphertext);
      } finally {
        subkey.fill(0);
      }
    },
  });
}

/** The `native` provider, or undefined where the platform has no `node:crypto` with ChaCha20-Poly1305. */
export const nativeProvider: CryptoProvider | undefined = node ? makeProvider(node) : undefined;
