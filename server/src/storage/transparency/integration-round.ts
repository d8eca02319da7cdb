/**
 * An integration round of the transparency log (PROTOCOL.md §18.2). Sequencing stays off the
 * submission path: a submission commits as before, with a null `log_index`, and a round
 * (transparency-log-integrator.ts schedules them) later takes the unlogged rows in one write
 * transaction: it appends them as leaves, stores every perfect subtree the leaves complete
 * (tree-rows.ts), marks the rows with their leaf index and stores the signed checkpoint of the new size.
 *
 * Rounds are serialised by the single writer on SQLite (on a database file they run on its writer
 * thread, off the event loop: ../sqlite/sqlite-write-worker.ts imports this module for that) and by a
 * transaction-scoped advisory lock on PostgreSQL, so several relay processes on one database build one
 * log; a round that commits is wholly in the log, one that fails leaves no trace.
 */
// The SDK's narrow entries, not its index: the writer thread loads this module, and the index would
// bring the whole client (its store, transport and workflow) into that thread.
import { fromBase64url, toBase64url } from '@brygga/client-sdk/crypto';
import { appendLeaves, formatCheckpoint, nodeKey, rootPlan } from '@brygga/client-sdk/transparency';
import { type Insertable, sql } from 'kysely';
import type {
  Database,
  Engine,
  TransparencyRoundRequest,
  TransparencyRoundResult,
  WriteTransaction,
} from '../database.js';
import type { LogLeavesTable, RelaySchema } from '../schema.js';
import { TransparencyLogKey } from './transparency-log-key.js';
import {
  asBytes,
  LEAF_KINDS,
  type LogEntryKind,
  leafCount,
  loadNodes,
  logLeafHash,
  rootAt,
} from './tree-rows.js';

/** Most leaves one round appends by default (the rest waits for the next round). */
export const DEFAULT_ROUND_SIZE = 10_000;

/** Rows per multi-row insert or update (under both engines' parameter limits). */
const CHUNK = 1000;

/**
 * What a round needs of a database: a write transaction and the engine, and optionally its own way of
 * writing a round's rows ({@link LogRowWriter}; through Kysely when absent). On the SQLite writer
 * thread it is that thread's own connection, with statements prepared on it.
 */
export type TransparencyLogDatabase = Pick<Database, 'engine' | 'db' | 'write'> & {
  rows?: LogRowWriter;
};

/** The tables whose rows the log takes in. */
export type LoggedTable = 'agreements' | 'statements' | 'submissions';

/** The row of `log_nodes` a round stores: a perfect subtree that the round's leaves complete. */
export interface LogNodeRow {
  level: number;
  idx: number;
  hash: Uint8Array;
}

/** A row the round takes in, by its table's key, and the leaf index it gets. */
export interface LogMark {
  key: string | number;
  index: number;
}

/**
 * A round's reads and writes of many rows, inside the round's transaction. Through Kysely
 * ({@link kyselyRows}) each goes as one statement per chunk of rows; an engine may give its own.
 */
export interface LogRowWriter {
  /** Leaf indexes of those of `leaves` already in the log, by base64url leaf hash. */
  knownLeaves(leaves: readonly Uint8Array[]): Promise<Map<string, number>>;
  insertLeaves(rows: readonly LogLeavesTable[]): Promise<void>;
  insertNodes(rows: readonly LogNodeRow[]): Promise<void>;
  /** Set `log_index` of the rows of `table` in `marks`. */
  mark(table: LoggedTable, marks: readonly LogMark[]): Promise<void>;
}

/** A round's size, the clock's reading for its checkpoint, and the key that signs it. */
export interface IntegrationOptions {
  limit: number;
  now: number;
  key: TransparencyLogKey;
}

/** A row waiting for the log. */
interface Pending {
  table: LoggedTable;
  key: string | number;
  kind: LogEntryKind;
  hash: Uint8Array;
  ref: string | null;
}

function hashOf(text: string): Uint8Array {
  return fromBase64url(text, 32);
}

/**
 * One integration round in its own write transaction of `database`: append up to `options.limit`
 * unlogged rows (agreements, then statements in sequence order, then submissions in order of receipt)
 * and sign the checkpoint of the new size. Issues the empty tree's checkpoint on a fresh log. Safe to
 * run in several processes at once.
 */
export function integrateRound(
  database: TransparencyLogDatabase,
  options: IntegrationOptions,
): Promise<TransparencyRoundResult> {
  return database.write((trx) =>
    round(trx, database.rows ?? kyselyRows(trx, database.engine), database.engine, options),
  );
}

/** Run a round requested through `Database.integrateTransparencyLog`, on the thread that runs it. */
export function runIntegrationRound(
  database: TransparencyLogDatabase,
  request: TransparencyRoundRequest,
): Promise<TransparencyRoundResult> {
  const key = TransparencyLogKey.fromHandle(request.key);
  return integrateRound(database, { limit: request.limit, now: request.now, key });
}

async function round(
  trx: WriteTransaction,
  rows: LogRowWriter,
  engine: Engine,
  options: IntegrationOptions,
): Promise<TransparencyRoundResult> {
  const { limit } = options;
  if (engine === 'postgres') {
    await sql`select pg_advisory_xact_lock(hashtextextended('brygga:log:' || current_schema(), 0))`.execute(
      trx,
    );
  }
  const size = await leafCount(trx);
  const pending = await pendingRows(trx, limit);
  if (pending.length === 0) {
    const issued = await trx
      .selectFrom('log_checkpoints')
      .select('size')
      .where('size', '=', size)
      .executeTakeFirst();
    if (!issued) await issue(trx, options, size, await rootAt(trx, size));
    return { appended: 0, repeated: 0, size };
  }

  // Only an envelope can come back after its row was deleted at expiry; such a repeat keeps its leaf.
  const leafHashes = pending.map((p) => logLeafHash(p.kind, p.hash));
  const known = await rows.knownLeaves(leafHashes.filter((_, i) => pending[i]!.kind === 'envelope'));
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
  const frontier = await loadNodes(trx, edge);
  const appended = appendLeaves(
    size,
    edge.map((n) => frontier.get(nodeKey(n))!),
    fresh.map((f) => f.leaf),
  );
  await rows.insertLeaves(
    fresh.map((f) => ({
      idx: f.index,
      kind: LEAF_KINDS[f.p.kind],
      hash: f.p.hash,
      leaf_hash: f.leaf,
      ref: f.p.ref,
    })),
  );
  await rows.insertNodes(
    appended.nodes.map((n) => ({ level: n.node.level, idx: n.node.index, hash: n.hash })),
  );
  for (const table of ['agreements', 'statements', 'submissions'] as const) {
    const mine = marks.filter((m) => m.p.table === table).map((m) => ({ key: m.p.key, index: m.index }));
    if (mine.length > 0) await rows.mark(table, mine);
  }
  if (fresh.length > 0) await issue(trx, options, appended.size, appended.root);
  return { appended: fresh.length, repeated: pending.length - fresh.length, size: appended.size };
}

async function pendingRows(trx: WriteTransaction, limit: number): Promise<Pending[]> {
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
      hash: hashOf(a.digest),
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
      out.push({ table: 'statements', key: s.seq, kind: 'statement', hash: hashOf(s.hash), ref: s.jws });
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
      out.push({ table: 'submissions', key: s.id, kind: 'envelope', hash: hashOf(s.digest), ref: null });
    }
  }
  return out;
}

/** Insert `rows` into `table`, one statement per chunk of {@link CHUNK} rows. */
async function insertChunks<T extends 'log_leaves' | 'log_nodes'>(
  trx: WriteTransaction,
  table: T,
  rows: readonly Insertable<RelaySchema[T]>[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await trx
      .insertInto(table)
      .values(rows.slice(i, i + CHUNK) as Insertable<RelaySchema[T]>[])
      .execute();
  }
}

/** A round's rows through Kysely, in chunks of {@link CHUNK} rows per statement (either engine). */
function kyselyRows(trx: WriteTransaction, engine: Engine): LogRowWriter {
  return {
    async knownLeaves(leaves) {
      const known = new Map<string, number>();
      for (let i = 0; i < leaves.length; i += CHUNK) {
        const rows = await trx
          .selectFrom('log_leaves')
          .select(['idx', 'leaf_hash'])
          .where('leaf_hash', 'in', leaves.slice(i, i + CHUNK))
          .execute();
        for (const r of rows) known.set(toBase64url(asBytes(r.leaf_hash)), Number(r.idx));
      }
      return known;
    },
    insertLeaves: (rows) => insertChunks(trx, 'log_leaves', rows),
    insertNodes: (rows) => insertChunks(trx, 'log_nodes', rows),
    // One statement per chunk, not one per row.
    async mark(table, marks) {
      const column = table === 'submissions' ? 'id' : 'seq';
      for (let i = 0; i < marks.length; i += CHUNK) {
        const chunk = marks.slice(i, i + CHUNK);
        if (engine === 'postgres') {
          const keyType = table === 'submissions' ? sql.raw('text[]') : sql.raw('bigint[]');
          await sql`update ${sql.table(table)} set log_index = v.i
            from unnest(${chunk.map((m) => m.key)}::${keyType}, ${chunk.map((m) => m.index)}::bigint[]) as v(k, i)
            where ${sql.ref(`${table}.${column}`)} = v.k`.execute(trx);
        } else {
          const values = sql.join(chunk.map((m) => sql`(${m.key}, ${m.index})`));
          await sql`with v(k, i) as (values ${values})
            update ${sql.table(table)} set log_index = v.i from v
            where ${sql.ref(`${table}.${column}`)} = v.k`.execute(trx);
        }
      }
    },
  };
}

async function issue(
  trx: WriteTransaction,
  options: IntegrationOptions,
  size: number,
  root: Uint8Array,
): Promise<void> {
  const { key, now } = options;
  const text = formatCheckpoint({ origin: key.origin, size, root, extensions: [] });
  await trx
    .insertInto('log_checkpoints')
    .values({ size, note: key.signedNote(text), created_at: now })
    .onConflict((oc) => oc.doNothing())
    .execute();
}
