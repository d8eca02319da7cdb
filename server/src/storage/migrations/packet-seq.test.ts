import { type Kysely, Migrator, sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseUrl, ENGINES } from '../../../../test/support/databases.js';
import type { Database, Engine } from '../database.js';
import { MemoryInboxNotifier } from '../inbox-notifier.js';
import { openDatabase } from '../open-database.js';
import { RelayStore } from '../relay-store.js';
import { migrateToLatest, migrations } from './index.js';

/** The schema as it was before this migration: every earlier one, under the names the relay ran them. */
function before(engine: Engine) {
  return Object.fromEntries(Object.entries(migrations(engine)).filter(([name]) => name < '0010-packet-seq'));
}

const SENDER = 'S'.repeat(43);
const R1 = 'R'.repeat(43);
const R2 = 'T'.repeat(43);

/** A database of `engine`, not migrated, and how to drop it. */
async function unmigrated(engine: Engine): Promise<{ database: Database; drop(): Promise<void> }> {
  if (engine === 'sqlite') {
    const database = await openDatabase(':memory:', { migrate: false });
    return { database, drop: () => database.close() };
  }
  const url = databaseUrl();
  const schema = `brygga_ps_${process.pid}_${Date.now().toString(36)}`;
  const admin = async (text: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };
  await admin(`create schema ${schema}`);
  const database = await openDatabase(url, { schema, poolSize: 3, migrate: false });
  return {
    database,
    async drop() {
      await database.close();
      await admin(`drop schema if exists ${schema} cascade`);
    },
  };
}

describe.each(ENGINES)('the packet numbering migration on %s', (engine) => {
  let t: { database: Database; drop(): Promise<void> } | undefined;
  afterEach(async () => {
    await t?.drop();
    t = undefined;
  });

  it('carries packets, deliveries, notices and quotas over, and the relay serves them after it', async () => {
    t = await unmigrated(engine);
    // biome-ignore lint/suspicious/noExplicitAny: the schema as it was, not as typed now.
    const db = t.database.db as unknown as Kysely<any>;
    const migrationTableSchema =
      engine === 'postgres'
        ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
        : undefined;
    const earlier = await new Migrator({
      db,
      provider: { getMigrations: async () => before(engine) },
      ...(migrationTableSchema ? { migrationTableSchema } : {}),
    }).migrateToLatest();
    expect(earlier.error).toBeUndefined();

    const packet = (id: string, size: number, receivedAt: number) => ({
      id,
      digest: `digest-${id}`,
      sender_unit: 'malmo',
      sender_device: SENDER,
      size,
      envelope: new Uint8Array(size).fill(size),
      received_at: receivedAt,
      expires_at: 100_000,
    });
    const item = (device: string, kind: 'packet' | 'notice', itemId: string, packetId: string) => ({
      device,
      unit: 'goteborg-nordost',
      kind,
      item_id: itemId,
      packet_id: packetId,
      created_at: 1,
      expires_at: 100_000,
    });
    const submission = (id: string, receivedAt: number) => ({
      id,
      digest: `digest-${id}`,
      received_at: receivedAt,
      expires_at: 100_000,
    });
    await db
      .insertInto('submissions')
      .values([submission('p-late', 2_000), submission('p-early', 1_000), submission('p-acknowledged', 500)])
      .execute();
    // Stored in an order other than their receipt.
    await db
      .insertInto('packets')
      .values([packet('p-late', 30, 2_000), packet('p-early', 20, 1_000)])
      .execute();
    await db
      .insertInto('inbox')
      .values([
        item(R1, 'packet', 'p-late', 'p-late'),
        item(R2, 'packet', 'p-late', 'p-late'),
        item(R1, 'packet', 'p-early', 'p-early'),
        item(R1, 'notice', 'notice-1', 'p-gone'),
        // A delivery whose packet is gone: nothing could fetch it.
        item(R2, 'packet', 'p-gone', 'p-gone'),
      ])
      .execute();

    expect(await migrateToLatest(db, engine)).toEqual(['0010-packet-seq']);

    const packets = await db.selectFrom('packets').select(['id', 'seq']).orderBy('seq').execute();
    expect(packets.map((p) => p.id).sort()).toEqual(['p-early', 'p-late']);
    if (engine === 'sqlite') expect(packets.map((p) => p.id)).toEqual(['p-early', 'p-late']);
    const seqOf = new Map(packets.map((p) => [p.id, Number(p.seq)]));
    // A submission names its packet; one whose packet is gone names none.
    const submissions = await db
      .selectFrom('submissions')
      .select(['id', 'packet_seq'])
      .orderBy('id')
      .execute();
    expect(submissions.map((r) => [r.id, r.packet_seq === null ? null : Number(r.packet_seq)])).toEqual([
      ['p-acknowledged', null],
      ['p-early', seqOf.get('p-early')],
      ['p-late', seqOf.get('p-late')],
    ]);
    const inbox = await db
      .selectFrom('inbox')
      .select(['device', 'kind', 'item_id', 'packet_seq'])
      .orderBy('seq')
      .execute();
    expect(
      inbox.map((i) => ({ ...i, packet_seq: i.packet_seq === null ? null : Number(i.packet_seq) })),
    ).toEqual([
      { device: R1, kind: 'packet', item_id: 'p-late', packet_seq: seqOf.get('p-late') },
      { device: R2, kind: 'packet', item_id: 'p-late', packet_seq: seqOf.get('p-late') },
      { device: R1, kind: 'packet', item_id: 'p-early', packet_seq: seqOf.get('p-early') },
      { device: R1, kind: 'notice', item_id: 'notice-1', packet_seq: null },
    ]);
    // One delivery of a packet per device.
    await expect(
      db
        .insertInto('inbox')
        .values({ ...item(R1, 'packet', 'p-late', 'p-late'), packet_seq: seqOf.get('p-late') })
        .execute(),
    ).rejects.toThrow(/unique|UNIQUE/);

    // The relay, on the migrated database: the waiting packets are listed, fetched and acknowledged,
    // the sender's queued bytes follow, and a new packet is numbered after them.
    const store = new RelayStore(t.database, new MemoryInboxNotifier(), {
      noticeTtlMs: 5_000,
      now: () => 50_000,
    });
    const fetched = async (device: string, id: string) => {
      const bytes = await store.envelope(device, id, 50_000);
      return bytes === undefined ? undefined : Buffer.from(bytes);
    };
    const queued = async () => (await t!.database.queuedBytes('malmo', SENDER, 50_000)).device;
    expect(await queued()).toBe(50);
    expect((await store.list(R1, { after: 0, limit: 10, now: 50_000 })).map((e) => e.id)).toEqual([
      'p-late',
      'p-early',
      'notice-1',
    ]);
    expect(await fetched(R2, 'p-late')).toEqual(Buffer.alloc(30, 30));
    expect(await fetched(R2, 'p-early')).toBeUndefined();
    expect(await store.acknowledgePacket(R1, 'p-late')).toBe(true);
    expect(await store.acknowledgePacket(R1, 'p-late')).toBe(false);
    expect(await fetched(R2, 'p-late')).toEqual(Buffer.alloc(30, 30));
    expect(await store.acknowledgePacket(R2, 'p-late')).toBe(true);
    expect(await fetched(R2, 'p-late')).toBeUndefined();
    expect(await queued()).toBe(20);
    expect(await store.acknowledgeNotice(R1, 'notice-1')).toBe(true);

    const created = await store.submit({
      id: 'p-new',
      digest: 'digest-p-new',
      sender: { unit: 'malmo', device: SENDER },
      recipients: [{ unit: 'goteborg-nordost', device: R2 }],
      envelope: new Uint8Array(8).fill(8),
      receivedAt: 50_000,
      expiresAt: 100_000,
    });
    expect(created.status).toBe('created');
    const newSeq = await db
      .selectFrom('packets')
      .select('seq')
      .where('id', '=', 'p-new')
      .executeTakeFirstOrThrow();
    expect(Number(newSeq.seq)).toBeGreaterThan(Math.max(...seqOf.values()));
    expect(await fetched(R2, 'p-new')).toEqual(Buffer.alloc(8, 8));
    expect(await queued()).toBe(28);
  });
});
