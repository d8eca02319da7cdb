import { describe, expect, it } from 'vitest';
import { utf8 } from '../crypto/bytes.js';
import {
  appendLeaves,
  assembleProof,
  consistencyPlan,
  foldRange,
  inclusionPlan,
  leafHash,
  type NodeId,
  nodeHash,
  nodeKey,
  rootFromLeaves,
  rootPlan,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';

/** A tree of `n` leaves held as its perfect subtrees, built by appending one leaf at a time. */
function build(n: number) {
  const leaves = Array.from({ length: n }, (_, i) => leafHash(utf8(`leaf ${i}`)));
  const store = new Map<string, Uint8Array>();
  const roots: Uint8Array[] = [];
  let state = { size: 0, frontier: [] as Uint8Array[] };
  for (const leaf of leaves) {
    const next = appendLeaves(state.size, state.frontier, [leaf]);
    for (const { node, hash } of next.nodes) store.set(nodeKey(node), hash);
    roots.push(next.root);
    state = next;
  }
  const lookup = (node: NodeId) => store.get(nodeKey(node));
  return { leaves, roots, lookup };
}

/** RFC 9162 §2.1.1's definition, recursively, as the reference. */
function mth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

describe('the Merkle tree (RFC 9162 §2.1)', () => {
  const N = 40;
  const { leaves, roots, lookup } = build(N);

  it('computes the same root by definition, by levels, by appending and from the stored subtrees', () => {
    for (let n = 1; n <= N; n++) {
      const prefix = leaves.slice(0, n);
      const root = mth(prefix);
      expect(rootFromLeaves(prefix)).toEqual(root);
      expect(roots[n - 1]).toEqual(root);
      expect(foldRange(rootPlan(n).map((node) => lookup(node)!))).toEqual(root);
    }
  });

  it('proves and verifies every leaf in every tree size, and refuses any other claim', () => {
    for (let n = 1; n <= N; n++) {
      for (let i = 0; i < n; i++) {
        const proof = assembleProof(inclusionPlan(i, n), lookup);
        expect(verifyInclusion(i, n, leaves[i]!, proof, roots[n - 1]!)).toBe(true);
        expect(verifyInclusion(i, n, leaves[(i + 1) % N]!, proof, roots[n - 1]!)).toBe(false);
        if (n > 1) expect(verifyInclusion((i + 1) % n, n, leaves[i]!, proof, roots[n - 1]!)).toBe(false);
        if (proof.length > 0)
          expect(verifyInclusion(i, n, leaves[i]!, proof.slice(1), roots[n - 1]!)).toBe(false);
        expect(verifyInclusion(i, n, leaves[i]!, [...proof, leaves[0]!], roots[n - 1]!)).toBe(false);
      }
    }
  });

  it('proves and verifies consistency between every pair of sizes, and refuses any other claim', () => {
    for (let n2 = 1; n2 <= N; n2++) {
      for (let n1 = 1; n1 <= n2; n1++) {
        const proof = assembleProof(consistencyPlan(n1, n2), lookup);
        expect(verifyConsistency(n1, n2, proof, roots[n1 - 1]!, roots[n2 - 1]!)).toBe(true);
        if (n1 < n2) {
          expect(verifyConsistency(n1, n2, proof, roots[n1]!, roots[n2 - 1]!)).toBe(false);
          expect(verifyConsistency(n1, n2, proof.slice(1), roots[n1 - 1]!, roots[n2 - 1]!)).toBe(false);
          expect(verifyConsistency(n1, n2, [...proof, leaves[0]!], roots[n1 - 1]!, roots[n2 - 1]!)).toBe(
            false,
          );
        }
      }
    }
  });
});
