/**
 * Published vectors for key transparency (`test/vectors/transparency/`, provenance in
 * `test/vectors/README.md`), run through the SDK's own code:
 *
 * - `rfc6962-merkle.json`: the eight-leaf reference tree of certificate-transparency and
 *   transparency-dev/merkle. Every root, every perfect-subtree hash and every published inclusion and
 *   consistency proof must come out of `merkle.ts` exactly: from `appendLeaves` and `assembleProof`
 *   over the stored subtrees, not only from the verifier. The published node lists of proofs (which
 *   perfect subtrees a proof is made of) must equal our plans. Each published proof must verify, and
 *   every corruption that transparency-dev/merkle's own tests try must be refused.
 * - `c2sp-notes.json`: signed notes, verifier keys and checkpoints of Go's `sumdb/note`, the C2SP
 *   specifications, transparency-dev/formats and a real cosigned checkpoint. Signing must reproduce the
 *   Go note byte for byte; valid keys and signatures must verify, the rest must be refused, and
 *   malformed notes must fail with ERR_MALFORMED.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromBase64 } from '../../client-sdk/src/crypto/bytes.js';
import {
  openCheckpoint,
  parseCheckpoint,
  parseCosignerVerifierKey,
  verifyCosignature,
} from '../../client-sdk/src/transparency/checkpoint.js';
import {
  appendLeaves,
  assembleProof,
  consistencyPlan,
  emptyRoot,
  inclusionPlan,
  leafHash,
  type NodeId,
  nodeKey,
  rootFromInclusionProof,
  rootFromLeaves,
  verifyConsistency,
  verifyInclusion,
} from '../../client-sdk/src/transparency/merkle.js';
import {
  formatNote,
  parseNote,
  parseVerifierKey,
  signNote,
  verifierKey,
  verifyNoteSignature,
} from '../../client-sdk/src/transparency/note.js';
import { codeOf } from '../support/error-code.js';

const DIR = join(import.meta.dirname, '..', 'vectors', 'transparency');
const load = <T>(name: string): T => JSON.parse(readFileSync(join(DIR, name), 'utf8')) as T;

const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

// ---------------------------------------------------------------------------------------------------
// RFC 6962 / RFC 9162 Merkle tree

interface MerkleVectors {
  leaves: string[];
  roots: string[];
  nodeHashes: string[][];
  /** `leaf` counts from 1, as upstream; leaf 0 stands for "no leaf" and has no valid proof. */
  inclusionProofs: { leaf: number; size: number; proof: string[] }[];
  consistencyProofs: { size1: number; size2: number; proof: string[] }[];
  /** Upstream `proof.Nodes`: node ids in proof order; `rehash` [begin, end) folds into one element. */
  inclusionNodes: { size: number; index: number; nodes: [number, number][]; rehash?: [number, number] }[];
  consistencyNodes: { size1: number; size2: number; nodes: [number, number][]; rehash?: [number, number] }[];
}

const mv = load<MerkleVectors>('rfc6962-merkle.json');
const leafHashes = mv.leaves.map((l) => leafHash(hex(l)));
const roots = mv.roots.map(hex);

/** The reference tree, appended one leaf at a time, every completed perfect subtree stored. */
const store = new Map<string, Uint8Array>();
const appendedRoots: Uint8Array[] = [emptyRoot()];
{
  let state = { size: 0, frontier: [] as Uint8Array[] };
  for (const leaf of leafHashes) {
    const next = appendLeaves(state.size, state.frontier, [leaf]);
    for (const { node, hash } of next.nodes) store.set(nodeKey(node), hash);
    appendedRoots.push(next.root);
    state = next;
  }
}
const lookup = (node: NodeId) => store.get(nodeKey(node));

/** Upstream's node list, regrouped as our plans list it: one entry per element, largest subtree first. */
function elementsOf(nodes: [number, number][], rehash?: [number, number]): NodeId[][] {
  const ids = nodes.map(([level, index]) => ({ level, index }));
  if (!rehash) return ids.map((n) => [n]);
  const [begin, end] = rehash;
  // Upstream folds a rehashed run from its first node leftwards (hash = H(next, hash)), so the first
  // node is the rightmost, smallest subtree: reversed, the run is our element's order.
  return [
    ...ids.slice(0, begin).map((n) => [n]),
    ids.slice(begin, end).reverse(),
    ...ids.slice(end).map((n) => [n]),
  ];
}

const WRONG = new TextEncoder().encode('WrongLeaf');
const SOME_HASH = hex('abacaba000000000000000000000000000000000000000000060061e00123456');
const flipped = (proof: Uint8Array[], i: number, bit: number) =>
  proof.map((p, j) => (j === i ? Uint8Array.from(p, (b, k) => (k === 0 ? b ^ bit : b)) : p));

describe('RFC 6962 reference tree (certificate-transparency, transparency-dev/merkle)', () => {
  it('has the published root for every prefix size, from the leaves and from appending', () => {
    expect(roots).toHaveLength(9);
    for (let n = 0; n <= 8; n++) {
      expect(toHex(rootFromLeaves(leafHashes.slice(0, n))), `size ${n}`).toBe(mv.roots[n]);
      expect(toHex(appendedRoots[n]!), `appended size ${n}`).toBe(mv.roots[n]);
    }
  });

  it('stores exactly the published hash of every perfect subtree', () => {
    const published = mv.nodeHashes.flatMap((row, level) =>
      row.map((h, index) => [nodeKey({ level, index }), h]),
    );
    expect(published).toHaveLength(15);
    expect(store.size).toBe(15);
    for (const [key, h] of published) expect(toHex(store.get(key!)!), key).toBe(h);
  });

  it('builds and verifies every published inclusion proof, and refuses every corruption', () => {
    let checked = 0;
    for (const v of mv.inclusionProofs) {
      const proof = v.proof.map(hex);
      const name = `leaf ${v.leaf} of ${v.size}`;
      if (v.leaf === 0) {
        // Upstream's placeholder for "no leaf": nothing can be proved in the empty tree.
        expect(verifyInclusion(v.leaf - 1, v.size, leafHashes[0]!, proof, roots[v.size]!)).toBe(false);
        expect(() => inclusionPlan(0, v.size)).toThrow(/the leaf index is not in the tree/);
        continue;
      }
      const index = v.leaf - 1;
      const leaf = leafHashes[index]!;
      const root = roots[v.size]!;
      expect(assembleProof(inclusionPlan(index, v.size), lookup).map(toHex), name).toEqual(v.proof);
      expect(toHex(rootFromInclusionProof(index, v.size, leaf, proof)), name).toBe(mv.roots[v.size]);
      expect(verifyInclusion(index, v.size, leaf, proof, root), name).toBe(true);

      // transparency-dev/merkle proof/verify_test.go, corruptInclusionProof.
      const probes: [string, number, number, Uint8Array, Uint8Array[], Uint8Array][] = [
        ['index - 1', index - 1, v.size, leaf, proof, root],
        ['index + 1', index + 1, v.size, leaf, proof, root],
        ['index ^ 2', index ^ 2, v.size, leaf, proof, root],
        ['size * 2', index, v.size * 2, leaf, proof, root],
        ['size / 2', index, Math.floor(v.size / 2), leaf, proof, root],
        ['wrong leaf', index, v.size, WRONG, proof, root],
        ['empty root', index, v.size, leaf, proof, roots[0]!],
        ['random root', index, v.size, leaf, proof, SOME_HASH],
        ['trailing garbage', index, v.size, leaf, [...proof, new Uint8Array(0)], root],
        ['trailing root', index, v.size, leaf, [...proof, root], root],
        ['preceding garbage', index, v.size, leaf, [new Uint8Array(0), ...proof], root],
        ['preceding root', index, v.size, leaf, [root, ...proof], root],
        ...proof.map(
          (_, i) =>
            [`proof[${i}] bit 3`, index, v.size, leaf, flipped(proof, i, 8), root] as [
              string,
              number,
              number,
              Uint8Array,
              Uint8Array[],
              Uint8Array,
            ],
        ),
      ];
      if (proof.length > 0) probes.push(['removed component', index, v.size, leaf, proof.slice(0, -1), root]);
      if (proof.length > 1) {
        probes.push([
          'inserted component',
          index,
          v.size,
          leaf,
          [proof[0]!, SOME_HASH, ...proof.slice(1)],
          root,
        ]);
      }
      for (const [what, i, size, l, p, r] of probes)
        expect(verifyInclusion(i, size, l, p, r), `${name}: ${what}`).toBe(false);
      checked++;
    }
    expect(checked).toBe(5);
  });

  it('builds and verifies every published consistency proof, and refuses every corruption', () => {
    for (const v of mv.consistencyProofs) {
      const proof = v.proof.map(hex);
      const name = `${v.size1} → ${v.size2}`;
      const root1 = roots[v.size1]!;
      const root2 = roots[v.size2]!;
      expect(assembleProof(consistencyPlan(v.size1, v.size2), lookup).map(toHex), name).toEqual(v.proof);
      expect(verifyConsistency(v.size1, v.size2, proof, root1, root2), name).toBe(true);
      if (proof.length === 0) continue;

      // transparency-dev/merkle proof/verify_test.go, corruptConsistencyProof.
      const wrongRoot = new TextEncoder().encode('WrongRoot');
      const probes: [string, number, number, Uint8Array[], Uint8Array, Uint8Array][] = [
        ['size1 - 1', v.size1 - 1, v.size2, proof, root1, root2],
        ['size1 + 1', v.size1 + 1, v.size2, proof, root1, root2],
        ['size1 ^ 2', v.size1 ^ 2, v.size2, proof, root1, root2],
        ['size2 * 2', v.size1, v.size2 * 2, proof, root1, root2],
        ['size2 / 2', v.size1, Math.floor(v.size2 / 2), proof, root1, root2],
        ['wrong root1', v.size1, v.size2, proof, wrongRoot, root2],
        ['wrong root2', v.size1, v.size2, proof, root1, wrongRoot],
        ['swapped roots', v.size1, v.size2, proof, root2, root1],
        ['empty proof', v.size1, v.size2, [], root1, root2],
        ['trailing garbage', v.size1, v.size2, [...proof, new Uint8Array(0)], root1, root2],
        ['trailing root1', v.size1, v.size2, [...proof, root1], root1, root2],
        ['trailing root2', v.size1, v.size2, [...proof, root2], root1, root2],
        ['preceding garbage', v.size1, v.size2, [new Uint8Array(0), ...proof], root1, root2],
        ['preceding root1', v.size1, v.size2, [root1, ...proof], root1, root2],
        ['preceding root2', v.size1, v.size2, [root2, ...proof], root1, root2],
        ['preceding proof[0]', v.size1, v.size2, [proof[0]!, ...proof], root1, root2],
        ['truncated proof', v.size1, v.size2, proof.slice(0, -1), root1, root2],
        ...proof.map(
          (_, i) =>
            [`proof[${i}] bit 4`, v.size1, v.size2, flipped(proof, i, 16), root1, root2] as [
              string,
              number,
              number,
              Uint8Array[],
              Uint8Array,
              Uint8Array,
            ],
        ),
      ];
      for (const [what, s1, s2, p, r1, r2] of probes) {
        expect(verifyConsistency(s1, s2, p, r1, r2), `${name}: ${what}`).toBe(false);
      }
    }
    expect(mv.consistencyProofs).toHaveLength(5);
  });

  it('plans every inclusion proof from the same perfect subtrees as transparency-dev/merkle', () => {
    for (const v of mv.inclusionNodes) {
      expect(inclusionPlan(v.index, v.size).elements, `leaf ${v.index} of ${v.size}`).toEqual(
        elementsOf(v.nodes, v.rehash),
      );
    }
    expect(mv.inclusionNodes).toHaveLength(18);
  });

  it('plans every consistency proof from the same perfect subtrees as transparency-dev/merkle', () => {
    for (const v of mv.consistencyNodes) {
      expect(consistencyPlan(v.size1, v.size2).elements, `${v.size1} → ${v.size2}`).toEqual(
        elementsOf(v.nodes, v.rehash),
      );
    }
    expect(mv.consistencyNodes).toHaveLength(25);
  });
});

// ---------------------------------------------------------------------------------------------------
// C2SP signed notes, verifier keys, checkpoints and cosignatures

interface NoteVectors {
  verifierKeys: { source: string; vkey: string; type: 1 | 4; valid: boolean; publicKey?: string }[];
  signing: { source: string; signerKey: string; text: string; note: string }[];
  notes: {
    source: string;
    note: string;
    text: string;
    signatures: number;
    verify: { vkey: string; result: boolean; goResult?: boolean }[];
  }[];
  malformedNotes: { source: string; note: string }[];
  tooManySignatures: { source: string; text: string; line: string; count: number };
  checkpoints: {
    source: string;
    note: string;
    origin: string;
    size: number;
    root: string;
    extensions: string[];
    log?: string;
    cosigners?: { vkey: string }[];
    cosignatureFraming?: { line: number; keyId: string; time: number }[];
    cosignedMessage?: string;
  }[];
}

const nv = load<NoteVectors>('c2sp-notes.json');

/** Go's signer key `PRIVATE+KEY+<name>+<key id>+<base64(0x01 ‖ seed)>` (the base64 may hold '+'). */
function parseSignerKey(skey: string): { name: string; seed: Uint8Array } {
  const [priv, key, name, , ...rest] = skey.split('+');
  expect([priv, key]).toEqual(['PRIVATE', 'KEY']);
  const bytes = fromBase64(rest.join('+'));
  expect(bytes[0]).toBe(1);
  return { name: name!, seed: bytes.slice(1) };
}

describe('C2SP signed notes and checkpoints (Go sumdb/note, C2SP, transparency-dev/formats)', () => {
  it('accepts exactly the valid verifier keys, and writes each one back byte for byte', () => {
    for (const v of nv.verifierKeys) {
      const parse = v.type === 1 ? parseVerifierKey : parseCosignerVerifierKey;
      if (!v.valid) {
        expect(
          codeOf(() => parse(v.vkey)),
          v.vkey,
        ).toBe('ERR_MALFORMED');
        continue;
      }
      const { name, publicKey } = parse(v.vkey);
      expect(name).toBe(v.vkey.slice(0, v.vkey.indexOf('+')));
      if (v.publicKey) expect(toHex(publicKey)).toBe(v.publicKey);
      if (v.type === 1) expect(verifierKey(name, publicKey)).toBe(v.vkey);
      // A key of one type is never accepted as the other.
      const other = v.type === 1 ? parseCosignerVerifierKey : parseVerifierKey;
      expect(
        codeOf(() => other(v.vkey)),
        v.vkey,
      ).toBe('ERR_MALFORMED');
    }
    expect(nv.verifierKeys.filter((v) => v.valid)).toHaveLength(6);
  });

  it("reproduces Go's signed note byte for byte (Ed25519 is deterministic)", () => {
    for (const v of nv.signing) {
      const { name, seed } = parseSignerKey(v.signerKey);
      expect(formatNote({ text: v.text, signatures: [signNote(v.text, name, seed)] })).toBe(v.note);
    }
  });

  it('parses every note, round-trips it, and verifies exactly the signatures it should', () => {
    for (const v of nv.notes) {
      const note = parseNote(v.note);
      expect(note.text, v.source).toBe(v.text);
      expect(note.signatures, v.source).toHaveLength(v.signatures);
      expect(formatNote(note), v.source).toBe(v.note);
      for (const check of v.verify) {
        const { name, publicKey } = parseVerifierKey(check.vkey);
        expect(verifyNoteSignature(note, name, publicKey), `${v.source}: ${name}`).toBe(check.result);
      }
    }
  });

  it('refuses every malformed note with ERR_MALFORMED', () => {
    for (const v of nv.malformedNotes)
      expect(
        codeOf(() => parseNote(v.note)),
        v.source,
      ).toBe('ERR_MALFORMED');
    const t = nv.tooManySignatures;
    const note = (n: number) => `${t.text}\n${t.line.repeat(n)}`;
    expect(codeOf(() => parseNote(note(t.count)))).toBe('ERR_MALFORMED');
    expect(parseNote(note(t.count - 1)).signatures).toHaveLength(t.count - 1);
  });

  it('opens the real cosigned checkpoint: log signature and witness cosignature verify', () => {
    const v = nv.checkpoints[0]!;
    const log = parseVerifierKey(v.log!);
    const opened = openCheckpoint(v.note, log.name, log.publicKey);
    expect(opened.checkpoint).toEqual({
      origin: v.origin,
      size: v.size,
      root: fromBase64(v.root),
      extensions: v.extensions,
    });
    for (const c of v.cosigners!) {
      const w = parseCosignerVerifierKey(c.vkey);
      const verified = opened.signatures.map((s) => verifyCosignature(opened.text, s, w.name, w.publicKey));
      // Exactly one line is this witness's, and it verifies.
      expect(verified.filter((r) => r !== undefined)).toHaveLength(1);
      const { time } = verified.find((r) => r !== undefined)!;
      // The other lines, under the same key, are refused: different witness names or key types.
      expect(opened.signatures.filter((s) => s.name === w.name)).toHaveLength(1);
      // A tree size of 42 instead, as the source's own test tries, breaks both signatures.
      const clobbered = opened.text.replace(`\n${v.size}\n`, '\n42\n');
      const line = opened.signatures.find((s) => s.name === w.name)!;
      expect(verifyCosignature(clobbered, line, w.name, w.publicKey)).toBeUndefined();
      expect(verifyNoteSignature({ ...parseNote(v.note), text: clobbered }, log.name, log.publicKey)).toBe(
        false,
      );
      expect(verifyCosignature(opened.text, line, w.name, w.publicKey)).toEqual({ time });
    }
  });

  it("parses the specification's cosigned checkpoint and reads its cosignature's framing", () => {
    const v = nv.checkpoints[1]!;
    const note = parseNote(v.note);
    expect(parseCheckpoint(note.text)).toEqual({
      origin: v.origin,
      size: v.size,
      root: fromBase64(v.root),
      extensions: v.extensions,
    });
    for (const f of v.cosignatureFraming!) {
      const sig = note.signatures[f.line]!;
      expect(toHex(sig.keyId)).toBe(f.keyId);
      expect(sig.signature).toHaveLength(8 + 64);
      const view = new DataView(sig.signature.buffer, sig.signature.byteOffset, 8);
      expect(view.getUint32(0) * 2 ** 32 + view.getUint32(4)).toBe(f.time);
      expect(`cosignature/v1\ntime ${f.time}\n${note.text}`).toBe(v.cosignedMessage);
    }
  });
});
