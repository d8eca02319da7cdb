/**
 * C2SP signed notes (https://c2sp.org/signed-note, v1.0.0 §Format, §Signatures, §Ed25519 signatures)
 * with Ed25519 signatures, and verifier keys in the text form of golang.org/x/mod/sumdb/note
 * (`<name>+<8 hex digits key id>+<base64(type ‖ public key)>`).
 *
 * A signed note is a text ending in a newline, a blank line, and one or more signature lines
 * `— <key name> <base64(key id ‖ signature)>` (em dash U+2014, space). The key id is the first four
 * bytes of `SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)`; an Ed25519 note signature has type
 * 0x01 and signs the text itself, its final newline included.
 *
 * The parser is deliberately no more lenient than Go's `note.Open`, the reference that the witnesses
 * and monitors of the ecosystem run, and in two places stricter: base64 must be canonical (Go ignores
 * non-zero unused trailing bits, which would give one signature line several spellings), and
 * {@link verifyNoteSignature} rejects a note in which *any* line of the key fails, as the spec advises
 * ("clients SHOULD reject the whole note"), where Go judges only the first. Notes that honest signers
 * produce are unaffected by either.
 *
 * Note signatures carry no label of their own: C2SP separates domains by key, so a key signs one kind
 * of note only (the log's key signs the checkpoints of its origin and nothing else), and the key id
 * binds the key name and the signature type.
 */
import { concatBytes, equalBytes, fromBase64, toBase64, utf8 } from '../crypto/bytes.js';
import {
  assertEd25519PublicKey,
  ED25519_PUBLIC_LENGTH,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
} from '../crypto/ed25519.js';
import { sha256 } from '../crypto/hash.js';
import { BryggaError } from '../errors.js';

/** The signature type of an Ed25519 note signature (signed-note §Signature types). */
export const ED25519_NOTE_TYPE = 0x01;

/** Bytes in a key id. */
export const KEY_ID_LENGTH = 4;

/** The largest note text accepted, in UTF-8 bytes. */
export const MAX_NOTE_TEXT_BYTES = 1024 * 1024;

/** The most signature lines a note may carry (Go's `note.Open` stops at the same number). */
export const MAX_NOTE_SIGNATURES = 100;

/**
 * The longest signature line accepted, in UTF-8 bytes without its newline: room for a cosigner name
 * and an ML-DSA cosignature (about 3.3 kB of base64), so the whole note stays bounded.
 */
export const MAX_SIGNATURE_LINE_BYTES = 8192;

const SIGNATURE_PREFIX = '\u2014 ';

/** The longest note, in UTF-16 code units, that could be within the limits: a cheap first check. */
const MAX_NOTE_CHARS = MAX_NOTE_TEXT_BYTES + 1 + MAX_NOTE_SIGNATURES * (MAX_SIGNATURE_LINE_BYTES + 1);

/** ASCII control characters other than newline, which a note must not contain. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;

/**
 * Whether `s` has a UTF-8 encoding: no UTF-16 surrogate without its other half. (A loop rather than a
 * regular expression with lookbehind, which older browsers cannot compile.)
 */
function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(i + 1);
    if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/**
 * What a key name must not contain: '+', control characters and exactly the characters Go's
 * `unicode.IsSpace` calls spaces (the reference parser's rule; JavaScript's `\s` differs from it in
 * U+0085 and U+FEFF).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const NAME_FORBIDDEN = /[\u0000-\u0020+\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** One signature line of a note. */
export interface NoteSignature {
  /** The key name. */
  name: string;
  /** The four-byte key id. */
  keyId: Uint8Array;
  /** The bytes after the key id: an Ed25519 signature, or for a cosignature the timestamp and signature. */
  signature: Uint8Array;
}

/** A note: its text (ending in a newline) and its signature lines, in order. */
export interface Note {
  text: string;
  signatures: NoteSignature[];
}

function malformed(message: string): BryggaError {
  return new BryggaError('ERR_MALFORMED', message);
}

/** Whether `name` may name a key: non-empty, without spaces, '+', control characters or lone surrogates. */
export function isValidKeyName(name: string): boolean {
  return typeof name === 'string' && name !== '' && !NAME_FORBIDDEN.test(name) && isWellFormed(name);
}

function checkName(name: string): void {
  if (!isValidKeyName(name)) throw malformed('not a valid key name');
}

/** Whether `text` can be a note's text (see {@link checkNoteText}). */
function isValidText(text: string): boolean {
  return (
    typeof text === 'string' &&
    text.endsWith('\n') &&
    text.length <= MAX_NOTE_TEXT_BYTES &&
    !CONTROL.test(text) &&
    isWellFormed(text) &&
    utf8(text).length <= MAX_NOTE_TEXT_BYTES
  );
}

/**
 * Throw ERR_MALFORMED unless `text` can be a note's text: well-formed Unicode ending in a newline,
 * without control characters other than newline, and at most {@link MAX_NOTE_TEXT_BYTES} in UTF-8.
 */
export function checkNoteText(text: string): void {
  if (!isValidText(text)) throw malformed('not a valid note text');
}

/**
 * The key id of a key: the first four bytes of `SHA-256(name ‖ 0x0A ‖ type ‖ publicKey)`
 * (signed-note §Signatures). `type` is the signature type byte: 0x01 for an Ed25519 note signature,
 * 0x04 for an Ed25519 cosignature (tlog-cosignature).
 */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): Uint8Array {
  checkName(name);
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw malformed('not a signature type byte');
  if (!(publicKey instanceof Uint8Array)) throw malformed('the public key is not bytes');
  return sha256(concatBytes(utf8(`${name}\n`), Uint8Array.of(type), publicKey)).slice(0, KEY_ID_LENGTH);
}

function signatureLine(sig: NoteSignature): string {
  checkName(sig.name);
  if (!(sig.keyId instanceof Uint8Array) || sig.keyId.length !== KEY_ID_LENGTH) {
    throw malformed('a key id is not 4 bytes');
  }
  if (!(sig.signature instanceof Uint8Array) || sig.signature.length === 0) {
    throw malformed('a signature is empty');
  }
  const line = `${SIGNATURE_PREFIX}${sig.name} ${toBase64(concatBytes(sig.keyId, sig.signature))}`;
  if (utf8(line).length > MAX_SIGNATURE_LINE_BYTES) throw malformed('a signature line is too long');
  return line;
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX) || utf8(line).length > MAX_SIGNATURE_LINE_BYTES) {
    throw malformed('not a signature line');
  }
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw malformed('not a signature line');
  const name = rest.slice(0, space);
  checkName(name);
  const payload = fromBase64(rest.slice(space + 1));
  // A key id and at least one byte of signature, as Go's parser requires.
  if (payload.length <= KEY_ID_LENGTH) throw malformed('a signature is too short');
  return { name, keyId: payload.slice(0, KEY_ID_LENGTH), signature: payload.slice(KEY_ID_LENGTH) };
}

/**
 * Parse a signed note. Throws ERR_MALFORMED unless it is well-formed Unicode without control
 * characters other than newline, its text (up to and including the newline before the *last* blank
 * line) is at most {@link MAX_NOTE_TEXT_BYTES}, and what follows the blank line is 1 to
 * {@link MAX_NOTE_SIGNATURES} signature lines, each ending in a newline, with a valid key name and
 * canonical standard base64 of at least five bytes. Verifies nothing: see {@link verifyNoteSignature}.
 */
export function parseNote(note: string): Note {
  if (typeof note !== 'string' || note.length > MAX_NOTE_CHARS) throw malformed('not a signed note');
  if (CONTROL.test(note) || !isWellFormed(note)) throw malformed('not a signed note');
  // The text may hold empty lines of its own: the signatures begin after the last one.
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw malformed('a signed note needs a blank line before its signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw malformed('a signed note ends in a signature line');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformed('too many signatures');
  checkNoteText(text);
  return { text, signatures: lines.map(parseSignatureLine) };
}

/** The signed note: the text, a blank line, and one line per signature. The inverse of {@link parseNote}. */
export function formatNote(note: Note): string {
  checkNoteText(note?.text);
  const signatures = note.signatures;
  if (!Array.isArray(signatures) || signatures.length === 0 || signatures.length > MAX_NOTE_SIGNATURES) {
    throw malformed(`a signed note has 1 to ${MAX_NOTE_SIGNATURES} signatures`);
  }
  return `${note.text}\n${signatures.map((s) => `${signatureLine(s)}\n`).join('')}`;
}

/**
 * Sign a note's text with an Ed25519 key (a 32-byte seed) named `name`: a signature of type 0x01 over
 * the text, final newline included.
 *
 * @example
 * const text = formatCheckpoint({ origin, size, root, extensions: [] });
 * const served = formatNote({ text, signatures: [signNote(text, origin, logSeed)] });
 */
export function signNote(text: string, name: string, secretKey: Uint8Array): NoteSignature {
  checkNoteText(text);
  checkName(name);
  const keyId = noteKeyId(name, ED25519_NOTE_TYPE, ed25519PublicKey(secretKey));
  return { name, keyId, signature: ed25519Sign(secretKey, utf8(text)) };
}

/**
 * Whether the note is signed by the Ed25519 key `publicKey` named `name`: true when at least one line
 * carries that name and that key's id (type 0x01), and every such line verifies (strict Ed25519).
 * Lines of other keys are ignored, as the spec requires. Never throws.
 */
export function verifyNoteSignature(note: Note, name: string, publicKey: Uint8Array): boolean {
  if (
    !isValidKeyName(name) ||
    !(publicKey instanceof Uint8Array) ||
    publicKey.length !== ED25519_PUBLIC_LENGTH
  ) {
    return false;
  }
  if (!isValidText(note?.text) || !Array.isArray(note.signatures)) return false;
  const keyId = noteKeyId(name, ED25519_NOTE_TYPE, publicKey);
  const mine = note.signatures.filter(
    (s) => s?.name === name && s.keyId instanceof Uint8Array && equalBytes(s.keyId, keyId),
  );
  if (mine.length === 0) return false;
  const message = utf8(note.text);
  return mine.every((s) => ed25519Verify(s.signature, message, publicKey));
}

const HEX_ID = /^[0-9a-fA-F]{8}$/;

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/**
 * The verifier key of an Ed25519 key under signature type `type` (0x01 for note signatures, 0x04 for
 * cosignatures): `<name>+<key id, 8 lowercase hex digits>+<base64(type ‖ key)>`. The key must be one
 * strict Ed25519 accepts.
 */
export function encodeVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  assertEd25519PublicKey(publicKey);
  const keyId = noteKeyId(name, type, publicKey);
  return `${name}+${hex(keyId)}+${toBase64(concatBytes(Uint8Array.of(type), publicKey))}`;
}

/**
 * Parse a verifier key whose signature type must be `type` and whose key must be an acceptable Ed25519
 * public key. The name ends at the first '+', the key id at the second; the base64 may hold '+' itself.
 * The key id is recomputed and must match (in either hex case, as Go accepts).
 */
export function decodeVerifierKey(vkey: string, type: number): { name: string; publicKey: Uint8Array } {
  if (typeof vkey !== 'string') throw malformed('not a verifier key');
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw malformed('not a verifier key');
  const name = vkey.slice(0, first);
  const id = vkey.slice(first + 1, second);
  checkName(name);
  if (!HEX_ID.test(id)) throw malformed('not a verifier key');
  const key = fromBase64(vkey.slice(second + 1));
  if (key.length !== 1 + ED25519_PUBLIC_LENGTH || key[0] !== type) {
    throw malformed('not a verifier key of the expected type');
  }
  const publicKey = key.slice(1);
  assertEd25519PublicKey(publicKey);
  if (hex(noteKeyId(name, type, publicKey)) !== id.toLowerCase()) {
    throw malformed('the verifier key id does not match its key');
  }
  return { name, publicKey };
}

/**
 * The verifier key of an Ed25519 note key, as a log publishes it:
 * `<name>+<8 hex digits key id>+<base64(0x01 ‖ public key)>`.
 */
export function verifierKey(name: string, publicKey: Uint8Array): string {
  return encodeVerifierKey(name, ED25519_NOTE_TYPE, publicKey);
}

/**
 * Parse an Ed25519 note verifier key (type 0x01). Throws ERR_MALFORMED for any other form, another
 * type, a key id that does not match, or a public key strict Ed25519 refuses.
 */
export function parseVerifierKey(vkey: string): { name: string; publicKey: Uint8Array } {
  return decodeVerifierKey(vkey, ED25519_NOTE_TYPE);
}
