/**
 * The transparency log (PROTOCOL.md §18): an append-only RFC 9162 Merkle tree of every installed
 * agreement, every accepted directory statement and the hash of every accepted envelope, with a signed
 * checkpoint (C2SP tlog-checkpoint) for every size it reaches, witness cosignatures, and proofs.
 *
 * This store reads the tree (tree-rows.ts) for the log's routes and takes witnesses' cosignatures; its
 * integration rounds are integration-round.ts, run on the SQLite writer thread where there is one.
 */
import {
  assembleProof,
  BryggaError,
  consistencyPlan,
  encodeLogEntryHeader,
  type GeneralJws,
  inclusionPlan,
  nodeKey,
  parseNote,
  toBase64url,
  verifyCosignature,
} from '@brygga/client-sdk';
import { type Kysely, sql } from 'kysely';
import { Problem } from '../../problem.js';
import type { Database, TransparencyRoundResult } from '../database.js';
import type { RelaySchema } from '../schema.js';
import { DEFAULT_ROUND_SIZE, integrateRound } from './integration-round.js';
import type { TransparencyLogKey } from './transparency-log-key.js';
import { asBytes, entryKind, type LogEntryKind, loadNodes, rootAt } from './tree-rows.js';

/** Most entries one listing returns. */
export const MAX_ENTRIES_PAGE = 1000;

/** Leaves read per query while an entry stream is sent: about 140 KiB of envelope records. */
const STREAM_ROWS = 4096;

/** The records of leaves `from` to `to` - 1 as one buffer, and how many leaves there were. */
type RecordReader = (
  db: Kysely<RelaySchema>,
  from: number,
  to: number,
) => Promise<{ rows: number; records: Uint8Array }>;

/*
 * The database writes the records itself (PROTOCOL.md §18.5: kind ‖ hash, and for a statement or an
 * agreement ‖ uint32 length ‖ its UTF-8 bytes), in index order, one row for a whole chunk: a row per
 * leaf, each with its own blob object, costs the relay about twice the CPU time.
 */

/** SQLite has no blob concatenation: the records in hex, decoded here. */
const sqliteRecords: RecordReader = async (db, from, to) => {
  const { rows } = await sql<{ n: number; records: string | null }>`
    select count(*) as n, group_concat(
      printf('%02x', kind) || hex(hash) || case when ref is null then ''
        else printf('%08x', length(cast(ref as blob))) || hex(cast(ref as blob)) end,
      '' order by idx) as records
    from log_leaves where idx >= ${from} and idx < ${to}`.execute(db);
  const row = rows[0];
  return { rows: Number(row?.n ?? 0), records: asBytes(Buffer.from(row?.records ?? '', 'hex')) };
};

const postgresRecords: RecordReader = async (db, from, to) => {
  const { rows } = await sql<{ n: string | number; records: Uint8Array | null }>`
    select count(*) as n, string_agg(
      decode(lpad(to_hex(kind), 2, '0'), 'hex') || hash || case when ref is null then ''::bytea
        else int4send(octet_length(convert_to(ref, 'UTF8'))) || convert_to(ref, 'UTF8') end,
      ''::bytea order by idx) as records
    from log_leaves where idx >= ${from} and idx < ${to}`.execute(db);
  const row = rows[0];
  return { rows: Number(row?.n ?? 0), records: row?.records ? asBytes(row.records) : new Uint8Array(0) };
};

/** One listed entry (`GET /v1/log/entries`). */
export interface LogEntry {
  index: number;
  kind: LogEntryKind;
  /** The hash the leaf names (base64url). */
  hash: string;
  /** The statement's compact JWS, or the agreement document as the directory serves it. */
  jws?: string | GeneralJws;
}

/** An inclusion or consistency proof. */
export interface LogProof {
  proof: Uint8Array[];
}

/**
 * What the store needs of a database. With `integrateTransparencyLog` (a SQLite file) a round runs on
 * the writer thread; without it (PostgreSQL, `:memory:`) through `write`.
 */
export type TransparencyLogStoreDatabase = Pick<
  Database,
  'engine' | 'db' | 'write' | 'integrateTransparencyLog'
>;

/** Options of a {@link TransparencyLogStore}. */
export interface TransparencyLogStoreOptions {
  key: TransparencyLogKey;
  /** The clock, in milliseconds. */
  now: () => number;
}

function notLogged(): BryggaError {
  return new BryggaError('ERR_NOT_LOGGED', 'the leaf is not in the log at that size');
}

function beyondLog(size: number): BryggaError {
  return new BryggaError('ERR_BEYOND_LOG', `the log has ${size} leaves`);
}

/** The transparency log's tables (see the module header). */
export class TransparencyLogStore {
  readonly #database: TransparencyLogStoreDatabase;
  readonly #now: () => number;
  /** The signing key; its origin names the log. */
  readonly key: TransparencyLogKey;

  constructor(database: TransparencyLogStoreDatabase, options: TransparencyLogStoreOptions) {
    this.#database = database;
    this.key = options.key;
    this.#now = options.now;
  }

  /** The log's origin (the first line of every checkpoint). */
  get origin(): string {
    return this.key.origin;
  }

  /**
   * One integration round: append up to `limit` unlogged rows (agreements, then statements in sequence
   * order, then submissions in order of receipt) and sign the checkpoint of the new size. Issues the
   * empty tree's checkpoint on a fresh log. Safe to run in several processes at once.
   */
  integrate(limit = DEFAULT_ROUND_SIZE): Promise<TransparencyRoundResult> {
    const now = this.#now();
    const onWriterThread = this.#database.integrateTransparencyLog;
    if (onWriterThread) return onWriterThread({ limit, now, key: this.key.forWriterThread() });
    return integrateRound(this.#database, { limit, now, key: this.key });
  }

  /** The tree size: that of the latest checkpoint (each round commits its leaves with their checkpoint). */
  async size(): Promise<number> {
    const row = await this.#database.db
      .selectFrom('log_checkpoints')
      .select((eb) => eb.fn.max('size').as('size'))
      .executeTakeFirst();
    if (row?.size === null || row?.size === undefined) {
      throw new Problem('ERR_UNAVAILABLE', 'the log has not issued a checkpoint yet', {
        headers: { 'retry-after': '1' },
      });
    }
    return Number(row.size);
  }

  /**
   * The checkpoint issued at `size` (default: the latest) as a signed note, with every stored
   * cosignature appended as a further signature line; undefined if none was issued at that size.
   */
  async checkpoint(size?: number): Promise<string | undefined> {
    const at = size ?? (await this.size());
    const row = await this.#database.db
      .selectFrom('log_checkpoints')
      .select('note')
      .where('size', '=', at)
      .executeTakeFirst();
    if (!row) return undefined;
    const cosignatures = await this.#database.db
      .selectFrom('log_cosignatures')
      .select('line')
      .where('size', '=', at)
      .orderBy('created_at')
      .orderBy('witness')
      .execute();
    return row.note + cosignatures.map((c) => `${c.line}\n`).join('');
  }

  /**
   * The inclusion proof of the leaf with hash `leaf` in the tree of `size` leaves (default: the latest
   * checkpoint's). Refusals: `ERR_BEYOND_LOG` if the log is smaller than `size`, `ERR_NOT_LOGGED` if the
   * leaf is not among the first `size` leaves.
   */
  async inclusionProof(leaf: Uint8Array, size?: number): Promise<{ index: number; size: number } & LogProof> {
    const tree = await this.size();
    const n = size ?? tree;
    if (n > tree) throw beyondLog(tree);
    const row = await this.#database.db
      .selectFrom('log_leaves')
      .select('idx')
      .where('leaf_hash', '=', leaf)
      .executeTakeFirst();
    const index = row === undefined ? undefined : Number(row.idx);
    if (index === undefined || index >= n) throw notLogged();
    const plan = inclusionPlan(index, n);
    const nodes = await loadNodes(this.#database.db, plan.nodes);
    return { index, size: n, proof: assembleProof(plan, (node) => nodes.get(nodeKey(node))) };
  }

  /** The consistency proof between the trees of `from` and `to` leaves, 0 < from ≤ to ≤ tree size. */
  async consistencyProof(from: number, to: number): Promise<{ from: number; to: number } & LogProof> {
    if (!(from > 0 && from <= to)) {
      throw new BryggaError('ERR_MALFORMED', 'a consistency proof needs 0 < from ≤ to');
    }
    const tree = await this.size();
    if (to > tree) throw beyondLog(tree);
    const plan = consistencyPlan(from, to);
    const nodes = await loadNodes(this.#database.db, plan.nodes);
    return { from, to, proof: assembleProof(plan, (node) => nodes.get(nodeKey(node))) };
  }

  /** The root of the tree of `size` leaves (for tests and audits; `size` ≤ the tree size). */
  async root(size: number): Promise<Uint8Array> {
    if (size > (await this.size())) throw beyondLog(await this.size());
    return rootAt(this.#database.db, size);
  }

  /** Up to `limit` entries from leaf `start`, within the tree of the latest checkpoint. */
  async entries(start: number, limit: number): Promise<{ entries: LogEntry[]; size: number }> {
    const size = await this.size();
    const rows = await this.#database.db
      .selectFrom('log_leaves')
      .select(['idx', 'kind', 'hash', 'ref'])
      .where('idx', '>=', start)
      .where('idx', '<', Math.min(size, start + Math.min(limit, MAX_ENTRIES_PAGE)))
      .orderBy('idx')
      .execute();
    const entries = rows.map((r): LogEntry => {
      const kind = entryKind(Number(r.kind));
      const entry: LogEntry = { index: Number(r.idx), kind, hash: toBase64url(asBytes(r.hash)) };
      if (r.ref !== null) entry.jws = kind === 'agreement' ? (JSON.parse(r.ref) as GeneralJws) : r.ref;
      return entry;
    });
    return { entries, size };
  }

  /**
   * The entry stream (PROTOCOL.md §18.5) of up to `limit` leaves from `start`, within the tree of the
   * latest checkpoint: its header, then the records, read {@link STREAM_ROWS} leaves at a time as the
   * consumer asks for the next chunk, so no answer is ever held whole. The count in the header is fixed
   * before the first record: leaves below a checkpoint's size never change, so the reads need no
   * transaction. A read that fails throws from the generator; the answer must then break off, not end.
   */
  async entryStream(start: number, limit: number): Promise<AsyncGenerator<Uint8Array>> {
    const size = await this.size();
    const count = Math.max(0, Math.min(limit, size - start));
    const read = this.#database.engine === 'postgres' ? postgresRecords : sqliteRecords;
    const db = this.#database.db;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield encodeLogEntryHeader({ start, count, size });
      const end = start + count;
      for (let from = start; from < end; from += STREAM_ROWS) {
        const to = Math.min(end, from + STREAM_ROWS);
        const { rows, records } = await read(db, from, to);
        if (rows !== to - from) throw new Error(`the transparency log lacks leaves of ${from} to ${to}`);
        yield records;
      }
    }
    return chunks();
  }

  /** The leaf index of a logged submission (by packet id), while its idempotency record is kept. */
  async submissionIndex(id: string): Promise<number | undefined> {
    const row = await this.#database.db
      .selectFrom('submissions')
      .select('log_index')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.log_index === null || row?.log_index === undefined ? undefined : Number(row.log_index);
  }

  /**
   * Store the cosignature `line` (a signature line of a signed note) of witness `witness` with public
   * key `publicKey` over the checkpoint issued at `size`, after verifying it (cosignature/v1).
   * Idempotent: a witness's first cosignature of a checkpoint is kept, a later one changes nothing.
   * Refusals: `ERR_NOT_FOUND` (no checkpoint of that size), `ERR_MALFORMED` (not a signature line),
   * `ERR_FORBIDDEN` (not signed under `witness`), `ERR_CRYPTO` (does not verify).
   */
  async addCosignature(
    size: number,
    witness: string,
    publicKey: Uint8Array,
    line: string,
  ): Promise<{ created: boolean; time: number }> {
    const row = await this.#database.db
      .selectFrom('log_checkpoints')
      .select('note')
      .where('size', '=', size)
      .executeTakeFirst();
    if (!row) throw new BryggaError('ERR_NOT_FOUND', `no checkpoint was issued at size ${size}`);
    const text = parseNote(row.note).text;
    if (typeof line !== 'string' || line.includes('\n') || line.length > 8192) {
      throw new BryggaError('ERR_MALFORMED', 'signature must be one signature line');
    }
    // A signature line parses as the one signature of a note with this text.
    const signatures = parseNote(`${text}\n${line}\n`).signatures;
    const signature = signatures[0];
    if (signatures.length !== 1 || !signature) {
      throw new BryggaError('ERR_MALFORMED', 'signature must be one signature line');
    }
    if (signature.name !== witness) {
      throw new BryggaError('ERR_FORBIDDEN', `the cosignature must be signed under ${witness}`);
    }
    const verified = verifyCosignature(text, signature, witness, publicKey);
    // Answered with the one fixed message of every verification failure.
    if (!verified) throw new BryggaError('ERR_CRYPTO', 'the cosignature does not verify');
    const created = await this.#database.write(async (trx) => {
      const inserted = await trx
        .insertInto('log_cosignatures')
        .values({ size, witness, line, signed_at: verified.time, created_at: this.#now() })
        .onConflict((oc) => oc.doNothing())
        .returning('size')
        .execute();
      return inserted.length > 0;
    });
    return { created, time: verified.time };
  }
}
