/**
 * The Merkle tree of the transparency log (PROTOCOL.md §18), exactly as RFC 9162 §2.1
 * defines it: SHA-256, leaf hashes `H(0x00 ‖ leaf)`, interior nodes `H(0x01 ‖ left ‖ right)`, the
 * empty tree's hash `H("")`, and the inclusion and consistency proofs of §2.1.3 and §2.1.4.
 *
 * Proofs are produced from the hashes of *perfect* subtrees only: `(level, index)` names the subtree of
 * 2^level leaves starting at leaf `index · 2^level` (level 0 is the leaf hashes themselves). A store
 * keeps every perfect subtree's hash as it completes (one more node per leaf, amortised), so a proof
 * for a tree of any size needs O(log n) stored hashes and never the whole log: {@link inclusionPlan} and
 * {@link consistencyPlan} say which, and {@link assembleProof} builds the proof from them.
 *
 * Verification ({@link verifyInclusion}, {@link verifyConsistency}) follows RFC 9162 §2.1.3.2 and
 * §2.1.4.2 step by step and needs nothing but the proof.
 */
import { concatBytes, equalBytes } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { BryggaError } from '../errors.js';

/** Bytes in every hash of the tree. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** The hash of one leaf: `SHA-256(0x00 ‖ data)`. */
export function leafHash(data: Uint8Array): Uint8Array {
  return sha256(concatBytes(LEAF_PREFIX, data));
}

/** An interior node's hash: `SHA-256(0x01 ‖ left ‖ right)`. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concatBytes(NODE_PREFIX, left, right));
}

/** The root hash of the empty tree: `SHA-256("")`. */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/** A perfect subtree: 2^level leaves from leaf `index · 2^level`. */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** A stable map key for a {@link NodeId}. */
export function nodeKey(node: NodeId): string {
  return `${node.level}/${node.index}`;
}

/** The largest power of two strictly smaller than `n` (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function checkSize(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new MerkleError(`${what} is not a tree size or index`);
}

/**
 * The perfect subtrees that make up leaves [start, end), largest first, when `start` is a multiple of a
 * power of two larger than the range (true of every range that RFC 9162's recursions produce).
 */
function rangeNodes(start: number, end: number): NodeId[] {
  const nodes: NodeId[] = [];
  let at = start;
  while (at < end) {
    let size = 1;
    while (at % (size * 2) === 0 && at + size * 2 <= end) size *= 2;
    nodes.push({ level: Math.log2(size), index: at / size });
    at += size;
  }
  return nodes;
}

/** A range of leaves whose hash, MTH(D[start:end]), one proof element is. */
interface Range {
  readonly start: number;
  readonly end: number;
}

/** What a proof needs from the store: its elements, each as the perfect subtrees it is built from. */
export interface ProofPlan {
  /** One entry per proof element, in proof order: the perfect subtrees whose fold is that element. */
  readonly elements: readonly (readonly NodeId[])[];
  /** Every node any element needs, without repeats. */
  readonly nodes: readonly NodeId[];
}

function planOf(ranges: Range[]): ProofPlan {
  const elements = ranges.map((r) => rangeNodes(r.start, r.end));
  const seen = new Map<string, NodeId>();
  for (const element of elements) for (const n of element) seen.set(nodeKey(n), n);
  return { elements, nodes: [...seen.values()] };
}

/** The plan of the inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1). */
export function inclusionPlan(index: number, size: number): ProofPlan {
  checkSize(index, 'the leaf index');
  checkSize(size, 'the tree size');
  if (index >= size) throw new MerkleError('the leaf index is not in the tree');
  const ranges: Range[] = [];
  // PATH(m, D[start:end]), iteratively; siblings are found top-down and listed bottom-up.
  let start = 0;
  let end = size;
  let m = index;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      ranges.push({ start: start + k, end });
      end = start + k;
    } else {
      ranges.push({ start, end: start + k });
      start += k;
      m -= k;
    }
  }
  return planOf(ranges.reverse());
}

/**
 * The plan of the consistency proof between the trees of `size1` and `size2` leaves, 0 < size1 ≤ size2
 * (RFC 9162 §2.1.4.1). Empty when the sizes are equal.
 */
export function consistencyPlan(size1: number, size2: number): ProofPlan {
  checkSize(size1, 'the first tree size');
  checkSize(size2, 'the second tree size');
  if (size1 < 1 || size1 > size2)
    throw new MerkleError('a consistency proof needs 0 < first size ≤ second size');
  const ranges: Range[] = [];
  // SUBPROOF(m, D[start:end], b), iteratively; elements are found top-down and listed bottom-up.
  let start = 0;
  let end = size2;
  let m = size1;
  let whole = true;
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      ranges.push({ start: start + k, end });
      end = start + k;
    } else {
      ranges.push({ start, end: start + k });
      start += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) ranges.push({ start, end });
  return planOf(ranges.reverse());
}

/** The perfect subtrees whose fold is the root of the tree of `size` leaves (none when empty). */
export function rootPlan(size: number): NodeId[] {
  checkSize(size, 'the tree size');
  return rangeNodes(0, size);
}

/** The hash of a range from its perfect subtrees, largest first: a fold from the right. */
export function foldRange(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return emptyRoot();
  let h = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) h = nodeHash(hashes[i]!, h);
  return h;
}

/** Looks up a node's hash; the plan's `nodes` must all be present. */
export type NodeLookup = (node: NodeId) => Uint8Array | undefined;

/** Build a proof from its plan and the stored hashes of the nodes the plan lists. */
export function assembleProof(plan: ProofPlan, lookup: NodeLookup): Uint8Array[] {
  return plan.elements.map((element) =>
    foldRange(
      element.map((n) => {
        const h = lookup(n);
        if (!h) throw new MerkleError(`node ${nodeKey(n)} is missing`);
        return h;
      }),
    ),
  );
}

/** The root of a tree from all its leaf hashes (for tests, audits and small trees). */
export function rootFromLeaves(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return emptyRoot();
  let level = [...leafHashes];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    // An odd node is carried up unchanged: the same tree as RFC 9162's split at the largest power of two.
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/**
 * Appending leaves to a tree held as its perfect subtrees. `frontier` is the tree's right edge: the
 * roots of the perfect subtrees that make up `size` leaves, largest first ({@link rootPlan}'s nodes).
 * Returns every perfect subtree completed by the new leaves (level 0 included, for storing), the new
 * frontier and the new root.
 */
export function appendLeaves(
  size: number,
  frontier: readonly Uint8Array[],
  leaves: readonly Uint8Array[],
): { nodes: { node: NodeId; hash: Uint8Array }[]; size: number; frontier: Uint8Array[]; root: Uint8Array } {
  checkSize(size, 'the tree size');
  if (frontier.length !== rootPlan(size).length)
    throw new MerkleError('the frontier does not match the size');
  const stack = [...frontier];
  const nodes: { node: NodeId; hash: Uint8Array }[] = [];
  let n = size;
  for (const leaf of leaves) {
    if (leaf.length !== HASH_SIZE) throw new MerkleError('a leaf hash is not 32 bytes');
    let h = leaf;
    let level = 0;
    let index = n;
    nodes.push({ node: { level, index }, hash: h });
    // Each trailing one bit of n is a perfect subtree of that level that the new leaf completes a pair with.
    while (index % 2 === 1) {
      h = nodeHash(stack.pop()!, h);
      level++;
      index = (index - 1) / 2;
      nodes.push({ node: { level, index }, hash: h });
    }
    stack.push(h);
    n++;
  }
  return { nodes, size: n, frontier: stack, root: foldRange(stack) };
}

/**
 * A tree held as its right edge only, for replaying a log (PROTOCOL.md §19.5): the roots of the
 * perfect subtrees that make up its leaves, largest first. {@link appendLeafData} appends one leaf
 * (RFC 9162 incremental append) with one leaf hash and, amortised, one node hash, and allocates nothing
 * but the hashes themselves; {@link root} folds the edge when a root is wanted.
 *
 * @example
 * const tree = new MerkleFrontier();
 * for (const data of leaves) tree.appendLeafData(data);
 * equalBytes(tree.root(), checkpoint.root);
 */
export class MerkleFrontier {
  #size: number;
  readonly #stack: Uint8Array[];
  /** `0x00 ‖ leaf data` for leaf data of up to 33 bytes (a log leaf, PROTOCOL.md §18.1). */
  readonly #leafInput = new Uint8Array(34);
  /** `0x01 ‖ left ‖ right`. */
  readonly #nodeInput = new Uint8Array(1 + 2 * HASH_SIZE);

  /** The tree of `size` leaves whose right edge is `hashes` (largest subtree first); empty by default. */
  constructor(size = 0, hashes: readonly Uint8Array[] = []) {
    checkSize(size, 'the tree size');
    if (hashes.length !== rootPlan(size).length || hashes.some((h) => h.length !== HASH_SIZE))
      throw new MerkleError('the frontier does not match the size');
    this.#size = size;
    this.#stack = [...hashes];
    this.#nodeInput[0] = 0x01;
  }

  /** The number of leaves. */
  get size(): number {
    return this.#size;
  }

  /** The right edge: the roots of the perfect subtrees, largest first. */
  hashes(): Uint8Array[] {
    return [...this.#stack];
  }

  /** Append the leaf with data `data` (hashed as `H(0x00 ‖ data)`); returns its leaf hash. */
  appendLeafData(data: Uint8Array): Uint8Array {
    let leaf: Uint8Array;
    if (data.length < this.#leafInput.length) {
      this.#leafInput.set(data, 1);
      const whole = data.length === this.#leafInput.length - 1;
      leaf = sha256(whole ? this.#leafInput : this.#leafInput.subarray(0, 1 + data.length));
    } else {
      leaf = leafHash(data);
    }
    this.appendLeafHash(leaf);
    return leaf;
  }

  /** Append a leaf by its leaf hash. */
  appendLeafHash(leaf: Uint8Array): void {
    if (leaf.length !== HASH_SIZE) throw new MerkleError('a leaf hash is not 32 bytes');
    let h = leaf;
    // Each trailing one bit of the size is a perfect subtree the new leaf completes a pair with.
    for (let n = this.#size; n % 2 === 1; n = (n - 1) / 2) {
      this.#nodeInput.set(this.#stack.pop()!, 1);
      this.#nodeInput.set(h, 1 + HASH_SIZE);
      h = sha256(this.#nodeInput);
    }
    this.#stack.push(h);
    this.#size++;
  }

  /** The root hash of the tree (the empty tree's hash when it has no leaves). */
  root(): Uint8Array {
    return foldRange(this.#stack);
  }
}

/** A proof of the wrong length, or arguments no proof can have (`ERR_PROOF_INVALID`). */
export class MerkleError extends BryggaError<'ERR_PROOF_INVALID'> {
  override readonly name = 'MerkleError';

  constructor(message: string) {
    super('ERR_PROOF_INVALID', message);
  }
}

function checkProof(proof: readonly Uint8Array[]): void {
  for (const p of proof) if (p.length !== HASH_SIZE) throw new MerkleError('a proof element is not 32 bytes');
}

/**
 * The root that an inclusion proof of `leaf` (a leaf hash) at `index` in a tree of `size` leaves leads
 * to (RFC 9162 §2.1.3.2); throws {@link MerkleError} if the proof has the wrong length.
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  checkSize(index, 'the leaf index');
  checkSize(size, 'the tree size');
  if (index >= size) throw new MerkleError('the leaf index is not in the tree');
  if (leaf.length !== HASH_SIZE) throw new MerkleError('the leaf hash is not 32 bytes');
  checkProof(proof);
  // Numbers above 2^32 do not survive JavaScript's bit operators: halve with arithmetic instead.
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new MerkleError('the inclusion proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new MerkleError('the inclusion proof is too short');
  return r;
}

/** Whether `proof` shows leaf hash `leaf` at `index` in the tree of `size` leaves with root `root`. */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  try {
    return equalBytes(rootFromInclusionProof(index, size, leaf, proof), root);
  } catch (err) {
    if (err instanceof MerkleError) return false;
    throw err;
  }
}

/**
 * Whether `proof` shows the tree of `size1` leaves with root `root1` to be a prefix of the tree of
 * `size2` leaves with root `root2` (RFC 9162 §2.1.4.2).
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size2 < size1)
    return false;
  if (root1.length !== HASH_SIZE || root2.length !== HASH_SIZE) return false;
  if (proof.some((p) => p.length !== HASH_SIZE)) return false;
  if (size1 === size2) return proof.length === 0 && equalBytes(root1, root2);
  // The empty tree is a prefix of every tree, and needs no proof.
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  // Step 1: if size1 is a power of two, prepend root1 to the proof.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  // Step 3: while LSB(fn) is set, shift fn and sn right by one.
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(fr, root1) && equalBytes(sr, root2);
}

function isPowerOfTwo(n: number): boolean {
  let m = n;
  while (m > 1 && m % 2 === 0) m /= 2;
  return m === 1;
}
