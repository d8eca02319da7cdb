/**
 * Length hiding (PROTOCOL.md §7.4). Every plaintext is padded with ISO/IEC 7816-4 padding (0x80 then
 * zeros) to a bucket: at least 4096 bytes, and above that the Padmé scheme (Nikitin et al., "Reducing
 * Metadata Leakage from Encrypted Files and Communication with PURBs", PETS 2019), which leaks
 * O(log log L) bits of the length at most 12% overhead. All ordinary packets (referrals, receipts,
 * consents, decisions) therefore share one size; only attachments grow past it.
 */
import { BryggaError, cryptoError } from '../errors.js';

/** Smallest padded plaintext. */
const MIN_BUCKET = 4096;

/** The padded length for a content of `length` bytes (the 0x80 marker included in the count). */
export function paddedLength(length: number): number {
  if (!Number.isSafeInteger(length) || length < 0) throw new BryggaError('ERR_MALFORMED', 'bad length');
  const l = length + 1;
  if (l <= MIN_BUCKET) return MIN_BUCKET;
  const e = floorLog2(l);
  const s = floorLog2(e) + 1;
  const step = 2 ** (e - s);
  return Math.ceil(l / step) * step;
}

/** ⌊log2 n⌋ for a positive integer, exactly (no floating-point logarithm). */
function floorLog2(n: number): number {
  let e = 0;
  while (2 ** (e + 1) <= n) e++;
  return e;
}

/** Write `content` into a fresh buffer of the padded length, followed by 0x80 and zeros. */
export function pad(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(paddedLength(length));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  out[offset] = 0x80;
  return out;
}

/**
 * The content of a padded buffer (a view, not a copy). The padding must be exactly what {@link pad}
 * makes for that content: `0x80`, then zeros, to `paddedLength(content)` bytes in all. A longer or
 * shorter buffer with a valid marker is refused too, so every receiver holds every sender to the same
 * buckets. Called only on authenticated plaintext, so a malformed padding is a sender's fault; it is
 * still reported with the generic crypto error (PROTOCOL.md §7.5 step 4).
 */
export function unpad(padded: Uint8Array): Uint8Array {
  let i = padded.length - 1;
  while (i >= 0 && padded[i] === 0) i--;
  if (i < 0 || padded[i] !== 0x80) throw cryptoError();
  if (padded.length !== paddedLength(i)) throw cryptoError();
  return padded.subarray(0, i);
}
