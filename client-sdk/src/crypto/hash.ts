/**
 * Hashes and KDFs on @noble/hashes: SHA-256, SHA-512, HKDF (RFC 5869) and scrypt (RFC 7914).
 * `sha256Large` uses the platform's WebCrypto digest (present in Node 20+ and every browser), which is
 * an order of magnitude faster than a JavaScript SHA-256 on multi-megabyte attachments.
 */
import { expand as hkdfExpandRaw, extract as hkdfExtractRaw } from '@noble/hashes/hkdf.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256 as nobleSha256, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** SHA-512 of `data`. */
export function sha512(data: Uint8Array): Uint8Array {
  return nobleSha512(data);
}

/** HKDF-Extract with SHA-256 (RFC 5869 §2.2). */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hkdfExtractRaw(nobleSha256, ikm, salt);
}

/** HKDF-Expand with SHA-256 (RFC 5869 §2.3). */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return hkdfExpandRaw(nobleSha256, prk, info, length);
}

/** scrypt (RFC 7914). */
export function scrypt(
  passphrase: Uint8Array,
  salt: Uint8Array,
  params: { N: number; r: number; p: number; dkLen: number },
): Promise<Uint8Array> {
  return scryptAsync(passphrase, salt, { ...params, maxmem: 2 ** 31 });
}

/** SHA-256 through WebCrypto when the platform has it (fast for large inputs), else @noble/hashes. */
export async function sha256Large(data: Uint8Array): Promise<Uint8Array> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle && data.length >= 65536) {
    return new Uint8Array(await subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
  }
  return nobleSha256(data);
}
