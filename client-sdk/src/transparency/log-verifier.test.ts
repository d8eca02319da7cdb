/**
 * The log verifier (PROTOCOL.md §19) against an in-memory log that can be made to lie: pinning,
 * rollback, forks, proofs with elements missing, replay of entries, cross-checks and cosigning.
 */
import { describe, expect, it } from 'vitest';
import { toBase64url, utf8 } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { SigningKeyPair } from '../crypto/keys.js';
import { formatCheckpoint } from './checkpoint.js';
import { encodeLogEntries, encodeLogEntryHeader, type LogEntryRecord } from './log-entry-stream.js';
import { LogError } from './log-evidence.js';
import {
  cosignerUnits,
  LEAF_KINDS,
  type LogEntry,
  type LogSource,
  type LogState,
  LogVerifier,
  leafOf,
  logLeafHash,
  statementLogHash,
  witnessName,
} from './log-verifier.js';
import { appendLeaves, assembleProof, consistencyPlan, inclusionPlan, nodeKey } from './merkle.js';
import { formatNote, parseNote, signNote, verifierKey } from './note.js';

const ORIGIN = 'relay.test/brygga-log';

/** A log of statement entries, signing with `seed`; `lie` changes what it answers. */
function memoryLog(seed: Uint8Array) {
  const key = SigningKeyPair.fromSecret(seed);
  const entries: LogEntry[] = [];
  const nodes = new Map<string, Uint8Array>();
  let frontier: Uint8Array[] = [];
  const notes = new Map<number, string>();
  const cosignatures = new Map<number, string[]>();
  const sign = (size: number, root: Uint8Array) => {
    const text = formatCheckpoint({ origin: ORIGIN, size, root, extensions: [] });
    return formatNote({ text, signatures: [signNote(text, ORIGIN, seed)] });
  };
  notes.set(0, sign(0, appendLeaves(0, [], []).root));
  const lie: { checkpoint?: string; dropProof?: boolean } = {};
  const log = {
    key: verifierKey(ORIGIN, key.publicKey.bytes),
    lie,
    notes,
    add(jws: string) {
      const hash = statementLogHash(jws);
      const r = appendLeaves(entries.length, frontier, [logLeafHash('statement', hash)]);
      for (const n of r.nodes) nodes.set(nodeKey(n.node), n.hash);
      frontier = r.frontier;
      entries.push({ index: entries.length, kind: 'statement', hash, jws });
      notes.set(r.size, sign(r.size, r.root));
    },
    get size() {
      return entries.length;
    },
    source: {
      logKey: async () => ({ origin: ORIGIN, verifierKey: verifierKey(ORIGIN, key.publicKey.bytes) }),
      checkpoint: async () => {
        const base = lie.checkpoint ?? notes.get(entries.length)!;
        return base + (cosignatures.get(entries.length) ?? []).map((l) => `${l}\n`).join('');
      },
      checkpointAt: async (size) =>
        notes.get(size)! + (cosignatures.get(size) ?? []).map((l) => `${l}\n`).join(''),
      inclusionProof: async (leaf, size) => {
        const index = entries.findIndex(
          (e) => toBase64url(logLeafHash('statement', e.hash)) === toBase64url(leaf),
        );
        if (index < 0 || index >= size) return undefined;
        const proof = assembleProof(inclusionPlan(index, size), (n) => nodes.get(nodeKey(n)));
        return { index, size, proof: lie.dropProof ? proof.slice(1) : proof };
      },
      consistencyProof: async (from, to) => {
        if (to > entries.length) return undefined;
        const proof = assembleProof(consistencyPlan(from, to), (n) => nodes.get(nodeKey(n)));
        return { from, to, proof: lie.dropProof ? proof.slice(0, -1) : proof };
      },
      logEntries: async (start, limit) => ({
        entries: entries.slice(start, start + limit),
        size: entries.length,
      }),
      submitCosignature: async (size, line) => {
        cosignatures.set(size, [...(cosignatures.get(size) ?? []), line]);
      },
    } satisfies LogSource,
    sign,
  };
  return log;
}

function verifier(log: ReturnType<typeof memoryLog>, state: LogState = {}, logKey?: string) {
  const saved: { state: LogState } = { state };
  const v = new LogVerifier({
    source: log.source,
    state,
    save: async (s) => {
      saved.state = JSON.parse(JSON.stringify(s));
    },
    logKey,
  });
  return { v, saved };
}

async function failure(p: Promise<unknown>): Promise<LogError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof LogError) return err;
    throw err;
  }
  throw new Error('expected a LogError');
}

const seed = (n: number) => new Uint8Array(32).fill(n);

describe('LogVerifier', () => {
  it('pins the first key, follows a growing log and replays it to the signed root', async () => {
    const log = memoryLog(seed(1));
    const { v, saved } = verifier(log);
    for (let i = 0; i < 5; i++) log.add(`statement-${i}`);
    const first = await v.refresh(true);
    expect(first.checkpoint.size).toBe(5);
    expect(first.entries.map((e) => e.index)).toEqual([0, 1, 2, 3, 4]);
    for (let i = 5; i < 13; i++) log.add(`statement-${i}`);
    const second = await v.refresh(true);
    expect(second.entries.map((e) => e.index)).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    expect(saved.state).toMatchObject({ key: log.key, frontier: { size: 13 } });
    expect(await v.proveInclusion(leafOf('statement', 'statement-3'), second.checkpoint)).toBe(3);
    expect(await v.proveInclusion(leafOf('statement', 'not logged'), second.checkpoint)).toBeUndefined();
    // A restarted verifier continues from the saved state without asking for the key again.
    const again = verifier(log, saved.state);
    log.add('statement-13');
    expect((await again.v.refresh(true)).entries.map((e) => e.index)).toEqual([13]);
  });

  it('refuses a checkpoint of another key, a rewind, a fork and a proof with an element missing', async () => {
    const log = memoryLog(seed(2));
    const { v } = verifier(log);
    for (let i = 0; i < 6; i++) log.add(`s${i}`);
    await v.refresh();
    const impostor = memoryLog(seed(3));
    impostor.add('x');
    log.lie.checkpoint = impostor.notes.get(1)!;
    expect((await failure(v.refresh())).code).toBe('ERR_LOG_BAD_SIGNATURE');
    log.lie.checkpoint = log.notes.get(3)!;
    const rollback = await failure(v.refresh());
    expect(rollback.code).toBe('ERR_LOG_ROLLBACK');
    expect(rollback.evidence.checkpoints).toEqual([log.notes.get(6), log.notes.get(3)]);
    // Same size, another root: a fork.
    log.lie.checkpoint = log.sign(6, new Uint8Array(32).fill(9));
    expect((await failure(v.refresh())).code).toBe('ERR_LOG_INCONSISTENT');
    log.lie.checkpoint = undefined;
    log.add('s6');
    log.lie.dropProof = true;
    const dropped = await failure(v.refresh());
    expect(dropped.code).toBe('ERR_LOG_INCONSISTENT');
    expect(dropped.evidence.proof).toMatchObject({ type: 'consistency', from: 6, to: 7 });
    const latest = v.latest!;
    expect(latest.size).toBe(6);
    const omission = await failure(v.proveInclusion(leafOf('statement', 's1'), latest));
    expect(omission.code).toBe('ERR_LOG_OMISSION');
    log.lie.dropProof = false;
    expect((await v.refresh()).checkpoint.size).toBe(7);
  });

  it('refuses entries that do not make the signed root', async () => {
    const log = memoryLog(seed(4));
    const { v } = verifier(log);
    for (let i = 0; i < 4; i++) log.add(`s${i}`);
    const real = log.source.logEntries;
    log.source.logEntries = async (start, limit) => {
      const page = await real(start, limit);
      return { ...page, entries: page.entries.map((e) => (e.index === 2 ? { ...e, jws: 'other' } : e)) };
    };
    expect((await failure(v.refresh(true))).code).toBe('ERR_LOG_INCONSISTENT');
  });

  it("checks another device's checkpoint against its own view, by root or by proof", async () => {
    const log = memoryLog(seed(5));
    const { v } = verifier(log);
    for (let i = 0; i < 9; i++) log.add(`s${i}`);
    await v.refresh(true);
    // Replayed sizes are known roots; larger ones need a proof.
    expect((await v.crossCheck(log.notes.get(4)!)).size).toBe(4);
    log.add('s9');
    expect((await v.crossCheck(log.notes.get(10)!)).size).toBe(10);
    const forked = await failure(v.crossCheck(log.sign(5, new Uint8Array(32).fill(7))));
    expect(forked.code).toBe('ERR_LOG_INCONSISTENT');
    expect(forked.evidence.checkpoints).toHaveLength(2);
  });

  it('cosigns each checkpoint once; cosigner units are those whose keys verify', async () => {
    const log = memoryLog(seed(6));
    const { v } = verifier(log);
    log.add('s0');
    const { checkpoint } = await v.refresh();
    const device = SigningKeyPair.fromSecret(seed(7));
    const name = witnessName('malmo', device.kid);
    expect(await v.cosign(checkpoint, name, device, 1_741_000_000)).toBe(true);
    expect(await v.cosign(checkpoint, name, device, 1_741_000_001)).toBe(false);
    const cosigned = (await v.refresh()).checkpoint;
    expect(parseNote(cosigned.note).signatures.map((s) => s.name)).toEqual([ORIGIN, name]);
    const keyOf = (unit: string, kid: string) =>
      unit === 'malmo' && kid === device.kid ? device.publicKey.bytes : undefined;
    expect([...cosignerUnits(cosigned, keyOf)]).toEqual(['malmo']);
    expect([...cosignerUnits(cosigned, () => SigningKeyPair.fromSecret(seed(8)).publicKey.bytes)]).toEqual(
      [],
    );
    // The claim carries the log's signature only.
    expect(parseNote(v.claim()!).signatures.map((s) => s.name)).toEqual([ORIGIN]);
    expect(utf8(v.claim()!).length).toBeLessThan(300);
  });
});

describe('LogVerifier replaying the entry stream (PROTOCOL.md §18.5)', () => {
  /** The memory log's source with an entry stream of its entries, `change` applied to each record. */
  function streaming(
    log: ReturnType<typeof memoryLog>,
    change: (r: LogEntryRecord, index: number) => LogEntryRecord = (r) => r,
  ): LogSource {
    const all = log.source.logEntries;
    return {
      ...log.source,
      async logEntryStream(start, limit) {
        const { entries, size } = await all(start, limit);
        const records = entries.map((e, i) =>
          change({ kind: LEAF_KINDS[e.kind], hash: e.hash, data: utf8(e.jws as string) }, start + i),
        );
        const chunks = [
          encodeLogEntryHeader({ start, count: records.length, size }),
          encodeLogEntries(records),
        ];
        return (async function* () {
          // In small pieces, records split across them.
          for (const c of chunks) for (let at = 0; at < c.length; at += 50) yield c.subarray(at, at + 50);
        })();
      },
    };
  }

  it('makes the same tree and entries as the JSON pages', async () => {
    const log = memoryLog(seed(1));
    for (let i = 0; i < 9; i++) log.add(`statement-${i}`);
    const json = verifier(log);
    const fromJson = await json.v.refresh(true);
    const stream = new LogVerifier({ source: streaming(log), state: {}, save: async () => {} });
    const fromStream = await stream.refresh(true);
    expect(fromStream.entries).toEqual(fromJson.entries);
    expect(stream.monitoredSize).toBe(9);
  });

  it('refuses a statement record that hashes right but is not text, as ERR_LOG_INCONSISTENT', async () => {
    const log = memoryLog(seed(1));
    for (let i = 0; i < 3; i++) log.add(`statement-${i}`);
    const bad = Uint8Array.of(0xff, 0xfe, 0x2e);
    const source = streaming(log, (r, i) => (i === 1 ? { ...r, hash: sha256(bad), data: bad } : r));
    const v = new LogVerifier({ source, state: {}, save: async () => {} });
    const err = await failure(v.refresh(true));
    expect(err.code).toBe('ERR_LOG_INCONSISTENT');
    expect(err.evidence.detail).toBe('a statement entry does not carry its statement');
    expect(v.monitoredSize).toBe(0);
  });
});
