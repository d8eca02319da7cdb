/**
 * The envelope (PROTOCOL.md §7): what the relay stores and forwards. Binary layout:
 *
 *   "BRYG" | version (1 byte, = 1) | header length (uint32 BE) | header (UTF-8 JSON)
 *   | one 80-byte key entry per recipient, in header order (HPKE enc 32 || sealed content key 48)
 *   | payload ciphertext (XChaCha20-Poly1305, tag included)
 *
 * The header is the only part the relay can read: packet id, sender unit and device, recipient units,
 * devices and HPKE key ids, and the payload nonce. The exact header bytes are the associated data of
 * both the key entries and the payload, so changing any of them makes the packet unopenable.
 */

import { fromBase64url, utf8 } from '../crypto/bytes.js';
import { parseJson } from '../crypto/strict-json.js';
import { ID_PATTERN, KID_PATTERN } from '../directory/validate.js';
import { BryggaError } from '../errors.js';

/** Magic bytes "BRYG". */
export const ENVELOPE_MAGIC = new Uint8Array([0x42, 0x52, 0x59, 0x47]);
export const ENVELOPE_VERSION = 1;
/** Bytes of one recipient key entry: HPKE enc (32) and the sealed 32-byte content key with its tag (48). */
export const KEY_ENTRY_LENGTH = 80;
const MAX_HEADER_LENGTH = 64 * 1024;
export const MAX_RECIPIENTS = 64;
const PREFIX_LENGTH = 9;

/** One recipient device as named in the header. */
export interface HeaderRecipient {
  unit: string;
  device: string;
  /** Key id of the HPKE key the content key was sealed to. */
  key: string;
}

/** The visible header of an envelope. */
export interface EnvelopeHeader {
  v: 1;
  /** Packet id: 16 random bytes, base64url (22 characters). */
  id: string;
  sender: { unit: string; device: string };
  recipients: HeaderRecipient[];
  /** XChaCha20-Poly1305 nonce of the payload, base64url (32 characters). */
  nonce: string;
}

export const PACKET_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

function malformed(what: string): never {
  throw new BryggaError('ERR_MALFORMED', `envelope: ${what}`);
}

function exactKeys(o: Record<string, unknown>, keys: string[], what: string): void {
  const got = Object.keys(o).sort().join(',');
  if (got !== [...keys].sort().join(',')) malformed(`${what} must have exactly ${keys.join(', ')}`);
}

/** Parse and validate header bytes; throws ERR_MALFORMED (or ERR_UNSUPPORTED_VERSION). */
function readHeader(headerBytes: Uint8Array): EnvelopeHeader {
  let parsed: unknown;
  try {
    parsed = parseJson(headerBytes);
  } catch {
    malformed('header is not Brygga JSON');
  }
  return validateHeader(parsed);
}

/** Validate a parsed header; throws ERR_MALFORMED naming the problem. */
function validateHeader(value: unknown): EnvelopeHeader {
  if (!value || typeof value !== 'object' || Array.isArray(value)) malformed('header is not an object');
  const h = value as Record<string, unknown>;
  exactKeys(h, ['v', 'id', 'sender', 'recipients', 'nonce'], 'header');
  if (h.v !== ENVELOPE_VERSION)
    throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported envelope version');
  if (typeof h.id !== 'string' || !PACKET_ID_PATTERN.test(h.id)) malformed('bad packet id');
  fromBase64url(h.id, 16);
  if (typeof h.nonce !== 'string') malformed('bad nonce');
  fromBase64url(h.nonce, 24);
  const s = h.sender as Record<string, unknown>;
  if (!s || typeof s !== 'object' || Array.isArray(s)) malformed('bad sender');
  exactKeys(s, ['unit', 'device'], 'sender');
  if (typeof s.unit !== 'string' || !ID_PATTERN.test(s.unit)) malformed('bad sender unit');
  if (typeof s.device !== 'string' || !KID_PATTERN.test(s.device)) malformed('bad sender device');
  const r = h.recipients;
  if (!Array.isArray(r) || r.length === 0) malformed('no recipients');
  if (r.length > MAX_RECIPIENTS)
    throw new BryggaError('ERR_TOO_MANY_RECIPIENTS', `at most ${MAX_RECIPIENTS} recipient devices`);
  const seen = new Set<string>();
  for (const x of r) {
    if (!x || typeof x !== 'object' || Array.isArray(x)) malformed('bad recipient');
    const e = x as Record<string, unknown>;
    exactKeys(e, ['unit', 'device', 'key'], 'recipient');
    if (typeof e.unit !== 'string' || !ID_PATTERN.test(e.unit)) malformed('bad recipient unit');
    if (typeof e.device !== 'string' || !KID_PATTERN.test(e.device)) malformed('bad recipient device');
    if (typeof e.key !== 'string' || !KID_PATTERN.test(e.key)) malformed('bad recipient key');
    if (seen.has(e.device)) malformed('a recipient device is named twice');
    seen.add(e.device);
  }
  return h as unknown as EnvelopeHeader;
}

/** A parsed envelope. Construct with {@link Envelope.deserialize}, or get one from sealing. */
export class Envelope {
  readonly header: EnvelopeHeader;
  /** The exact header bytes as transmitted: the associated data of every AEAD in the envelope. */
  readonly headerBytes: Uint8Array;
  /** One 80-byte key entry per recipient, in header order. */
  readonly keyEntries: Uint8Array[];
  readonly ciphertext: Uint8Array;

  /**
   * The header {@link Envelope.deserialize} has just read from the very bytes it passes to the
   * constructor, so the constructor does not parse and validate them a second time.
   */
  static #justRead: { bytes: Uint8Array; header: EnvelopeHeader } | undefined;

  constructor(headerBytes: Uint8Array, keyEntries: Uint8Array[], ciphertext: Uint8Array) {
    const read = Envelope.#justRead;
    Envelope.#justRead = undefined;
    if (headerBytes.length === 0 || headerBytes.length > MAX_HEADER_LENGTH) malformed('header too large');
    this.header = read?.bytes === headerBytes ? read.header : readHeader(headerBytes);
    if (keyEntries.length !== this.header.recipients.length) malformed('one key entry per recipient');
    for (const k of keyEntries) if (k.length !== KEY_ENTRY_LENGTH) malformed('bad key entry');
    if (ciphertext.length < 16) malformed('payload too short');
    this.headerBytes = headerBytes;
    this.keyEntries = keyEntries;
    this.ciphertext = ciphertext;
  }

  /** Build the header bytes for `header` (after validating it). */
  static encodeHeader(header: EnvelopeHeader): Uint8Array {
    validateHeader(header);
    return utf8(JSON.stringify(header));
  }

  get id(): string {
    return this.header.id;
  }

  /** Total serialised size in bytes. */
  get size(): number {
    return (
      PREFIX_LENGTH +
      this.headerBytes.length +
      this.keyEntries.length * KEY_ENTRY_LENGTH +
      this.ciphertext.length
    );
  }

  serialize(): Uint8Array {
    const out = new Uint8Array(this.size);
    out.set(ENVELOPE_MAGIC, 0);
    out[4] = ENVELOPE_VERSION;
    new DataView(out.buffer).setUint32(5, this.headerBytes.length, false);
    out.set(this.headerBytes, PREFIX_LENGTH);
    let o = PREFIX_LENGTH + this.headerBytes.length;
    for (const k of this.keyEntries) {
      out.set(k, o);
      o += KEY_ENTRY_LENGTH;
    }
    out.set(this.ciphertext, o);
    return out;
  }

  /**
   * Parse envelope bytes. Every structural problem is ERR_MALFORMED (an unknown version is
   * ERR_UNSUPPORTED_VERSION); nothing is decrypted here. The returned envelope holds views into `bytes`.
   */
  static deserialize(bytes: Uint8Array): Envelope {
    if (!(bytes instanceof Uint8Array) || bytes.length < PREFIX_LENGTH) malformed('too short');
    for (let i = 0; i < 4; i++) if (bytes[i] !== ENVELOPE_MAGIC[i]) malformed('not a Brygga envelope');
    if (bytes[4] !== ENVELOPE_VERSION)
      throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported envelope version');
    const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(5, false);
    if (headerLength === 0 || headerLength > MAX_HEADER_LENGTH) malformed('bad header length');
    if (PREFIX_LENGTH + headerLength > bytes.length) malformed('truncated header');
    const headerBytes = bytes.subarray(PREFIX_LENGTH, PREFIX_LENGTH + headerLength);
    const header = readHeader(headerBytes);
    let o = PREFIX_LENGTH + headerLength;
    const entries: Uint8Array[] = [];
    for (let i = 0; i < header.recipients.length; i++) {
      if (o + KEY_ENTRY_LENGTH > bytes.length) malformed('truncated key entries');
      entries.push(bytes.subarray(o, o + KEY_ENTRY_LENGTH));
      o += KEY_ENTRY_LENGTH;
    }
    Envelope.#justRead = { bytes: headerBytes, header };
    return new Envelope(headerBytes, entries, bytes.subarray(o));
  }
}
