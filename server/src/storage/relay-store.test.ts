import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, ENGINES, openTestDatabase, type TestDatabase } from '../../../test/support/databases.js';
import { MemoryInboxNotifier } from './inbox-notifier.js';
import { type NewPacket, RelayStore } from './relay-store.js';
import { TransparencyLogKey } from './transparency/transparency-log-key.js';
import { TransparencyLogStore } from './transparency/transparency-log-store.js';

const A = 'A'.repeat(43);
const B = 'B'.repeat(43);
const C = 'C'.repeat(43);
let n = 0;
const id = () => `packet${String(n++).padStart(16, '0')}`;

function packet(overrides: Partial<NewPacket> = {}): NewPacket {
  return {
    id: id(),
    digest: 'd'.repeat(43),
    sender: { unit: 'malmo', device: A },
    recipients: [
      { unit: 'stockholm-jarva', device: B },
      { unit: 'goteborg-nordost', device: C },
    ],
    envelope: new Uint8Array([1, 2, 3, 4]),
    receivedAt: 1_000,
    expiresAt: 10_000,
    ...overrides,
  };
}

/** Both engines, and SQLite on a file too: there the prepared writes run on the writer thread. */
const SETUPS = [
  ...ENGINES.map((engine) => ({ name: engine, engine, file: false })),
  { name: 'sqlite file', engine: 'sqlite' as const, file: true },
];

describe.each(SETUPS)('RelayStore on $name', ({ engine, file }) => {
  let t: TestDatabase;
  let store: RelayStore;
  let woken: string[];
  beforeEach(async () => {
    t = await openTestDatabase(engine, { file });
    const notifier = new MemoryInboxNotifier();
    woken = [];
    for (const d of [A, B, C]) notifier.subscribe(d, () => woken.push(d));
    store = new RelayStore(t.database, notifier, { noticeTtlMs: 5_000, newId: () => id() });
  });
  afterEach(async () => {
    await t.drop();
  });

  it('stores a packet once per id and digest', async () => {
    const p = packet();
    const receipt = { id: p.id, digest: p.digest, receivedAt: 1_000, expiresAt: 10_000 };
    expect(await store.submit(p)).toEqual({ status: 'created', receipt });
    expect(woken.sort()).toEqual([B, C]);
    expect(await store.submit({ ...p, receivedAt: 2_000, expiresAt: 20_000 })).toEqual({
      status: 'duplicate',
      receipt,
    });
    expect(await store.submit({ ...p, digest: 'e'.repeat(43) })).toEqual({ status: 'conflict' });
    expect(await store.receipt(p.id)).toEqual(receipt);
    expect(await store.receipt('nope')).toBeUndefined();
  });

  it('records the token id in the same transaction, and stores nothing under a used one', async () => {
    const rows = async () => {
      const { tokens, submissions, packets, inbox } = await countRows(t.database);
      return { tokens, submissions, packets, inbox };
    };
    const token = { device: A, jti: 'jti-with-packet', expiresAt: 5_000 };
    const p = packet({ token });
    expect((await store.submit(p)).status).toBe('created');
    expect(await rows()).toEqual({ tokens: 1, submissions: 1, packets: 1, inbox: 2 });
    woken = [];
    // Another packet under the same token id: refused as a replay, nothing of it stored or woken.
    expect(await store.submit(packet({ token }))).toEqual({ status: 'replayed' });
    expect(await rows()).toEqual({ tokens: 1, submissions: 1, packets: 1, inbox: 2 });
    expect(woken).toEqual([]);
    // The same packet under a fresh token: a duplicate; the new token id is used up all the same.
    const again = await store.submit({ ...p, token: { ...token, jti: 'jti-retry' } });
    expect(again.status).toBe('duplicate');
    expect(await rows()).toEqual({ tokens: 2, submissions: 1, packets: 1, inbox: 2 });
    expect(await store.useToken(A, 'jti-retry', 5_000)).toBe(false);
  });

  it('lists, hands out and acknowledges per device only', async () => {
    const p1 = packet();
    const p2 = packet({ recipients: [{ unit: 'stockholm-jarva', device: B }] });
    await store.submit(p1);
    await store.submit(p2);
    const listed = await store.list(B, { after: 0, limit: 10, now: 5_000 });
    expect(listed.map((e) => e.id)).toEqual([p1.id, p2.id]);
    expect(await store.list(B, { after: listed[0]!.seq, limit: 10, now: 5_000 })).toHaveLength(1);
    expect((await store.list(C, { after: 0, limit: 10, now: 5_000 })).map((e) => e.id)).toEqual([p1.id]);
    expect(await store.list(A, { after: 0, limit: 10, now: 5_000 })).toEqual([]);
    expect(await store.list(B, { after: 0, limit: 10, now: 10_000 })).toEqual([]);
    expect([...((await store.envelope(B, p1.id, 5_000)) ?? [])]).toEqual([1, 2, 3, 4]);
    expect(await store.envelope(A, p1.id, 5_000)).toBeUndefined();
    expect(await store.envelope(B, p1.id, 10_000)).toBeUndefined();
    expect(await store.acknowledgePacket(A, p1.id)).toBe(false);
    expect(await store.acknowledgePacket(B, p1.id)).toBe(true);
    expect(await store.acknowledgePacket(B, p1.id)).toBe(false);
    expect(await store.envelope(C, p1.id, 5_000)).toBeDefined();
    expect(await store.acknowledgePacket(C, p1.id)).toBe(true);
    expect(await t.database.db.selectFrom('packets').select('id').execute()).toEqual([{ id: p2.id }]);
  });

  it('records token ids once', async () => {
    expect(await store.useToken(A, 'jti-1', 5_000)).toBe(true);
    expect(await store.useToken(A, 'jti-1', 5_000)).toBe(false);
    expect(await store.useToken(B, 'jti-1', 5_000)).toBe(true);
    expect((await store.sweep(5_000)).tokens).toBe(2);
    expect(await store.useToken(A, 'jti-1', 9_000)).toBe(true);
  });

  it('sweeps expired deliveries into notices for the sender device', async () => {
    // A real digest (32 bytes): the transparency log takes it in below.
    const p = packet({ digest: 'A'.repeat(43) });
    await store.submit(p);
    await store.acknowledgePacket(B, p.id);
    woken = [];
    // The idempotency record is what the transparency log takes the envelope from: not yet logged, kept.
    expect(await store.sweep(10_000)).toMatchObject({ expiredDeliveries: 1, notices: 1, submissions: 0 });
    expect(woken).toEqual([A]);
    const log = new TransparencyLogStore(t.database, {
      key: TransparencyLogKey.fromSeed('relay.test/brygga-log', new Uint8Array(32)),
      now: () => 10_000,
    });
    expect(await log.integrate()).toMatchObject({ appended: 1 });
    woken = [];
    const result = await store.sweep(10_000);
    expect(result).toMatchObject({ expiredDeliveries: 0, notices: 0, submissions: 1 });
    expect(woken).toEqual([]);
    const [notice] = await store.list(A, { after: 0, limit: 10, now: 10_000 });
    expect(notice).toMatchObject({
      kind: 'notice',
      type: 'expired',
      packetId: p.id,
      recipient: { unit: 'goteborg-nordost', device: C },
      expiredAt: 10_000,
    });
    expect(await store.sweep(10_000)).toMatchObject({ expiredDeliveries: 0, submissions: 0 });
    expect(await store.acknowledgeNotice(B, notice!.id)).toBe(false);
    expect(await store.acknowledgeNotice(A, notice!.id)).toBe(true);
  });
});
