/**
 * The bulk form of the log's entries (PROTOCOL.md §18.5, "The entry stream"): what
 * `GET /v1/log/entries` answers to `Accept: application/vnd.brygga.log-entries`. A header, then one
 * record per leaf in index order:
 *
 *     header = version (0x01) ‖ start (uint64) ‖ count (uint32) ‖ size (uint64)          21 bytes
 *     record = kind (1) ‖ hash (32)                                  kind 0x03, an envelope
 *            | kind (1) ‖ hash (32) ‖ length (uint32) ‖ data         kinds 0x01 and 0x02
 *
 * Integers are big-endian. `kind ‖ hash` is the leaf data of §18.1, so a reader hashes the record's
 * first 33 bytes as it stands. `data` is the statement's compact JWS (ASCII) or the agreement document
 * (UTF-8 JSON); 1 to {@link MAX_ENTRY_DATA} bytes.
 *
 * {@link encodeLogEntryHeader} and {@link encodeLogEntries} write it (the relay); {@link LogEntryReader}
 * reads it as it arrives, in chunks of any size, handing each record to a callback as a view into the
 * chunk (a record split across chunks is copied once), and refuses anything else with
 * {@link LogEntryStreamError}.
 */
import { BryggaError } from '../errors.js';
import { HASH_SIZE } from './merkle.js';

/** The format's version byte. */
export const LOG_ENTRY_STREAM_VERSION = 0x01;
/** Bytes of the header. */
export const LOG_ENTRY_HEADER_SIZE = 21;
/** Most records one answer holds (the largest `limit` of the bulk form). */
export const MAX_STREAM_ENTRIES = 65536;
/** Largest `data` of one record: a statement or an agreement document. */
export const MAX_ENTRY_DATA = 1 << 20;

/** `kind ‖ hash`: the leaf data, and the whole record of an envelope. */
const LEAF_DATA = 1 + HASH_SIZE;
const KIND_AGREEMENT = 0x01;
const KIND_STATEMENT = 0x02;
const KIND_ENVELOPE = 0x03;
const EMPTY = new Uint8Array(0);

/** What the header says. */
export interface LogEntryStreamHeader {
  /** The index of the first record. */
  start: number;
  /** How many records follow. */
  count: number;
  /** The tree size of the relay's latest checkpoint when it answered. */
  size: number;
}

/** One entry to encode: its kind byte, the 32-byte hash, and for kinds 1 and 2 the object's bytes. */
export interface LogEntryRecord {
  kind: number;
  hash: Uint8Array;
  data?: Uint8Array | undefined;
}

/** A stream that is not the format of the module header (code `ERR_MALFORMED`). */
export class LogEntryStreamError extends BryggaError<'ERR_MALFORMED'> {
  override readonly name = 'LogEntryStreamError';

  constructor(message: string) {
    super('ERR_MALFORMED', `log entry stream: ${message}`);
  }
}

function writeUint64(out: Uint8Array, at: number, value: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(at, Math.floor(value / 2 ** 32));
  view.setUint32(at + 4, value >>> 0);
}

function readUint64(view: DataView, at: number): number {
  const value = view.getUint32(at) * 2 ** 32 + view.getUint32(at + 4);
  if (!Number.isSafeInteger(value)) throw new LogEntryStreamError('an integer beyond 2^53 - 1');
  return value;
}

/** The header of an answer. */
export function encodeLogEntryHeader(header: LogEntryStreamHeader): Uint8Array {
  const { start, count, size } = header;
  for (const n of [start, size]) {
    if (!Number.isSafeInteger(n) || n < 0) throw new LogEntryStreamError('a size or index out of range');
  }
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_STREAM_ENTRIES) {
    throw new LogEntryStreamError('a count out of range');
  }
  const out = new Uint8Array(LOG_ENTRY_HEADER_SIZE);
  out[0] = LOG_ENTRY_STREAM_VERSION;
  writeUint64(out, 1, start);
  new DataView(out.buffer).setUint32(9, count);
  writeUint64(out, 13, size);
  return out;
}

/** Records, one after the other, in one buffer. */
export function encodeLogEntries(records: readonly LogEntryRecord[]): Uint8Array {
  let length = 0;
  for (const r of records) {
    if (r.hash.length !== HASH_SIZE) throw new LogEntryStreamError('a hash is not 32 bytes');
    if (r.kind === KIND_ENVELOPE) {
      if (r.data !== undefined) throw new LogEntryStreamError('an envelope record carries no data');
      length += LEAF_DATA;
    } else if (r.kind === KIND_AGREEMENT || r.kind === KIND_STATEMENT) {
      if (!r.data || r.data.length < 1 || r.data.length > MAX_ENTRY_DATA)
        throw new LogEntryStreamError('a statement or agreement record carries 1 to 2^20 bytes');
      length += LEAF_DATA + 4 + r.data.length;
    } else {
      throw new LogEntryStreamError(`unknown kind ${r.kind}`);
    }
  }
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const r of records) {
    out[at] = r.kind;
    out.set(r.hash, at + 1);
    at += LEAF_DATA;
    if (r.data) {
      view.setUint32(at, r.data.length);
      out.set(r.data, at + 4);
      at += 4 + r.data.length;
    }
  }
  return out;
}

/**
 * Called for each record: `leafData` is `kind ‖ hash` (33 bytes), `data` the object's bytes for kinds
 * 1 and 2. Both are views valid during the call only: copy what is kept.
 */
export type LogEntryVisitor = (leafData: Uint8Array, data: Uint8Array | undefined) => void;

/**
 * Reads an entry stream incrementally: {@link push} each chunk as it arrives, then {@link end}. Every
 * departure from the format (a version, a kind, a length, bytes beyond the last record, a stream that
 * stops before its count) throws {@link LogEntryStreamError}.
 *
 * @example
 * const reader = new LogEntryReader((leafData, data) => frontier.appendLeafData(leafData));
 * for await (const chunk of body) reader.push(chunk);
 * reader.end();
 */
export class LogEntryReader {
  readonly #visit: LogEntryVisitor;
  readonly #onHeader: ((header: LogEntryStreamHeader) => void) | undefined;
  #header: LogEntryStreamHeader | undefined;
  #read = 0;
  /** A record (or the header) split across chunks: the bytes so far. */
  #carry: Uint8Array = EMPTY;

  /** `visit` sees each record; `onHeader`, when given, the header before any record. */
  constructor(visit: LogEntryVisitor, onHeader?: (header: LogEntryStreamHeader) => void) {
    this.#visit = visit;
    this.#onHeader = onHeader;
  }

  /** The header, once read. */
  get header(): LogEntryStreamHeader | undefined {
    return this.#header;
  }

  /** Records read so far. */
  get read(): number {
    return this.#read;
  }

  /** Take the next chunk of the stream. */
  push(chunk: Uint8Array): void {
    // A record split across chunks is completed by copying; the rest is read in place.
    let bytes = chunk;
    if (this.#carry.length > 0) {
      bytes = new Uint8Array(this.#carry.length + chunk.length);
      bytes.set(this.#carry);
      bytes.set(chunk, this.#carry.length);
    }
    const used = this.#consumeAll(bytes);
    this.#carry = used < bytes.length ? bytes.slice(used) : EMPTY;
  }

  /** The stream ended: its header and every record it announced must have come, and nothing more. */
  end(): LogEntryStreamHeader {
    if (!this.#header) throw new LogEntryStreamError('it ends before its header');
    if (this.#carry.length > 0 || this.#read < this.#header.count) {
      throw new LogEntryStreamError(`it ends after ${this.#read} of ${this.#header.count} records`);
    }
    return this.#header;
  }

  /** Read every whole record in `bytes`; returns how many bytes they took. */
  #consumeAll(bytes: Uint8Array): number {
    let at = 0;
    if (!this.#header) {
      if (bytes.length < LOG_ENTRY_HEADER_SIZE) return 0;
      this.#header = parseHeader(bytes.subarray(0, LOG_ENTRY_HEADER_SIZE));
      at = LOG_ENTRY_HEADER_SIZE;
      this.#onHeader?.(this.#header);
    }
    const count = this.#header.count;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    while (at < bytes.length) {
      if (this.#read >= count) throw new LogEntryStreamError(`bytes after its ${count} records`);
      const kind = bytes[at]!;
      if (kind === KIND_ENVELOPE) {
        if (bytes.length - at < LEAF_DATA) break;
        this.#visit(bytes.subarray(at, at + LEAF_DATA), undefined);
        at += LEAF_DATA;
      } else if (kind === KIND_AGREEMENT || kind === KIND_STATEMENT) {
        if (bytes.length - at < LEAF_DATA + 4) break;
        const length = view.getUint32(at + LEAF_DATA);
        if (length < 1 || length > MAX_ENTRY_DATA)
          throw new LogEntryStreamError(`a record of ${length} bytes (1 to 2^20)`);
        const end = at + LEAF_DATA + 4 + length;
        if (end > bytes.length) break;
        this.#visit(bytes.subarray(at, at + LEAF_DATA), bytes.subarray(at + LEAF_DATA + 4, end));
        at = end;
      } else {
        throw new LogEntryStreamError(`unknown kind ${kind}`);
      }
      this.#read++;
    }
    return at;
  }
}

function parseHeader(bytes: Uint8Array): LogEntryStreamHeader {
  if (bytes[0] !== LOG_ENTRY_STREAM_VERSION) throw new LogEntryStreamError(`version ${bytes[0]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = readUint64(view, 1);
  const count = view.getUint32(9);
  const size = readUint64(view, 13);
  if (count > MAX_STREAM_ENTRIES) throw new LogEntryStreamError(`a count of ${count}`);
  return { start, count, size };
}
