/**
 * Byte helpers shared by the SDK: strict base64url (RFC 4648 §5, no padding), strict standard base64
 * (RFC 4648 §4, padded; the encoding of C2SP signed notes), UTF-8, concatenation, constant-time
 * comparison and randomness. Randomness can be passed in so tests are repeatable.
 */
import { BryggaError } from '../errors.js';

/** A source of random bytes; defaults to the platform CSPRNG (WebCrypto). */
export type Rng = (length: number) => Uint8Array;

/** The platform CSPRNG (`crypto.getRandomValues`, available in Node 20+ and every browser). */
const defaultRng: Rng = (length) => {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65536)));
  }
  return out;
};

/** `length` random bytes from `rng`, checked to be of that length. */
export function randomBytes(length: number, rng: Rng = defaultRng): Uint8Array {
  const out = rng(length);
  if (!(out instanceof Uint8Array) || out.length !== length) {
    throw new BryggaError('ERR_MALFORMED', `rng returned ${out?.length} bytes, expected ${length}`);
  }
  return out;
}

const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is content, not a marker to drop; otherwise two byte strings would decode alike.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 encode. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Strict UTF-8 decode: invalid sequences are an error, not U+FFFD. */
export function fromUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new BryggaError('ERR_MALFORMED', 'invalid UTF-8', { cause });
  }
}

/** Concatenate byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Constant-time equality for equal-length inputs (length itself is not secret). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Overwrite secret material in place. */
export function wipe(...arrays: (Uint8Array | undefined)[]): void {
  for (const a of arrays) a?.fill(0);
}

/** Big-endian encoding of a non-negative integer into `length` bytes (RFC 9180 I2OSP). */
export function i2osp(value: number, length: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0 || (length < 7 && value >= 256 ** length)) {
    throw new BryggaError('ERR_MALFORMED', 'integer out of range');
  }
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0 && v > 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64URL_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64URL.length; i++) B64URL_INDEX[B64URL.charCodeAt(i)] = i;

/** base64url without padding (RFC 4648 §5). */
export function toBase64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]!;
  }
  return out;
}

/**
 * Strict base64url decode: only the URL-safe alphabet, no padding, no whitespace, and the unused
 * trailing bits must be zero, so every byte string has exactly one accepted encoding.
 * When `expectedLength` is given, the decoded length must match.
 */
export function fromBase64url(text: string, expectedLength?: number): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 === 1) {
    throw new BryggaError('ERR_MALFORMED', 'invalid base64url');
  }
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64URL_INDEX[c]! : -1;
    if (v < 0) throw new BryggaError('ERR_MALFORMED', 'invalid base64url');
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) {
    throw new BryggaError('ERR_MALFORMED', 'invalid base64url');
  }
  if (expectedLength !== undefined && out.length !== expectedLength) {
    throw new BryggaError('ERR_MALFORMED', `expected ${expectedLength} bytes`);
  }
  return out;
}

/** Standard base64 with '=' padding (RFC 4648 §4), as C2SP signed notes and checkpoints use it. */
export function toBase64(bytes: Uint8Array): string {
  const text = toBase64url(bytes).replace(/-/g, '+').replace(/_/g, '/');
  return text + '='.repeat((4 - (text.length % 4)) % 4);
}

const BASE64_SHAPE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Strict standard base64 decode: only the RFC 4648 §4 alphabet, padding to a multiple of four
 * characters and nothing else, no whitespace, and zero unused trailing bits, so every byte string has
 * exactly one accepted encoding. When `expectedLength` is given, the decoded length must match.
 */
export function fromBase64(text: string, expectedLength?: number): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !BASE64_SHAPE.test(text)) {
    throw new BryggaError('ERR_MALFORMED', 'invalid base64');
  }
  // Same alphabet but two characters: the base64url decoder then checks the length and trailing bits.
  const unpadded = text.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  try {
    return fromBase64url(unpadded, expectedLength);
  } catch (cause) {
    throw new BryggaError('ERR_MALFORMED', 'invalid base64', { cause });
  }
}

/** Throw ERR_MALFORMED unless `value` is a Uint8Array of exactly `length` bytes. */
export function assertLength(value: unknown, length: number, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new BryggaError('ERR_MALFORMED', `${what} must be ${length} bytes`);
  }
}
