import { createHash } from 'node:crypto';
import {
  fromBase64url,
  openCheckpoint,
  rootFromLeaves,
  verifyConsistency,
  verifyInclusion,
} from '@brygga/client-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES, openTestDatabase, type TestDatabase } from '../../../../test/support/databases.js';
import { Logger } from '../../logging/index.js';
import { openDatabase } from '../open-database.js';
import { TransparencyLogIntegrator } from './transparency-log-integrator.js';
import { TransparencyLogKey } from './transparency-log-key.js';
import { TransparencyLogStore } from './transparency-log-store.js';
import { type LogEntryKind, logLeafHash } from './tree-rows.js';

const ORIGIN = 'brygga.test/brygga-log';
const b64u = (text: string) => createHash('sha256').update(text).digest('base64url');

const SETUPS = [
  ...ENGINES.map((engine) => ({ name: engine, engine, file: false })),
  { name: 'sqlite file', engine: 'sqlite' as const, file: true },
];

describe.each(SETUPS)('TransparencyLogStore on $name', ({ engine, file }) => {
  let t: TestDatabase;
  let log: TransparencyLogStore;
  const now = 1_700_000_000_000;
  let statementSeq = 0;
  let agreementSeq = 0;
  /** Every object added, in the order the log must take them in within one round. */
  let added: { kind: LogEntryKind; hash: string }[];

  beforeEach(async () => {
    t = await openTestDatabase(engine, { file });
    const key = await TransparencyLogKey.load(t.database, { origin: ORIGIN, now });
    log = new TransparencyLogStore(t.database, { key, now: () => now });
    statementSeq = 0;
    agreementSeq = 0;
    added = [];
  });
  afterEach(async () => {
    await t.drop();
  });

  async function addStatement(text: string): Promise<string> {
    const hash = b64u(text);
    await t.database.write((trx) =>
      trx
        .insertInto('statements')
        .values({ seq: ++statementSeq, hash, jws: text, accepted_at: now })
        .execute(),
    );
    return hash;
  }

  async function addAgreement(text: string): Promise<string> {
    const digest = b64u(text);
    await t.database.write((trx) =>
      trx
        .insertInto('agreements')
        .values({
          seq: ++agreementSeq,
          digest,
          sequence: agreementSeq,
          document: `{"x":"${text}"}`,
          installed_at: now,
        })
        .execute(),
    );
    return digest;
  }

  async function addSubmission(id: string, bytes: string, receivedAt = now): Promise<string> {
    const digest = b64u(bytes);
    await t.database.write((trx) =>
      trx
        .insertInto('submissions')
        .values({ id, digest, received_at: receivedAt, expires_at: receivedAt + 1000 })
        .execute(),
    );
    return digest;
  }

  async function checkEverything(): Promise<void> {
    const size = await log.size();
    const { entries } = await log.entries(0, 1000);
    expect(entries.map((e) => e.index)).toEqual([...Array(size).keys()]);
    const leaves = entries.map((e) => logLeafHash(e.kind, fromBase64url(e.hash)));
    const note = await log.checkpoint();
    const { checkpoint } = openCheckpoint(note!, ORIGIN, log.key.publicKey);
    expect(checkpoint.size).toBe(size);
    expect(checkpoint.root).toEqual(rootFromLeaves(leaves));
    for (const [i, leaf] of leaves.entries()) {
      const p = await log.inclusionProof(leaf);
      expect(p.index).toBe(i);
      expect(verifyInclusion(i, size, leaf, p.proof, checkpoint.root)).toBe(true);
    }
  }

  it('takes agreements, statements and submissions in order, each once, and proves them', async () => {
    const r0 = await log.integrate();
    expect(r0).toEqual({ appended: 0, repeated: 0, size: 0 });
    expect(await log.size()).toBe(0);
    await checkEverything();

    // Submissions first in time, but the round takes agreements, then statements, then submissions.
    added.push({ kind: 'envelope', hash: await addSubmission('p2', 'envelope two', now + 5) });
    added.unshift({ kind: 'envelope', hash: await addSubmission('p1', 'envelope one', now) });
    const s1 = await addStatement('statement one');
    const s2 = await addStatement('statement two');
    const a1 = await addAgreement('agreement one');
    const r1 = await log.integrate();
    expect(r1).toEqual({ appended: 5, repeated: 0, size: 5 });
    const { entries } = await log.entries(0, 100);
    expect(entries.map((e) => [e.kind, e.hash])).toEqual([
      ['agreement', a1],
      ['statement', s1],
      ['statement', s2],
      ['envelope', added[0]!.hash],
      ['envelope', added[1]!.hash],
    ]);
    expect(entries[0]!.jws).toEqual({ x: 'agreement one' });
    expect(entries[1]!.jws).toBe('statement one');
    expect(entries[3]!.jws).toBeUndefined();
    expect(await log.submissionIndex('p1')).toBe(3);
    // Nothing waits: another round adds nothing and issues nothing new.
    expect(await log.integrate()).toEqual({ appended: 0, repeated: 0, size: 5 });
    await checkEverything();

    // An envelope whose record expired and which is submitted again keeps its one leaf.
    await t.database.write((trx) => trx.deleteFrom('submissions').where('id', '=', 'p1').execute());
    await addSubmission('p1', 'envelope one', now + 10_000);
    await addSubmission('p3', 'envelope three', now + 10_001);
    const r2 = await log.integrate();
    expect(r2).toEqual({ appended: 1, repeated: 1, size: 6 });
    expect(await log.submissionIndex('p1')).toBe(3);
    expect(await log.submissionIndex('p3')).toBe(5);
    await checkEverything();
  });

  it.runIf(file)('runs its rounds on the writer thread, in turn with the other writes', async () => {
    expect(t.database.integrateTransparencyLog).toBeTypeOf('function');
    // A round takes in a write queued before it, even one waiting in the same batch.
    const queued = addStatement('queued first');
    expect((await log.integrate()).size).toBe(1);
    await queued;
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      work.push(addSubmission(`p${i}`, `envelope ${i}`, now + i));
      if (i % 7 === 0) work.push(log.integrate(5));
    }
    await Promise.all(work);
    while ((await log.integrate()).appended > 0);
    expect(await log.size()).toBe(41);
    await checkEverything();

    // A round that fails on the thread reaches its caller as an error and stores nothing.
    await t.database.write((trx) =>
      trx.deleteFrom('log_nodes').where('level', '=', 3).where('idx', '=', 4).execute(),
    );
    await addSubmission('late', 'late envelope', now + 100);
    await expect(log.integrate()).rejects.toThrow(/missing node/);
    expect(await log.size()).toBe(41);
    expect(await log.submissionIndex('late')).toBeUndefined();
  });

  it('issues a checkpoint per round, all consistent with each other', async () => {
    const sizes: number[] = [];
    for (let round = 0; round < 9; round++) {
      for (let i = 0; i <= round; i++) await addStatement(`r${round}-${i}`);
      sizes.push((await log.integrate()).size);
    }
    expect(sizes).toEqual([1, 3, 6, 10, 15, 21, 28, 36, 45]);
    const roots = new Map<number, Uint8Array>();
    for (const size of sizes) {
      const { checkpoint } = openCheckpoint((await log.checkpoint(size))!, ORIGIN, log.key.publicKey);
      expect(checkpoint.size).toBe(size);
      expect(checkpoint.root).toEqual(await log.root(size));
      roots.set(size, checkpoint.root);
    }
    expect(await log.checkpoint(2)).toBeUndefined();
    for (const m of sizes) {
      for (const n of sizes) {
        if (m > n) continue;
        const { proof } = await log.consistencyProof(m, n);
        expect(verifyConsistency(m, n, proof, roots.get(m)!, roots.get(n)!), `${m} → ${n}`).toBe(true);
      }
    }
    // Proofs for sizes between checkpoints come from the same stored subtrees.
    const { proof } = await log.consistencyProof(7, 44);
    expect(verifyConsistency(7, 44, proof, await log.root(7), await log.root(44))).toBe(true);
    await expect(log.consistencyProof(0, 5)).rejects.toMatchObject({ code: 'ERR_MALFORMED' });
    await expect(log.consistencyProof(6, 5)).rejects.toMatchObject({ code: 'ERR_MALFORMED' });
    await expect(log.consistencyProof(5, 46)).rejects.toMatchObject({ code: 'ERR_BEYOND_LOG' });
    const leaf = logLeafHash('statement', fromBase64url(b64u('r8-0')));
    await expect(log.inclusionProof(leaf, 36)).rejects.toMatchObject({ code: 'ERR_NOT_LOGGED' });
    await expect(log.inclusionProof(leaf, 46)).rejects.toMatchObject({ code: 'ERR_BEYOND_LOG' });
    expect((await log.inclusionProof(leaf, 37)).index).toBe(36);
    await checkEverything();
  });

  it('takes at most a round size per round; the integrator runs rounds until none waits', async () => {
    for (let i = 0; i < 23; i++) await addSubmission(`p${i}`, `envelope ${i}`, now + i);
    expect((await log.integrate(10)).size).toBe(10);
    const integrator = new TransparencyLogIntegrator(log, {
      logger: new Logger({ level: 'silent' }),
      roundSize: 5,
    });
    expect(await integrator.flush()).toBe(23);
    // Concurrent requests share rounds and lose nothing.
    const more = [];
    for (let i = 23; i < 40; i++) more.push(addSubmission(`p${i}`, `envelope ${i}`, now + i));
    await Promise.all([...more.map((p) => p.then(() => integrator.flush())), integrator.flush()]);
    expect(await integrator.flush()).toBe(40);
    await integrator.stop();
    const { entries } = await log.entries(0, 1000);
    expect(new Set(entries.map((e) => e.hash)).size).toBe(40);
    await checkEverything();
  });

  it('stores witness cosignatures once, verified', async () => {
    const { SigningKeyPair, cosignCheckpoint, parseNote, verifyCosignature } = await import(
      '@brygga/client-sdk'
    );
    await addStatement('one');
    await log.integrate();
    const witness = SigningKeyPair.generate();
    const name = 'brygga-witness/malmo/device';
    const text = parseNote((await log.checkpoint(1))!).text;
    const seed = witness.exportSecret();
    const sig = cosignCheckpoint(text, name, seed, 1_700_000_123);
    const line = `— ${name} ${Buffer.concat([sig.keyId, sig.signature]).toString('base64')}`;
    expect(await log.addCosignature(1, name, witness.publicKey.bytes, line)).toEqual({
      created: true,
      time: 1_700_000_123,
    });
    expect((await log.addCosignature(1, name, witness.publicKey.bytes, line)).created).toBe(false);
    const served = parseNote((await log.checkpoint(1))!);
    expect(served.signatures.map((s) => s.name)).toEqual([ORIGIN, name]);
    expect(verifyCosignature(served.text, served.signatures[1]!, name, witness.publicKey.bytes)).toEqual({
      time: 1_700_000_123,
    });
    // Over another checkpoint, under another name, or with another key: refused.
    await addStatement('two');
    await log.integrate();
    await expect(log.addCosignature(2, name, witness.publicKey.bytes, line)).rejects.toMatchObject({
      code: 'ERR_CRYPTO',
    });
    await expect(
      log.addCosignature(1, 'brygga-witness/malmo/other', witness.publicKey.bytes, line),
    ).rejects.toMatchObject({
      code: 'ERR_FORBIDDEN',
    });
    await expect(
      log.addCosignature(1, name, SigningKeyPair.generate().publicKey.bytes, line),
    ).rejects.toMatchObject({ code: 'ERR_CRYPTO' });
    await expect(log.addCosignature(3, name, witness.publicKey.bytes, line)).rejects.toMatchObject({
      code: 'ERR_NOT_FOUND',
    });
    await expect(log.addCosignature(1, name, witness.publicKey.bytes, 'junk')).rejects.toMatchObject({
      code: 'ERR_MALFORMED',
    });
    const stored = await t.database.db.selectFrom('log_cosignatures').selectAll().execute();
    expect(stored).toHaveLength(1);
    seed.fill(0);
  });

  it.runIf(file || engine === 'postgres')('keeps its key and its log across a restart', async () => {
    await addStatement('before');
    await log.integrate();
    const before = openCheckpoint((await log.checkpoint())!, ORIGIN, log.key.publicKey).checkpoint;
    const publicKey = log.key.publicKey;
    await t.database.close();
    const reopened = await openDatabase(t.location, t.schema ? { schema: t.schema } : {});
    t.database = reopened;
    const key = await TransparencyLogKey.load(reopened, { origin: ORIGIN, now });
    expect(key.publicKey).toEqual(publicKey);
    log = new TransparencyLogStore(reopened, { key, now: () => now });
    expect(await log.size()).toBe(1);
    await addStatement('after one');
    await addStatement('after two');
    await log.integrate();
    const after = openCheckpoint((await log.checkpoint())!, ORIGIN, publicKey).checkpoint;
    expect(after.size).toBe(3);
    const { proof } = await log.consistencyProof(1, 3);
    expect(verifyConsistency(1, 3, proof, before.root, after.root)).toBe(true);
    await checkEverything();
  });

  it.runIf(engine === 'postgres')('builds one log from rounds of two processes at once', async () => {
    const other = await openDatabase(t.location, { schema: t.schema!, poolSize: 3 });
    try {
      const key = await TransparencyLogKey.load(other, { origin: ORIGIN, now });
      expect(key.publicKey).toEqual(log.key.publicKey);
      const second = new TransparencyLogStore(other, { key, now: () => now });
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 60; i++) {
        writes.push(
          addSubmission(`p${i}`, `envelope ${i}`, now + i).then(() => (i % 2 ? log : second).integrate(7)),
        );
      }
      await Promise.all(writes);
      await log.integrate();
      await second.integrate();
      expect(await log.size()).toBe(60);
      const sizes = (
        await t.database.db.selectFrom('log_checkpoints').select('size').orderBy('size').execute()
      ).map((r) => Number(r.size));
      const roots = new Map<number, Uint8Array>();
      for (const s of sizes) {
        roots.set(s, openCheckpoint((await log.checkpoint(s))!, ORIGIN, key.publicKey).checkpoint.root);
      }
      for (let i = 1; i < sizes.length; i++) {
        const [m, n] = [sizes[i - 1]!, sizes[i]!];
        if (m === 0) continue;
        const { proof } = await second.consistencyProof(m, n);
        expect(verifyConsistency(m, n, proof, roots.get(m)!, roots.get(n)!)).toBe(true);
      }
      await checkEverything();
    } finally {
      await other.close();
    }
  });
});
