/**
 * The `noble` crypto provider (provider.ts): every primitive in JavaScript, on @noble/curves,
 * @noble/hashes and @noble/ciphers. Runs everywhere; the only provider in browsers.
 *
 * Secrets stay bytes here (JavaScript has nothing else to hold them in); `destroy` overwrites them.
 */
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import type { CryptoProvider, Ed25519Secret, ScryptInput, X25519Secret } from './_provider-types.js';
import { concatBytes, toBase64url } from './bytes.js';

type Point = InstanceType<typeof ed25519.Point>;
const Point = ed25519.Point;

/** The point a canonical encoding names (zip215 = false: y ≥ p and x = 0 with the sign bit refused). */
export function decodeCanonicalPoint(bytes: Uint8Array): Point | undefined {
  try {
    return Point.fromBytes(bytes, false);
  } catch {
    return undefined;
  }
}

/** Decoded public keys, by encoding: a decoding costs a square root. */
const points = new Map<string, Point>();
const POINTS_KEPT = 1024;

function publicPoint(publicKey: Uint8Array): Point | undefined {
  const id = toBase64url(publicKey);
  const known = points.get(id);
  if (known) return known;
  const point = decodeCanonicalPoint(publicKey);
  if (!point) return undefined;
  if (points.size >= POINTS_KEPT) points.delete(points.keys().next().value!);
  points.set(id, point);
  return point;
}

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

const L = Point.Fn.ORDER;

/** Bytes a destroyed key no longer has: using the key afterwards is a programming error. */
function held(secret: Uint8Array | undefined): Uint8Array {
  if (!secret) throw new TypeError('key destroyed');
  return secret;
}

function ed25519Secret(seed: Uint8Array): Ed25519Secret {
  let secret: Uint8Array | undefined = Uint8Array.from(seed);
  return {
    provider: 'noble',
    publicKey: ed25519.getPublicKey(secret),
    sign: (message) => ed25519.sign(message, held(secret)),
    seed: () => Uint8Array.from(held(secret)),
    destroy: () => {
      secret?.fill(0);
      secret = undefined;
    },
  };
}

/**
 * [S]B = R + [k]A without the cofactor, with R decoded canonically and refused when of small order
 * (noble's own `verify` is cofactored; ed25519.ts explains why the rule does not use it).
 */
function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  const A = publicPoint(publicKey);
  if (!A) return false;
  const rBytes = signature.subarray(0, 32);
  const R = decodeCanonicalPoint(rBytes);
  if (!R || R.isSmallOrder()) return false;
  const s = littleEndian(signature.subarray(32, 64));
  const k = littleEndian(sha512(concatBytes(rBytes, publicKey, message))) % L;
  return Point.BASE.multiplyUnsafe(s).equals(R.add(A.multiplyUnsafe(k)));
}

function x25519Secret(bytes: Uint8Array): X25519Secret {
  let secret: Uint8Array | undefined = Uint8Array.from(bytes);
  return {
    provider: 'noble',
    publicKey: x25519.getPublicKey(secret),
    dh: (peer: Uint8Array) => x25519.getSharedSecret(held(secret), peer),
    bytes: () => Uint8Array.from(held(secret)),
    destroy: () => {
      secret?.fill(0);
      secret = undefined;
    },
  };
}

/** The `noble` provider. */
export const nobleProvider: CryptoProvider = Object.freeze({
  name: 'noble',
  sha256: (data: Uint8Array) => sha256(data),
  sha512: (data: Uint8Array) => sha512(data),
  hmacSha256: (key: Uint8Array, data: Uint8Array) => hmac(sha256, key, data),
  // `maxmem` above noble's 1 GiB default, so the key file's largest cost (N = 2^20, r = 8) passes.
  scrypt: (passphrase: Uint8Array, salt: Uint8Array, params: ScryptInput) =>
    scryptAsync(passphrase, salt, { ...params, maxmem: 2 ** 31 }),
  // One JavaScript thread: derivations started together would interleave and hold their memory together.
  scryptConcurrency: 1,
  ed25519Secret,
  ed25519Verify,
  x25519Secret,
  chachaSeal: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array) =>
    chacha20poly1305(key, nonce, aad).encrypt(plaintext),
  chachaOpen: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array) =>
    chacha20poly1305(key, nonce, aad).decrypt(ciphertext),
  xchachaSeal: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array) =>
    xchacha20poly1305(key, nonce, aad).encrypt(plaintext),
  xchachaOpen: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array) =>
    xchacha20poly1305(key, nonce, aad).decrypt(ciphertext),
});
