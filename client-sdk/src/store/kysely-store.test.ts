/**
 * The SDK store on SQLite, PostgreSQL and sql.js (the browser's, PROTOCOL.md §13.3): migrations,
 * transactions, every record.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { codeOfAsync } from '../../../test/support/error-code.js';
import {
  BROWSER_STORE_ENGINE,
  openTestStore,
  STORE_ENGINES,
  snapshot,
  type TestStore,
} from '../../../test/support/store-databases.js';
import { BryggaError, isBryggaError } from '../errors.js';
import type { PacketRecord } from './brygga-store.js';
import { KyselyStore } from './kysely-store.js';

const packet = (n: number, status: PacketRecord['status'], position: number | null): PacketRecord => ({
  hash: `hash-${n}`,
  pid: `pid-${n}`,
  caseId: 'case-1',
  type: 'follow-up',
  prev: n === 0 ? null : `hash-${n - 1}`,
  unit: 'malmo',
  device: 'dev',
  iat: 1_740_000_000 + n,
  aud: ['stockholm-jarva'],
  rcp: ['d1'],
  jws: `jws-${n}`,
  attachments: n === 1 ? ['AAEC'] : [],
  direction: 'in',
  status,
  position,
});

describe.each([...STORE_ENGINES, BROWSER_STORE_ENGINE])('the store on %s', (engine) => {
  let t: TestStore;
  afterEach(async () => {
    await t?.drop();
  });

  it('migrates idempotently and keeps data across reopening', async () => {
    t = await openTestStore(engine);
    await t.store.setMeta('k', 'v1');
    const again = await KyselyStore.open(t.db);
    expect(await again.getMeta('k')).toBe('v1');
    await again.setMeta('k', 'v2');
    expect(await t.store.getMeta('k')).toBe('v2');
  });

  it('a failed transaction stores nothing; a committed one stores everything', async () => {
    t = await openTestStore(engine);
    const before = await snapshot(t.db);
    await expect(
      t.store.transaction(async (tx) => {
        await tx.putPacket(packet(0, 'applied', 0));
        await tx.putReceipt({
          hash: 'r',
          pid: 'pid-0',
          packetHash: 'hash-0',
          caseId: 'case-1',
          unit: 'u',
          device: 'd',
          outcome: 'applied',
          code: null,
          jws: 'j',
        });
        await tx.enqueueOutbox('pid-x', 'AAAA', 'now');
        throw new BryggaError('ERR_CASE_FORK', 'boom');
      }),
    ).rejects.toMatchObject({ code: 'ERR_CASE_FORK' });
    expect(await snapshot(t.db)).toBe(before);
    expect(await t.store.listOutbox()).toEqual([]);
    await t.store.transaction(async (tx) => {
      await tx.putPacket(packet(0, 'applied', 0));
      await tx.transaction(async (inner) => inner.enqueueOutbox('pid-x', 'AAAA', 'now'));
    });
    expect((await t.store.getPacket('hash-0'))?.status).toBe('applied');
    expect((await t.store.listOutbox()).map((o) => o.pid)).toEqual(['pid-x']);
  });

  it('a database error inside a transaction is ERR_STORE', async () => {
    t = await openTestStore(engine);
    const err = await t.store
      .transaction(async (tx) => {
        await tx.putProcessed({ pid: 'p', hash: null, outcome: 'stored', code: null, at: 'x' });
        // biome-ignore lint/suspicious/noExplicitAny: forcing a constraint violation.
        await (tx as any).putPacket({ ...packet(0, 'applied', 0), jws: null });
      })
      .catch((e: unknown) => e);
    expect(isBryggaError(err, 'ERR_STORE')).toBe(true);
    expect(await t.store.getProcessed('p')).toBeUndefined();
  });

  it("round-trips packets, updating a held packet's standing, in log order", async () => {
    t = await openTestStore(engine);
    await t.store.putPacket(packet(2, 'held', null));
    await t.store.putPacket(packet(1, 'applied', 1));
    await t.store.putPacket(packet(0, 'applied', 0));
    expect((await t.store.listCasePackets('case-1')).map((p) => p.hash)).toEqual([
      'hash-0',
      'hash-1',
      'hash-2',
    ]);
    await t.store.putPacket(packet(2, 'applied', 2));
    const p2 = await t.store.getPacketByPid('pid-2');
    expect(p2).toEqual(packet(2, 'applied', 2));
    expect((await t.store.getPacket('hash-1'))?.attachments).toEqual(['AAEC']);
  });

  it('numbers events without reuse after they are consumed, and the outbox in order', async () => {
    t = await openTestStore(engine);
    const a = await t.store.addEvent('case.referred', 'c', '{}', 'now');
    const b = await t.store.addEvent('case.accepted', 'c', '{}', 'now');
    await t.store.deleteEventsThrough(b);
    const c = await t.store.addEvent('case.active', null, '{"x":1}', 'now');
    expect([a, b, c]).toEqual([1, 2, 3]);
    expect(await t.store.listEvents(0, 10)).toEqual([
      { seq: 3, type: 'case.active', caseId: null, data: '{"x":1}', createdAt: 'now' },
    ]);
    await t.store.enqueueOutbox('p2', 'B', 't');
    await t.store.enqueueOutbox('p1', 'A', 't');
    await t.store.enqueueOutbox('p2', 'B', 't');
    expect((await t.store.listOutbox()).map((o) => o.pid)).toEqual(['p2', 'p1']);
    await t.store.removeOutbox('p2');
    expect((await t.store.listOutbox()).map((o) => o.pid)).toEqual(['p1']);
  });

  it('round-trips every other record', async () => {
    t = await openTestStore(engine);
    const s = t.store;
    await s.putAgreement('d2', 2, 'doc2');
    await s.putAgreement('d1', 1, 'doc1');
    await s.putAgreement('d1', 1, 'doc1');
    expect((await s.listAgreements()).map((a) => a.sequence)).toEqual([1, 2]);
    await s.addStatement('s1');
    await s.addStatement('s2');
    await s.addStatement('s1');
    expect(await s.listStatements()).toEqual(['s1', 's2']);
    await s.saveIdentity({ unit: 'malmo', device: 'kid', signingKey: '{}', hpkeKeys: ['{"a":1}'] });
    expect(await s.loadIdentity()).toEqual({
      unit: 'malmo',
      device: 'kid',
      signingKey: '{}',
      hpkeKeys: ['{"a":1}'],
    });
    await s.putProcessed({ pid: 'p', hash: 'h', outcome: 'held', code: 'ERR_CASE_GAP', at: 't' });
    await s.putProcessed({ pid: 'p', hash: 'h', outcome: 'applied', code: null, at: 't2' });
    expect(await s.getProcessed('p')).toEqual({
      pid: 'p',
      hash: 'h',
      outcome: 'applied',
      code: null,
      at: 't2',
    });
    await s.putRejected({
      pid: 'r',
      hash: 'h',
      caseId: null,
      type: 'message',
      unit: 'u',
      device: 'd',
      code: 'ERR_REPLAY',
      at: 't',
    });
    expect((await s.listRejected())[0]?.code).toBe('ERR_REPLAY');
    const c = {
      caseId: 'c',
      home: 'h',
      receiving: 'r',
      status: 'referred',
      delivered: true,
      head: 'x',
      length: 1,
      state: '{}',
      updatedAt: 't',
    };
    await s.putCase(c);
    await s.putCase({ ...c, status: 'accepted' });
    expect(await s.getCase('c')).toEqual({ ...c, status: 'accepted' });
    expect(await s.listCases()).toHaveLength(1);
    const r = {
      hash: 'rh',
      pid: 'p',
      packetHash: 'ph',
      caseId: 'c',
      unit: 'u',
      device: 'd',
      outcome: 'applied',
      code: null,
      jws: 'j',
    };
    await s.putReceipt(r);
    await s.putReceipt(r);
    expect(await s.listReceipts({ packetHash: 'ph' })).toEqual([r]);
    expect(await s.listReceipts({ caseId: 'other' })).toEqual([]);
    const consent = {
      hash: 'ch',
      caseId: 'c',
      consentId: 'id',
      kind: 'attestation' as const,
      packetHash: 'ph',
      jws: 'j',
    };
    await s.putConsent(consent);
    expect(await s.listConsents('c')).toEqual([consent]);
    const q = {
      hash: 'qh',
      kind: 'claim' as const,
      agreement: 'a',
      municipality: 'm',
      direction: 'outgoing',
      unit: 'u',
      commitment: 'c',
      jws: 'j',
    };
    await s.putQuota(q);
    await s.putQuota(q);
    expect(await s.listQuota()).toEqual([q]);
    const rec = { id: 'i', units: 'a b', label: '2025-H1', document: '{}', complete: false, updatedAt: 't' };
    await s.putReconciliation(rec);
    await s.putReconciliation({ ...rec, complete: true });
    expect(await s.getReconciliation('i')).toEqual({ ...rec, complete: true });
    expect(await s.listReconciliations()).toHaveLength(1);
  });

  it("keeps the log state: pending entries, evidence in order, the unit's expected keys", async () => {
    t = await openTestStore(engine);
    const s = t.store;
    const pending = {
      leaf: 'leaf-1',
      kind: 'envelope' as const,
      subject: 'digest-1',
      since: '2025-03-03T09:00:00.000Z',
      data: '{"id":"p"}',
    };
    await s.putLogPending(pending);
    await s.putLogPending({ ...pending, data: 'ignored' });
    await s.putLogPending({ ...pending, leaf: 'leaf-0', since: '2025-03-03T10:00:00.000Z' });
    expect((await s.listLogPending()).map((p) => p.leaf)).toEqual(['leaf-1', 'leaf-0']);
    expect((await s.listLogPending())[0]).toEqual(pending);
    await s.deleteLogPending('leaf-1');
    expect((await s.listLogPending()).map((p) => p.leaf)).toEqual(['leaf-0']);
    const first = await s.addLogEvidence('ERR_LOG_ROLLBACK', '{"a":1}', 't1');
    const second = await s.addLogEvidence('ERR_LOG_OMISSION', '{"b":2}', 't2');
    expect(second).toBeGreaterThan(first);
    expect(await s.listLogEvidence()).toEqual([
      { seq: first, code: 'ERR_LOG_ROLLBACK', at: 't1', evidence: '{"a":1}' },
      { seq: second, code: 'ERR_LOG_OMISSION', at: 't2', evidence: '{"b":2}' },
    ]);
    await s.addExpectedKeys(['k2', 'k1', 'k2'], 't');
    await s.addExpectedKeys(['k1'], 't');
    expect(await s.listExpectedKeys()).toEqual(['k1', 'k2']);
    // Evidence is kept inside transactions like everything else: a failed one keeps none.
    const failed = s.transaction(async (tx) => {
      await tx.addLogEvidence('ERR_LOG_INCONSISTENT', '{}', 't3');
      throw new Error('rolled back');
    });
    expect(await codeOfAsync(failed)).toBe('ERR_STORE');
    expect(await s.listLogEvidence()).toHaveLength(2);
  });
});
