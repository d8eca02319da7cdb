import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../database.js';
import { openDatabase } from '../open-database.js';
import type { SubmissionRecord } from '../prepared-writes.js';
import type { RelaySchema } from '../schema.js';
import { TransparencyLogKey } from '../transparency/transparency-log-key.js';
import { openSqliteConnection } from './sqlite-connection.js';
import { inlineExecutor, SqliteWriter, ThreadExecutor } from './sqlite-writer.js';
import { SqliteWrites } from './sqlite-writes.js';

const SENDER = 'S'.repeat(43);
const RECIPIENT = 'R'.repeat(43);
let n = 0;

function record(overrides: Partial<SubmissionRecord> = {}): SubmissionRecord {
  const id = `packet${String(n++).padStart(16, '0')}`;
  return {
    id,
    digest: createHash('sha256').update(id).digest('base64url'),
    senderUnit: 'malmo',
    senderDevice: SENDER,
    recipientDevices: [RECIPIENT],
    recipientUnits: ['stockholm-jarva'],
    envelope: new Uint8Array([1, 2, 3, 4]),
    receivedAt: 1_000,
    expiresAt: 10_000,
    token: { device: SENDER, jti: `jti-${id}`, expiresAt: 5_000, issuedAt: 1 },
    ...overrides,
  };
}

/** A record the schema refuses (a NOT NULL column left empty): an unexpected failure, not an outcome. */
function broken(): SubmissionRecord {
  return record({ senderUnit: null as unknown as string });
}

describe('SqliteWrites and the SQLite writer', () => {
  let dir: string;
  let file: string;
  let database: Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brygga-writer-'));
    file = join(dir, 'relay.sqlite');
    // Creates and migrates the file; each test then writes through its own writer.
    database = await openDatabase(file, { writerThread: false });
  });

  afterEach(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Row counts as an independent connection sees them: what is committed. */
  function committed(): Record<string, number> {
    const reader = new BetterSqlite3(file, { readonly: true });
    try {
      const count = (table: string) =>
        (reader.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
      return {
        tokens: count('tokens'),
        submissions: count('submissions'),
        packets: count('packets'),
        inbox: count('inbox'),
      };
    } finally {
      reader.close();
    }
  }

  it('decides replay, duplicate and conflict by the inserts themselves, storing nothing extra', () => {
    const sqlite = openSqliteConnection(file);
    try {
      const writes = new SqliteWrites(sqlite);
      const first = record();
      const [created, replayed, duplicate] = writes.execute([
        { kind: 'submit', record: first },
        // The same token id again: nothing of this packet is stored.
        { kind: 'submit', record: record({ token: first.token }) },
        // The same packet id under a fresh token: the earlier record answers.
        {
          kind: 'submit',
          record: { ...first, digest: 'e'.repeat(43), token: { ...first.token!, jti: 'other' } },
        },
      ]);
      expect(created).toEqual({ ok: true, value: { status: 'created' } });
      expect(replayed).toEqual({ ok: true, value: { status: 'replayed' } });
      expect(duplicate).toEqual({
        ok: true,
        value: { status: 'exists', earlier: { digest: first.digest, receivedAt: 1_000, expiresAt: 10_000 } },
      });
      expect(committed()).toEqual({ tokens: 2, submissions: 1, packets: 1, inbox: 1 });
      const [ack, again, notice] = writes.execute([
        { kind: 'ack-packet', device: RECIPIENT, id: first.id },
        { kind: 'ack-packet', device: RECIPIENT, id: first.id },
        { kind: 'ack-notice', device: SENDER, id: 'none' },
      ]);
      expect([ack, again, notice]).toEqual([
        { ok: true, value: true },
        { ok: true, value: false },
        { ok: true, value: false },
      ]);
      // The last delivery went, and the packet with it; the idempotency record stays.
      expect(committed()).toEqual({ tokens: 2, submissions: 1, packets: 0, inbox: 0 });
    } finally {
      sqlite.close();
    }
  });

  it('undoes only the write that failed unexpectedly and commits the rest of its batch', () => {
    const sqlite = openSqliteConnection(file);
    try {
      const writes = new SqliteWrites(sqlite);
      const outcomes = writes.execute([
        { kind: 'submit', record: record() },
        { kind: 'submit', record: broken() },
        { kind: 'submit', record: record() },
      ]);
      expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
      expect((outcomes[1] as { error: { code: string } }).error.code).toMatch(/^SQLITE_CONSTRAINT/);
      // The failed write's token id went with it.
      expect(committed()).toEqual({ tokens: 2, submissions: 2, packets: 2, inbox: 2 });
      expect(sqlite.inTransaction).toBe(false);
    } finally {
      sqlite.close();
    }
  });

  /** One turn of the event loop: the writer sends what was queued before it. */
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  describe('the pipeline to the writer thread', () => {
    let executor: ThreadExecutor;
    let blocker: BetterSqlite3.Database | undefined;
    afterEach(() => {
      blocker?.close();
      blocker = undefined;
    });

    /** Another connection takes the write lock: the thread's next transaction waits until it lets go. */
    function holdWriteLock(): () => void {
      blocker = openSqliteConnection(file);
      blocker.prepare('begin immediate').run();
      return () => blocker!.prepare('commit').run();
    }

    async function warm(maxInFlight: number): Promise<SqliteWriter<RelaySchema>> {
      executor = new ThreadExecutor(file);
      const writer = new SqliteWriter(database.db, executor, { maxInFlight });
      // The thread is up and its connection open.
      expect(await writer.submit(record())).toEqual({ status: 'created' });
      return writer;
    }

    it('sends the next batch while the thread is still on the one before, at most two at once', async () => {
      const writer = await warm(2);
      try {
        const release = holdWriteLock();
        const first = writer.submit(record());
        await turn();
        expect(executor.inFlight).toBe(1);
        const second = writer.submit(record());
        await turn();
        // Sent without waiting for the first batch's answer.
        expect(executor.inFlight).toBe(2);
        const third = writer.submit(record());
        await turn();
        expect(executor.inFlight).toBe(2);
        release();
        expect(await Promise.all([first, second, third])).toEqual(
          Array.from({ length: 3 }, () => ({ status: 'created' })),
        );
        // The thread itself received the second batch while the first was still unanswered.
        expect(executor.overlapped).toBeGreaterThan(0);
        expect(committed()).toEqual({ tokens: 4, submissions: 4, packets: 4, inbox: 4 });
      } finally {
        await writer.close();
      }
    });

    it('joins the batches waiting on the thread into one transaction', async () => {
      const writer = await warm(3);
      try {
        const release = holdWriteLock();
        const first = writer.submit(record());
        await turn();
        const second = writer.submit(record());
        await turn();
        const third = writer.submit(record());
        await turn();
        expect(executor.inFlight).toBe(3);
        release();
        await Promise.all([first, second, third]);
        // The warm-up, then the three batches in fewer than three transactions: the second and the third
        // waited on the thread together (the first too, if the thread had not yet taken it up).
        expect(writer.commits).toBeLessThan(4);
        expect(committed()).toEqual({ tokens: 4, submissions: 4, packets: 4, inbox: 4 });
      } finally {
        await writer.close();
      }
    });

    it('runs a round sent behind a batch still on the thread after that batch, taking it in', async () => {
      const writer = await warm(2);
      try {
        const now = 1_700_000_000_000;
        const key = await TransparencyLogKey.load(database, { origin: 'brygga.test/brygga-log', now });
        const round = { limit: 100, now, key: key.forWriterThread() };
        // The warm-up's submission, and the empty log's first checkpoint.
        expect(await writer.integrateTransparencyLog(round)).toEqual({ appended: 1, repeated: 0, size: 1 });
        const release = holdWriteLock();
        const submitted = writer.submit(record());
        await turn();
        const logged = writer.integrateTransparencyLog(round);
        await turn();
        // Both out at once: the thread takes them in the order sent.
        expect(executor.inFlight).toBe(2);
        release();
        expect(await submitted).toEqual({ status: 'created' });
        expect(await logged).toEqual({ appended: 1, repeated: 0, size: 2 });
      } finally {
        await writer.close();
      }
    });

    it('waits for the batches out before a Kysely job, and sends nothing while it runs', async () => {
      const writer = await warm(2);
      try {
        const release = holdWriteLock();
        const before = writer.submit(record());
        await turn();
        let outDuringJob = -1;
        const job = writer.run(async (trx) => {
          outDuringJob = executor.inFlight;
          await trx
            .insertInto('tokens')
            .values({ device: RECIPIENT, jti: 'job', expires_at: 5_000 })
            .execute();
          await turn();
          await turn();
          return executor.inFlight;
        });
        const after = writer.submit(record());
        await turn();
        // The job waits for the batch out; the write queued after the job waits for the job.
        expect(executor.inFlight).toBe(1);
        release();
        expect(await job).toBe(0);
        expect(outDuringJob).toBe(0);
        expect(await Promise.all([before, after])).toEqual([{ status: 'created' }, { status: 'created' }]);
        expect(committed().tokens).toBe(4);
      } finally {
        await writer.close();
      }
    });
  });

  for (const mode of ['thread', 'inline'] as const) {
    describe(`with the writes ${mode === 'thread' ? 'on a writer thread' : 'inline'}`, () => {
      let writer: SqliteWriter<RelaySchema>;
      let executor: ThreadExecutor | undefined;
      let sqlite: BetterSqlite3.Database | undefined;
      beforeEach(() => {
        if (mode === 'thread') {
          executor = new ThreadExecutor(file);
          writer = new SqliteWriter(database.db, executor);
        } else {
          sqlite = openSqliteConnection(file);
          writer = new SqliteWriter(database.db, inlineExecutor(new SqliteWrites(sqlite)));
        }
      });
      afterEach(async () => {
        await writer.close();
        sqlite?.close();
      });

      it('group-commits concurrent writes and resolves each only after its commit', async () => {
        const records = Array.from({ length: 120 }, () => record());
        const seen: boolean[] = await Promise.all(
          records.map(async (r) => {
            expect(await writer.submit(r)).toEqual({ status: 'created' });
            // Resolved means committed: an independent connection already sees the packet.
            const reader = new BetterSqlite3(file, { readonly: true });
            try {
              return reader.prepare('select 1 from packets where id = ?').get(r.id) !== undefined;
            } finally {
              reader.close();
            }
          }),
        );
        expect(seen.every(Boolean)).toBe(true);
        expect(writer.commits).toBeLessThan(40);
        expect(committed()).toEqual({ tokens: 120, submissions: 120, packets: 120, inbox: 120 });
      });

      it('reports an unexpected failure to its caller alone, with its SQLite code', async () => {
        const [good, bad, token] = await Promise.allSettled([
          writer.submit(record()),
          writer.submit(broken()),
          writer.useToken({ device: SENDER, jti: 'lonely', expiresAt: 5_000, issuedAt: 1 }),
        ]);
        expect(good).toEqual({ status: 'fulfilled', value: { status: 'created' } });
        expect(token).toEqual({ status: 'fulfilled', value: 'fresh' });
        expect(bad.status).toBe('rejected');
        expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(Error);
        expect((bad as PromiseRejectedResult).reason.code).toMatch(/^SQLITE_CONSTRAINT/);
        expect(committed()).toEqual({ tokens: 2, submissions: 1, packets: 1, inbox: 1 });
      });

      it('runs Kysely jobs and prepared writes in turn, never at once', async () => {
        const results = await Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            i % 3 === 0
              ? writer.run(async (trx) => {
                  // The thread's connection and this one share the write lock: nothing is out meanwhile.
                  expect(executor?.inFlight ?? 0).toBe(0);
                  await trx
                    .insertInto('tokens')
                    .values({ device: RECIPIENT, jti: `job-${i}`, expires_at: 5_000 })
                    .execute();
                  // A job spans several statements with awaits between them; a prepared write
                  // running meanwhile would collide with its open transaction.
                  await new Promise((r) => setTimeout(r, 1));
                  await trx
                    .insertInto('tokens')
                    .values({ device: RECIPIENT, jti: `job-${i}-b`, expires_at: 5_000 })
                    .execute();
                  return 'job';
                })
              : writer.submit(record()).then((o) => o.status),
          ),
        );
        expect(results.filter((r) => r === 'job')).toHaveLength(20);
        expect(results.filter((r) => r === 'created')).toHaveLength(40);
        expect(committed().tokens).toBe(80);
      });
    });
  }
});
