/**
 * Transparency log checkpoints (https://c2sp.org/tlog-checkpoint, v1.0.0 §Note text) and their Ed25519
 * witness cosignatures (https://c2sp.org/tlog-cosignature, §Format and §Ed25519 signed message).
 *
 * A checkpoint is the text of a signed note: the origin line, the tree size in decimal without leading
 * zeros, the root hash in standard base64, then optional non-empty extension lines, each ending in a
 * newline. The log signs it as a note (see `signNote`); witnesses cosign it.
 *
 * A cosignature/v1 is a note signature line of type 0x04 whose key id is
 * `SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4]` and whose bytes after the key id are an 8-byte
 * big-endian POSIX timestamp followed by an Ed25519 signature over
 * `"cosignature/v1\ntime <timestamp>\n"` and the whole checkpoint text (extension lines included). The
 * header lines separate the two kinds of signature: a cosigned message is never a checkpoint (its second
 * line is not a tree size), so {@link openCheckpoint} cannot take a cosignature for the log's signature.
 * The reverse needs a key that signs note texts starting with `cosignature/v1`, which a log key signing
 * only checkpoints never does; still, give every key one role. The signed message does not name the
 * witness, so each witness needs a key of its own (tlog-cosignature §Ed25519 signed message).
 *
 * Tree sizes and timestamps are JavaScript numbers, so both stop at 2^53 − 1 (the specs allow up to
 * 2^64 − 1 and 2^63 − 1); larger values are refused as malformed rather than rounded.
 */
import { concatBytes, equalBytes, fromBase64, i2osp, toBase64, utf8 } from '../crypto/bytes.js';
import {
  ED25519_PUBLIC_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
} from '../crypto/ed25519.js';
import { BryggaError, cryptoError } from '../errors.js';
import { HASH_SIZE } from './merkle.js';
import {
  checkNoteText,
  decodeVerifierKey,
  encodeVerifierKey,
  isValidKeyName,
  KEY_ID_LENGTH,
  type NoteSignature,
  noteKeyId,
  parseNote,
  verifyNoteSignature,
} from './note.js';

/** The signature type of an Ed25519 cosignature/v1 (signed-note §Signature types, tlog-cosignature). */
export const COSIGNATURE_V1_TYPE = 0x04;

/** Bytes of the timestamp at the start of a cosignature. */
const TIMESTAMP_LENGTH = 8;

/** A log's tree head, as a checkpoint states it. */
export interface Checkpoint {
  /** The log's identity, conventionally a schema-less URL (`brygga.example/log`). */
  origin: string;
  /** The number of leaves in the tree. */
  size: number;
  /** The RFC 9162 root hash of the tree of `size` leaves (32 bytes). */
  root: Uint8Array;
  /** Opaque extension lines, usually none. */
  extensions: string[];
}

function malformed(message: string): BryggaError {
  return new BryggaError('ERR_MALFORMED', message);
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

function checkLine(line: string, what: string): void {
  if (typeof line !== 'string' || line === '' || line.includes('\n'))
    throw malformed(`${what} is not one non-empty line`);
}

/**
 * The checkpoint's note text. Throws ERR_MALFORMED for an empty origin or extension line, one holding a
 * newline or a control character, a size that is not a safe non-negative integer, or a root that is
 * not 32 bytes.
 */
export function formatCheckpoint(c: Checkpoint): string {
  checkLine(c?.origin, 'the origin');
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw malformed('the tree size is not a safe integer');
  if (!(c.root instanceof Uint8Array) || c.root.length !== HASH_SIZE)
    throw malformed('the root hash is not 32 bytes');
  if (!Array.isArray(c.extensions)) throw malformed('the extension lines are not a list');
  for (const e of c.extensions) checkLine(e, 'an extension line');
  const text = [c.origin, String(c.size), toBase64(c.root), ...c.extensions].map((l) => `${l}\n`).join('');
  checkNoteText(text);
  return text;
}

/**
 * Parse a checkpoint's note text (not the signed note: see {@link openCheckpoint}). Throws
 * ERR_MALFORMED unless it is a valid note text of at least three non-empty lines: an origin, a tree
 * size in canonical decimal (no sign, no leading zeros) no larger than 2^53 − 1, and a root hash of 32
 * bytes in canonical standard base64.
 */
export function parseCheckpoint(text: string): Checkpoint {
  checkNoteText(text);
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3 || lines.some((l) => l === '')) throw malformed('not a checkpoint');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (!DECIMAL.test(sizeLine)) throw malformed('the tree size is not canonical decimal');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw malformed('the tree size is too large');
  return { origin, size, root: fromBase64(rootLine, HASH_SIZE), extensions };
}

/**
 * Parse a signed checkpoint served by a log and check the log's signature: the note must carry a valid
 * Ed25519 signature by `logPublicKey` under the key name `origin`, and the checkpoint's origin line must
 * be `origin` (tlog-checkpoint says the log's key name SHOULD match the origin; here it must, so one
 * pinned pair of origin and key says everything). Throws ERR_MALFORMED for a malformed note or checkpoint, ERR_CRYPTO when the log's
 * signature is missing or does not verify, or the origin differs. Cosignatures are left to
 * {@link verifyCosignature}.
 */
export function openCheckpoint(
  signedNote: string,
  origin: string,
  logPublicKey: Uint8Array,
): { checkpoint: Checkpoint; text: string; signatures: NoteSignature[] } {
  const note = parseNote(signedNote);
  const checkpoint = parseCheckpoint(note.text);
  if (checkpoint.origin !== origin || !verifyNoteSignature(note, origin, logPublicKey)) throw cryptoError();
  return { checkpoint, text: note.text, signatures: note.signatures };
}

/** The message an Ed25519 cosignature/v1 signs: the header, the time line, then the checkpoint text. */
function cosignedMessage(text: string, time: number): Uint8Array {
  return utf8(`cosignature/v1\ntime ${time}\n${text}`);
}

function checkTime(time: number): void {
  if (!Number.isSafeInteger(time) || time < 0) throw malformed('the time is not a safe non-negative integer');
}

/**
 * Cosign a checkpoint as the witness `witnessName` at `time` (POSIX seconds) with an Ed25519 key (a
 * 32-byte seed): a signature line of type 0x04 whose bytes after the key id are the timestamp (8 bytes,
 * big-endian) and the signature. The text must parse as a checkpoint. Checking that it is consistent
 * with what the witness cosigned before is the witness's business, not this function's.
 */
export function cosignCheckpoint(
  text: string,
  witnessName: string,
  secretKey: Uint8Array,
  time: number,
): NoteSignature {
  parseCheckpoint(text);
  if (!isValidKeyName(witnessName)) throw malformed('not a valid key name');
  checkTime(time);
  const keyId = noteKeyId(witnessName, COSIGNATURE_V1_TYPE, ed25519PublicKey(secretKey));
  const signature = ed25519Sign(secretKey, cosignedMessage(text, time));
  return { name: witnessName, keyId, signature: concatBytes(i2osp(time, TIMESTAMP_LENGTH), signature) };
}

/**
 * Verify one signature line as the cosignature/v1 of the witness `witnessName` with Ed25519 key
 * `publicKey` over the checkpoint `text`. Returns the cosignature's time (POSIX seconds) when the name,
 * the key id (type 0x04), the length and the strict Ed25519 signature all check out, else undefined.
 * Never throws. The time is the witness's claim: a caller that wants fresh cosignatures compares it
 * with its own clock (the spec lets verifiers refuse times in the future).
 */
export function verifyCosignature(
  text: string,
  sig: NoteSignature,
  witnessName: string,
  publicKey: Uint8Array,
): { time: number } | undefined {
  if (!isValidKeyName(witnessName) || sig?.name !== witnessName) return undefined;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_LENGTH) return undefined;
  if (!(sig.keyId instanceof Uint8Array) || sig.keyId.length !== KEY_ID_LENGTH) return undefined;
  if (
    !(sig.signature instanceof Uint8Array) ||
    sig.signature.length !== TIMESTAMP_LENGTH + ED25519_SIGNATURE_LENGTH
  ) {
    return undefined;
  }
  if (!equalBytes(sig.keyId, noteKeyId(witnessName, COSIGNATURE_V1_TYPE, publicKey))) return undefined;
  try {
    parseCheckpoint(text);
  } catch {
    return undefined;
  }
  // Big-endian u64 read in two halves: anything above 2^53 − 1 cannot be a time we can name exactly.
  const view = new DataView(sig.signature.buffer, sig.signature.byteOffset, TIMESTAMP_LENGTH);
  const time = view.getUint32(0) * 2 ** 32 + view.getUint32(4);
  if (!Number.isSafeInteger(time)) return undefined;
  const signature = sig.signature.subarray(TIMESTAMP_LENGTH);
  return ed25519Verify(signature, cosignedMessage(text, time), publicKey) ? { time } : undefined;
}

/**
 * The verifier key of an Ed25519 witness, as tlog-cosignature allows it to be written:
 * `<name>+<8 hex digits key id>+<base64(0x04 ‖ public key)>`.
 */
export function cosignerVerifierKey(name: string, publicKey: Uint8Array): string {
  return encodeVerifierKey(name, COSIGNATURE_V1_TYPE, publicKey);
}

/** Parse an Ed25519 witness verifier key (type 0x04); ERR_MALFORMED as `parseVerifierKey`. */
export function parseCosignerVerifierKey(vkey: string): { name: string; publicKey: Uint8Array } {
  return decodeVerifierKey(vkey, COSIGNATURE_V1_TYPE);
}
