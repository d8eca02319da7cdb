/**
 * The transparency log's Merkle tree as rows (PROTOCOL.md §18.1): leaves (`log_leaves`, each naming the
 * object it logs by kind and hash) and the hash of every perfect subtree (`log_nodes`, level 0 being the
 * leaf hashes). Storage is what proofs need and no more: a root, an inclusion proof or a consistency
 * proof for any size up to the tree's is one indexed query for O(log n) rows (the SDK's merkle.ts plans
 * which); nothing ever loads the whole log.
 */
import { assembleProof, leafHash, type NodeId, nodeKey, rootPlan } from '@brygga/client-sdk/transparency';
import type { Kysely } from 'kysely';
import type { LogLeafKind, RelaySchema } from '../schema.js';

/** What a leaf is about. */
export type LogEntryKind = 'agreement' | 'statement' | 'envelope';

/** The leaf kind byte of each entry kind (PROTOCOL.md §18.1). */
export const LEAF_KINDS: Readonly<Record<LogEntryKind, LogLeafKind>> = {
  agreement: 1,
  statement: 2,
  envelope: 3,
};

const KIND_NAMES: Record<LogLeafKind, LogEntryKind> = { 1: 'agreement', 2: 'statement', 3: 'envelope' };

/** The entry kind of a stored leaf kind byte. */
export function entryKind(kind: number): LogEntryKind {
  return KIND_NAMES[kind as LogLeafKind];
}

/** The leaf data `kind ‖ hash` of an object (PROTOCOL.md §18.1). */
function leafData(kind: LogEntryKind, hash: Uint8Array): Uint8Array {
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

/** A blob as read back: both drivers hand back Buffers; callers get plain views on the same memory. */
export function asBytes(value: Uint8Array): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/** The number of leaves stored (in a round's transaction, before it appends). */
export async function leafCount(db: Kysely<RelaySchema>): Promise<number> {
  const row = await db
    .selectFrom('log_leaves')
    .select((eb) => eb.fn.max('idx').as('top'))
    .executeTakeFirst();
  return row?.top === null || row?.top === undefined ? 0 : Number(row.top) + 1;
}

/** The stored hashes of `nodes`, in one query. */
export async function loadNodes(
  db: Kysely<RelaySchema>,
  nodes: readonly NodeId[],
): Promise<Map<string, Uint8Array>> {
  const found = new Map<string, Uint8Array>();
  if (nodes.length === 0) return found;
  const rows = await db
    .selectFrom('log_nodes')
    .select(['level', 'idx', 'hash'])
    .where((eb) => eb.or(nodes.map((n) => eb.and([eb('level', '=', n.level), eb('idx', '=', n.index)]))))
    .execute();
  for (const r of rows) found.set(nodeKey({ level: Number(r.level), index: Number(r.idx) }), asBytes(r.hash));
  for (const n of nodes) {
    // Every node of a tree no larger than the log's was stored with the leaf that completed it.
    if (!found.has(nodeKey(n))) throw new Error(`the transparency log is missing node ${nodeKey(n)}`);
  }
  return found;
}

/** The root hash of the tree of the first `size` leaves (`size` at most the number stored). */
export async function rootAt(db: Kysely<RelaySchema>, size: number): Promise<Uint8Array> {
  const plan = rootPlan(size);
  const nodes = await loadNodes(db, plan);
  return assembleProof({ elements: [plan], nodes: plan }, (n) => nodes.get(nodeKey(n)))[0]!;
}
