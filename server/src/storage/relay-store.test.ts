import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, ENGINES, openTestDatabase, type TestDatabase } from '../../../test/support/databases.js';
import { MemoryInboxNotifier } from './inbox-notifier.js';
import { type NewPacket, RelayStore } from './relay-store.js';
import { CEILING_STEP_SECONDS } from './token-ids.js';
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
  let clock = 1_000;
  beforeEach(async () => {
    clock = 1_000;
    t = await openTestDatabase(engine, { file });
    const notifier = new MemoryInboxNotifier();
    woken = [];
    for (const d of [A, B, C]) notifier.subscribe(d, () => woken.push(d));
    store = new RelayStore(t.database, notifier, { noticeTtlMs: 5_000, newId: () => id(), now: () => clock });
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

  it('uses the token id with the submission, and stores nothing under a used one', async () => {
    const rows = async () => {
      const { tokens, submissions, packets, inbox } = await countRows(t.database);
      return { tokens, submissions, packets, inbox };
    };
    // PostgreSQL records a token id as a row (its processes share no memory); SQLite keeps it in memory.
    const tokenRows = (n: number) => (engine === 'postgres' ? n : 0);
    const token = { device: A, jti: 'jti-with-packet', expiresAt: 5_000, issuedAt: 1 };
    const p = packet({ token });
    expect((await store.submit(p)).status).toBe('created');
    expect(await rows()).toEqual({ tokens: tokenRows(1), submissions: 1, packets: 1, inbox: 2 });
    woken = [];
    // Another packet under the same token id: refused as a replay, nothing of it stored or woken.
    expect(await store.submit(packet({ token }))).toEqual({ status: 'replayed' });
    expect(await rows()).toEqual({ tokens: tokenRows(1), submissions: 1, packets: 1, inbox: 2 });
    expect(woken).toEqual([]);
    // The same packet under a fresh token: a duplicate; the new token id is used up all the same.
    const again = await store.submit({ ...p, token: { ...token, jti: 'jti-retry' } });
    expect(again.status).toBe('duplicate');
    expect(await rows()).toEqual({ tokens: tokenRows(2), submissions: 1, packets: 1, inbox: 2 });
    expect(await store.useToken({ ...token, jti: 'jti-retry' })).toBe('replayed');
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

  it('records token ids once, until they could not be accepted anyway', async () => {
    const use = (device: string, jti: string, expiresAt: number) =>
      store.useToken({ device, jti, expiresAt, issuedAt: 1 });
    expect(await use(A, 'jti-1', 5_000)).toBe('fresh');
    expect(await use(A, 'jti-1', 5_000)).toBe('replayed');
    expect(await use(B, 'jti-1', 5_000)).toBe('fresh');
    clock = 5_000;
    expect((await store.sweep(5_000)).tokens).toBe(engine === 'postgres' ? 2 : 0);
    expect(await use(A, 'jti-1', 9_000)).toBe('fresh');
  });

  it('refuses, after a restart, every token that may have been used before it', async () => {
    const token = { device: A, jti: 'jti-before', expiresAt: 5_000, issuedAt: 100 };
    expect(await store.useToken(token)).toBe('fresh');
    // A new store on the same database: a restarted relay, its memory empty.
    const restarted = new RelayStore(t.database, new MemoryInboxNotifier(), {
      noticeTtlMs: 5_000,
      now: () => clock,
    });
    const verdict = (issuedAt: number, jti: string, device = A) =>
      restarted.useToken({ device, jti, expiresAt: 5_000, issuedAt });
    if (engine === 'sqlite') {
      expect(await verdict(100, 'jti-before')).toBe('before-restart');
      // Tokens up to the ceiling (a step past the last iat) may have been used: refused too.
      expect(await verdict(100 + CEILING_STEP_SECONDS, 'jti-other')).toBe('before-restart');
    } else {
      expect(await verdict(100, 'jti-before')).toBe('replayed');
    }
    expect(await verdict(101 + CEILING_STEP_SECONDS, 'jti-after')).toBe('fresh');
    expect(await verdict(101 + CEILING_STEP_SECONDS, 'jti-after')).toBe('replayed');
    // Another device's ceiling is its own.
    expect(await verdict(100, 'jti-before', B)).toBe('fresh');
  });

  it('never accepts one token id at two relays on one database', async () => {
    const second = new RelayStore(t.database, new MemoryInboxNotifier(), {
      noticeTtlMs: 5_000,
      now: () => clock,
    });
    const use = (at: RelayStore, issuedAt: number, jti: string) =>
      at.useToken({ device: A, jti, expiresAt: 5_000, issuedAt });
    // Both running, neither having seen a token of A yet.
    expect(await store.useToken({ device: B, jti: 'warm', expiresAt: 5_000, issuedAt: 1 })).toBe('fresh');
    expect(await second.useToken({ device: C, jti: 'warm', expiresAt: 5_000, issuedAt: 1 })).toBe('fresh');
    expect(await use(store, 200, 'first')).toBe('fresh');
    const step = CEILING_STEP_SECONDS;
    if (engine === 'sqlite') {
      // The second relay finds the first one's ceiling above the token: it may have been used there.
      expect(await use(second, 201, 'first')).toBe('before-restart');
      expect(await use(second, 201 + step, 'shared')).toBe('fresh');
      // And the first finds the second one's ceiling above its own in turn.
      expect(await use(store, 201 + step, 'shared')).toBe('before-restart');
    } else {
      expect(await use(second, 200, 'first')).toBe('replayed');
      expect(await use(second, 201 + step, 'shared')).toBe('fresh');
      expect(await use(store, 201 + step, 'shared')).toBe('replayed');
    }
  });

  it.runIf(engine === 'sqlite')(
    'keeps token ids without a durable write, but for a ceiling raise',
    async () => {
      let writes = 0;
      const counting = new Proxy(t.database, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver);
          if (prop === 'write') {
            return (job: Parameters<typeof target.write>[0]) => {
              writes++;
              return target.write(job);
            };
          }
          if (prop === 'writes') {
            return new Proxy(value as object, {
              get(w, name, r) {
                const f = Reflect.get(w, name, r);
                return typeof f === 'function'
                  ? (...args: unknown[]) => {
                      writes++;
                      return f.apply(w, args);
                    }
                  : f;
              },
            });
          }
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const counted = new RelayStore(counting, new MemoryInboxNotifier(), {
        noticeTtlMs: 5_000,
        now: () => clock,
      });
      for (let i = 0; i <= CEILING_STEP_SECONDS; i++) {
        expect(
          await counted.useToken({ device: A, jti: `jti-${i}`, expiresAt: 5_000, issuedAt: 100 + i }),
        ).toBe('fresh');
      }
      // One raise (to 105) covered them all; the next second needs another.
      expect(writes).toBe(1);
      expect(await counted.useToken({ device: A, jti: 'jti-next', expiresAt: 5_000, issuedAt: 106 })).toBe(
        'fresh',
      );
      expect(writes).toBe(2);
      expect(await t.database.db.selectFrom('token_ceilings').selectAll().execute()).toEqual([
        { device: A, iat: 106 + CEILING_STEP_SECONDS, raised_from: 100 + CEILING_STEP_SECONDS },
      ]);
      expect(counted.tokenIdsInMemory).toBe(CEILING_STEP_SECONDS + 2);
    },
  );

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

  it('counts the bytes waiting per sending device and unit as the sum of the packets waiting, through every change', async () => {
    // The definition (PROTOCOL.md §9), summed over the packets themselves: what the running totals that
    // the quota check reads (migrations/queued-bytes.ts) must always equal.
    const byDefinition = async (unit: string, device: string, now: number) => {
      const rows = await t.database.db
        .selectFrom('packets')
        .select(['sender_device', 'size'])
        .where('sender_unit', '=', unit)
        .where('expires_at', '>', now)
        .execute();
      const sum = (list: typeof rows) => list.reduce((total, r) => total + Number(r.size), 0);
      return { device: sum(rows.filter((r) => r.sender_device === device)), unit: sum(rows) };
    };
    const D = 'D'.repeat(43);
    const check = async (now: number) => {
      for (const [unit, device] of [
        ['malmo', A],
        ['malmo', D],
        ['stockholm-jarva', B],
      ] as const) {
        expect(await store.queuedBytes(unit, device, now)).toEqual(await byDefinition(unit, device, now));
      }
    };
    const sizes = [5, 4096, 70_000];
    const sent: NewPacket[] = [];
    for (let i = 0; i < 9; i++) {
      const p = packet({
        envelope: new Uint8Array(sizes[i % 3]!),
        sender: i % 3 === 2 ? { unit: 'malmo', device: D } : { unit: 'malmo', device: A },
        expiresAt: i < 3 ? 5_000 : 10_000,
      });
      sent.push(p);
      expect((await store.submit(p)).status).toBe('created');
    }
    const fromB = packet({ sender: { unit: 'stockholm-jarva', device: B }, envelope: new Uint8Array(300) });
    await store.submit(fromB);
    await check(1_000);
    expect((await store.queuedBytes('malmo', A, 1_000)).device).toBeGreaterThan(0);
    // A retry and a conflicting id store nothing, and count nothing.
    await store.submit(sent[4]!);
    await store.submit({ ...sent[5]!, digest: 'e'.repeat(43) });
    await check(1_000);
    // One recipient acknowledging leaves the packet waiting; the last one takes it off.
    await store.acknowledgePacket(B, sent[3]!.id);
    await check(1_000);
    await store.acknowledgePacket(C, sent[3]!.id);
    await store.acknowledgePacket(B, sent[4]!.id);
    await store.acknowledgePacket(C, sent[4]!.id);
    await check(1_000);
    // Expired, not yet swept: no longer counted; then swept.
    await check(5_000);
    await store.sweep(5_000);
    await check(5_000);
    await check(10_000);
    await store.sweep(10_000);
    await check(10_000);
    expect(await store.queuedBytes('malmo', A, 10_000)).toEqual({ device: 0, unit: 0 });
  });
});
