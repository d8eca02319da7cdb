/**
 * Hashes and KDFs: SHA-256, SHA-512 and HMAC-SHA256 on the crypto provider (provider.ts), HKDF
 * (RFC 5869) written here on that HMAC, and scrypt (RFC 7914), also the provider's.
 *
 * HKDF is built on the provider's HMAC rather than a platform HKDF: HPKE calls Extract and Expand
 * separately (RFC 9180 §4), which Node's `hkdfSync` cannot, and its inputs are a few dozen bytes, where
 * one native HMAC costs about a third of @noble's.
 * `sha256Large` is for attachments: on the `noble` provider it uses the platform's WebCrypto digest
 * (present in Node 20+ and every browser), an order of magnitude faster than a JavaScript SHA-256 on
 * multi-megabyte inputs.
 */
import { BryggaError } from '../errors.js';
import { provider } from './provider.js';

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return provider().sha256(data);
}

/** SHA-512 of `data`. */
export function sha512(data: Uint8Array): Uint8Array {
  return provider().sha512(data);
}

/** HMAC-SHA256 (RFC 2104) of `data` under `key`. */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return provider().hmacSha256(key, data);
}

/** SHA-256's output length, HashLen in RFC 5869. */
const HASH_LENGTH = 32;

/**
 * HKDF-Extract with SHA-256 (RFC 5869 §2.2). An empty salt is HashLen zero bytes, which HMAC's
 * zero-padding of its key (RFC 2104 §2) makes the same as the empty key.
 */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmacSha256(salt, ikm);
}

/** HKDF-Expand with SHA-256 (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i−1) ‖ info ‖ i), L ≤ 255·HashLen. */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0 || length > 255 * HASH_LENGTH) {
    throw new BryggaError('ERR_MALFORMED', `HKDF-Expand length must be 0 to ${255 * HASH_LENGTH}`);
  }
  const out = new Uint8Array(length);
  const block = new Uint8Array(HASH_LENGTH + info.length + 1);
  let previous = 0;
  for (let i = 1, offset = 0; offset < length; i++, offset += HASH_LENGTH) {
    block.set(info, previous);
    block[previous + info.length] = i;
    const t = hmacSha256(prk, block.subarray(0, previous + info.length + 1));
    out.set(t.subarray(0, Math.min(HASH_LENGTH, length - offset)), offset);
    block.set(t, 0);
    t.fill(0);
    previous = HASH_LENGTH;
  }
  block.fill(0);
  return out;
}

/**
 * scrypt (RFC 7914) on the provider: OpenSSL's on libuv's thread pool under `native` (several
 * derivations run in parallel), @noble's in JavaScript under `noble`. The same bytes either way.
 */
export function scrypt(
  passphrase: Uint8Array,
  salt: Uint8Array,
  params: { N: number; r: number; p: number; dkLen: number },
): Promise<Uint8Array> {
  return provider().scrypt(passphrase, salt, params);
}

/** How many scrypt derivations the provider in use runs in parallel (_provider-types.ts). */
export function scryptConcurrency(): number {
  return provider().scryptConcurrency;
}

/**
 * SHA-256 for large inputs (attachments). The `native` provider hashes in place, as fast as WebCrypto
 * and without its copy of the input and its hop to a worker thread; under `noble`, WebCrypto when the
 * platform has it (an order of magnitude faster than SHA-256 in JavaScript), else the provider's.
 */
export async function sha256Large(data: Uint8Array): Promise<Uint8Array> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle && data.length >= 65536 && provider().name !== 'native') {
    return new Uint8Array(await subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
  }
  return sha256(data);
}
