/**
 * The transparency log (PROTOCOL.md §18): an append-only RFC 9162 Merkle tree of every installed
 * agreement, every accepted directory statement and the hash of every accepted envelope, with a signed
 * checkpoint (C2SP tlog-checkpoint) for every size it reaches, witness cosignatures, and proofs.
 *
 * Sequencing stays off the submission path: a submission commits as before, with a null `log_index`,
 * and an integration round (log-integrator.ts schedules them) later takes the unlogged rows in one
 * write transaction: it appends them as leaves, stores every perfect subtree the leaves complete,
 * marks the rows with their leaf index and stores the signed checkpoint of the new size. Rounds are
 * serialised by the single writer on SQLite (on a database file they run on its writer thread, off the
 * event loop) and by a transaction-scoped advisory lock on PostgreSQL, so several relay processes on
 * one database build one log; a round that commits is wholly in the log, one that fails leaves no trace.
 *
 * Storage is what proofs need and no more: the hash of every perfect subtree (`log_nodes`, level 0 being
 * the leaf hashes), so a root, an inclusion proof or a consistency proof for any size up to the tree's
 * is one indexed query for O(log n) rows (merkle.ts plans which); nothing ever loads the whole log.
 */
import {
  appendLeaves,
  assembleProof,
  consistencyPlan,
  formatCheckpoint,
  fromBase64url,
  type GeneralJws,
  inclusionPlan,
  leafHash,
  type NodeId,
  nodeKey,
  parseNote,
  rootPlan,
  toBase64url,
  verifyCosignature,
} from '@brygga/client-sdk';
import { type Kysely, sql } from 'kysely';
import { Problem } from '../problem.js';
import type { Database, WriteTransaction } from './database.js';
import { LogKey, type LogKeyHandle } from './log-key.js';
import type { LogLeafKind, RelaySchema } from './schema.js';

/** What a leaf is about. */
export type LogEntryKind = 'agreement' | 'statement' | 'envelope';

/** The leaf kind byte of each entry kind (PROTOCOL.md §18.1). */
export const LEAF_KINDS: Readonly<Record<LogEntryKind, LogLeafKind>> = {
  agreement: 1,
  statement: 2,
  envelope: 3,
};

const KIND_NAMES: Record<LogLeafKind, LogEntryKind> = { 1: 'agreement', 2: 'statement', 3: 'envelope' };

/** Most leaves one round appends (the rest waits for the next round). */
export const DEFAULT_ROUND_SIZE = 10_000;

/** Most entries one listing returns. */
export const MAX_ENTRIES_PAGE = 1000;

/** Rows per multi-row insert or update (under both engines' parameter limits). */
const CHUNK = 1000;

/** The leaf data `kind ‖ hash` of an object (PROTOCOL.md §18.1). */
export function leafData(kind: LogEntryKind, hash: Uint8Array): Uint8Array {
  if (hash.length !== 32) throw new Error('a logged hash is 32 bytes');
  const data = new Uint8Array(33);
  data[0] = LEAF_KINDS[kind];
  data.set(hash, 1);
  return data;
}

/** The RFC 9162 leaf hash of an object. */
export function logLeafHash(kind: LogEntryKind, hash: Uint8Array): Uint8Array {
  return leafHash(leafData(kind, hash));
}

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

/** The outcome of one integration round. */
export interface RoundResult {
  /** Leaves appended. */
  appended: number;
  /** Rows marked as logged without a new leaf: objects already in the log (a re-submitted envelope). */
  repeated: number;
  /** The tree size after the round. */
  size: number;
}

/** A row waiting for the log. */
interface Pending {
  table: 'agreements' | 'statements' | 'submissions';
  key: string | number;
  kind: LogEntryKind;
  hash: Uint8Array;
  ref: string | null;
}

/**
 * An integration round to run on the SQLite writer thread (see {@link LogDatabase.integrateLog}): the
 * round's size, the clock's reading for its checkpoint, and the key that signs it.
 */
export interface LogRoundRequest {
  limit: number;
  now: number;
  key: LogKeyHandle;
}

/**
 * What the log needs of a database. With `integrateLog` (a SQLite file) a round runs on the writer
 * thread; without it (PostgreSQL, `:memory:`, and on the writer thread itself) through `write`.
 */
export type LogDatabase = Pick<Database, 'engine' | 'db' | 'write' | 'integrateLog'>;

/** Options of a {@link LogStore}. */
export interface LogStoreOptions {
  key: LogKey;
  /** The clock, in milliseconds. */
  now: () => number;
}

function b64uHash(text: string): Uint8Array {
  return fromBase64url(text, 32);
}

function bytes(value: Uint8Array): Uint8Array {
  // Both drivers hand back Buffers; callers get plain views on the same memory.
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

function notLogged(): Problem {
  return new Problem('not-logged', 'the leaf is not in the log at that size');
}

function beyondLog(size: number): Problem {
  return new Problem('beyond-log', `the log has ${size} leaves`);
}

/** The log's tables (see the module header). */
export class LogStore {
  readonly #database: LogDatabase;
  readonly #now: () => number;
  /** The signing key; its origin names the log. */
  readonly key: LogKey;

  constructor(database: LogDatabase, options: LogStoreOptions) {
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
  integrate(limit = DEFAULT_ROUND_SIZE): Promise<RoundResult> {
    const { integrateLog } = this.#database;
    if (integrateLog) return integrateLog({ limit, now: this.#now(), key: this.key.forWriterThread() });
    return this.#database.write((trx) => this.#round(trx, limit));
  }

  async #round(trx: WriteTransaction, limit: number): Promise<RoundResult> {
    if (this.#database.engine === 'postgres') {
      await sql`select pg_advisory_xact_lock(hashtextextended('brygga:log:' || current_schema(), 0))`.execute(
        trx,
      );
    }
    const size = await this.#leafCount(trx);
    const pending = await this.#pending(trx, limit);
    if (pending.length === 0) {
      const issued = await trx
        .selectFrom('log_checkpoints')
        .select('size')
        .where('size', '=', size)
        .executeTakeFirst();
      if (!issued) await this.#issue(trx, size, await this.#root(trx, size));
      return { appended: 0, repeated: 0, size };
    }

    // Only an envelope can come back after its row was deleted at expiry; such a repeat keeps its leaf.
    const leafHashes = pending.map((p) => logLeafHash(p.kind, p.hash));
    const known = await this.#knownLeaves(
      trx,
      leafHashes.filter((_, i) => pending[i]!.kind === 'envelope'),
    );
    const fresh: { p: Pending; leaf: Uint8Array; index: number }[] = [];
    const marks: { p: Pending; index: number }[] = [];
    const seen = new Map<string, number>();
    let next = size;
    pending.forEach((p, i) => {
      const leaf = leafHashes[i]!;
      const id = toBase64url(leaf);
      const index = known.get(id) ?? seen.get(id);
      if (index !== undefined) {
        marks.push({ p, index });
        return;
      }
      seen.set(id, next);
      fresh.push({ p, leaf, index: next });
      marks.push({ p, index: next });
      next++;
    });

    // Only the right edge of the tree is loaded: O(log n) hashes, whatever the log's size.
    const edge = rootPlan(size);
    const frontier = await this.#nodes(trx, edge);
    const appended = appendLeaves(
      size,
      edge.map((n) => frontier.get(nodeKey(n))!),
      fresh.map((f) => f.leaf),
    );
    for (let i = 0; i < fresh.length; i += CHUNK) {
      await trx
        .insertInto('log_leaves')
        .values(
          fresh.slice(i, i + CHUNK).map((f) => ({
            idx: f.index,
            kind: LEAF_KINDS[f.p.kind],
            hash: f.p.hash,
            leaf_hash: f.leaf,
            ref: f.p.ref,
          })),
        )
        .execute();
    }
    for (let i = 0; i < appended.nodes.length; i += CHUNK) {
      await trx
        .insertInto('log_nodes')
        .values(
          appended.nodes
            .slice(i, i + CHUNK)
            .map((n) => ({ level: n.node.level, idx: n.node.index, hash: n.hash })),
        )
        .execute();
    }
    for (const table of ['agreements', 'statements', 'submissions'] as const) {
      await this.#mark(
        trx,
        table,
        marks.filter((m) => m.p.table === table),
      );
    }
    if (fresh.length > 0) await this.#issue(trx, appended.size, appended.root);
    return { appended: fresh.length, repeated: pending.length - fresh.length, size: appended.size };
  }

  async #leafCount(db: Kysely<RelaySchema>): Promise<number> {
    const row = await db
      .selectFrom('log_leaves')
      .select((eb) => eb.fn.max('idx').as('top'))
      .executeTakeFirst();
    return row?.top === null || row?.top === undefined ? 0 : Number(row.top) + 1;
  }

  async #pending(trx: WriteTransaction, limit: number): Promise<Pending[]> {
    const out: Pending[] = [];
    const agreements = await trx
      .selectFrom('agreements')
      .select(['seq', 'digest', 'document'])
      .where('log_index', 'is', null)
      .orderBy('seq')
      .limit(limit)
      .execute();
    for (const a of agreements) {
      out.push({
        table: 'agreements',
        key: a.seq,
        kind: 'agreement',
        hash: b64uHash(a.digest),
        ref: a.document,
      });
    }
    if (out.length < limit) {
      const statements = await trx
        .selectFrom('statements')
        .select(['seq', 'hash', 'jws'])
        .where('log_index', 'is', null)
        .orderBy('seq')
        .limit(limit - out.length)
        .execute();
      for (const s of statements) {
        out.push({ table: 'statements', key: s.seq, kind: 'statement', hash: b64uHash(s.hash), ref: s.jws });
      }
    }
    if (out.length < limit) {
      const submissions = await trx
        .selectFrom('submissions')
        .select(['id', 'digest'])
        .where('log_index', 'is', null)
        .orderBy('received_at')
        .orderBy('id')
        .limit(limit - out.length)
        .execute();
      for (const s of submissions) {
        out.push({ table: 'submissions', key: s.id, kind: 'envelope', hash: b64uHash(s.digest), ref: null });
      }
    }
    return out;
  }

  /** Leaf indexes of those of `leaves` already in the log, by base64url leaf hash. */
  async #knownLeaves(db: Kysely<RelaySchema>, leaves: Uint8Array[]): Promise<Map<string, number>> {
    const known = new Map<string, number>();
    for (let i = 0; i < leaves.length; i += CHUNK) {
      const rows = await db
        .selectFrom('log_leaves')
        .select(['idx', 'leaf_hash'])
        .where('leaf_hash', 'in', leaves.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) known.set(toBase64url(bytes(r.leaf_hash)), Number(r.idx));
    }
    return known;
  }

  /** Set `log_index` of the rows in `marks`: one statement per chunk, not one per row. */
  async #mark(
    trx: WriteTransaction,
    table: 'agreements' | 'statements' | 'submissions',
    marks: { p: Pending; index: number }[],
  ): Promise<void> {
    const column = table === 'submissions' ? 'id' : 'seq';
    for (let i = 0; i < marks.length; i += CHUNK) {
      const chunk = marks.slice(i, i + CHUNK);
      if (this.#database.engine === 'postgres') {
        const keyType = table === 'submissions' ? sql.raw('text[]') : sql.raw('bigint[]');
        await sql`update ${sql.table(table)} set log_index = v.i
          from unnest(${chunk.map((m) => m.p.key)}::${keyType}, ${chunk.map((m) => m.index)}::bigint[]) as v(k, i)
          where ${sql.ref(`${table}.${column}`)} = v.k`.execute(trx);
      } else {
        const values = sql.join(chunk.map((m) => sql`(${m.p.key}, ${m.index})`));
        await sql`with v(k, i) as (values ${values})
          update ${sql.table(table)} set log_index = v.i from v
          where ${sql.ref(`${table}.${column}`)} = v.k`.execute(trx);
      }
    }
  }

  /** The stored hashes of `nodes`, in one query. */
  async #nodes(db: Kysely<RelaySchema>, nodes: readonly NodeId[]): Promise<Map<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    if (nodes.length === 0) return found;
    const rows = await db
      .selectFrom('log_nodes')
      .select(['level', 'idx', 'hash'])
      .where((eb) => eb.or(nodes.map((n) => eb.and([eb('level', '=', n.level), eb('idx', '=', n.index)]))))
      .execute();
    for (const r of rows) found.set(nodeKey({ level: Number(r.level), index: Number(r.idx) }), bytes(r.hash));
    for (const n of nodes) {
      // Every node of a tree no larger than the log's was stored with the leaf that completed it.
      if (!found.has(nodeKey(n))) throw new Error(`the log is missing node ${nodeKey(n)}`);
    }
    return found;
  }

  async #root(db: Kysely<RelaySchema>, size: number): Promise<Uint8Array> {
    const plan = rootPlan(size);
    const nodes = await this.#nodes(db, plan);
    return assembleProof({ elements: [plan], nodes: plan }, (n) => nodes.get(nodeKey(n)))[0]!;
  }

  async #issue(trx: WriteTransaction, size: number, root: Uint8Array): Promise<void> {
    const text = formatCheckpoint({ origin: this.origin, size, root, extensions: [] });
    await trx
      .insertInto('log_checkpoints')
      .values({ size, note: this.key.signedNote(text), created_at: this.#now() })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  /** The tree size: that of the latest checkpoint (each round commits its leaves with their checkpoint). */
  async size(): Promise<number> {
    const row = await this.#database.db
      .selectFrom('log_checkpoints')
      .select((eb) => eb.fn.max('size').as('size'))
      .executeTakeFirst();
    if (row?.size === null || row?.size === undefined) {
      throw new Problem('unavailable', 'the log has not issued a checkpoint yet', {
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
   * checkpoint's). Problems: `beyond-log` if the log is smaller than `size`, `not-logged` if the leaf
   * is not among the first `size` leaves.
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
    const nodes = await this.#nodes(this.#database.db, plan.nodes);
    return { index, size: n, proof: assembleProof(plan, (node) => nodes.get(nodeKey(node))) };
  }

  /** The consistency proof between the trees of `from` and `to` leaves, 0 < from ≤ to ≤ tree size. */
  async consistencyProof(from: number, to: number): Promise<{ from: number; to: number } & LogProof> {
    if (!(from > 0 && from <= to)) {
      throw new Problem('malformed', 'a consistency proof needs 0 < from ≤ to');
    }
    const tree = await this.size();
    if (to > tree) throw beyondLog(tree);
    const plan = consistencyPlan(from, to);
    const nodes = await this.#nodes(this.#database.db, plan.nodes);
    return { from, to, proof: assembleProof(plan, (node) => nodes.get(nodeKey(node))) };
  }

  /** The root of the tree of `size` leaves (for tests and audits; `size` ≤ the tree size). */
  async root(size: number): Promise<Uint8Array> {
    if (size > (await this.size())) throw beyondLog(await this.size());
    return this.#root(this.#database.db, size);
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
      const kind = KIND_NAMES[Number(r.kind) as LogLeafKind];
      const entry: LogEntry = { index: Number(r.idx), kind, hash: toBase64url(bytes(r.hash)) };
      if (r.ref !== null) entry.jws = kind === 'agreement' ? (JSON.parse(r.ref) as GeneralJws) : r.ref;
      return entry;
    });
    return { entries, size };
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
   * Problems: `not-found` (no checkpoint of that size), `malformed` (not a signature line of
   * `witness`), `invalid-signature`.
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
    if (!row) throw new Problem('not-found', `no checkpoint was issued at size ${size}`);
    const text = parseNote(row.note).text;
    if (typeof line !== 'string' || line.includes('\n') || line.length > 8192) {
      throw new Problem('malformed', 'signature must be one signature line');
    }
    // A signature line parses as the one signature of a note with this text.
    const signatures = parseNote(`${text}\n${line}\n`).signatures;
    const signature = signatures[0];
    if (signatures.length !== 1 || !signature) throw new Problem('malformed', 'signature must be one line');
    if (signature.name !== witness) {
      throw new Problem('forbidden', `the cosignature must be signed under ${witness}`);
    }
    const verified = verifyCosignature(text, signature, witness, publicKey);
    if (!verified) throw new Problem('invalid-signature', 'the cosignature does not verify');
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

/** Run a round requested through {@link LogDatabase.integrateLog}, on the thread that runs it. */
export function runLogRound(database: LogDatabase, request: LogRoundRequest): Promise<RoundResult> {
  const store = new LogStore(database, { key: LogKey.fromHandle(request.key), now: () => request.now });
  return store.integrate(request.limit);
}
