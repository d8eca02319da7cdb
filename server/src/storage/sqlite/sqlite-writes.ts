/**
 * The SQLite side of ../prepared-writes.ts: a batch of writes, given as data, executed in one transaction
 * with better-sqlite3 statements prepared once per connection. Used by the writer thread
 * (sqlite-write-worker.ts) on a database file, and on the relay's own connection for `:memory:`.
 *
 * The expected outcomes (replay, duplicate, conflict, nothing to acknowledge) are results, decided by
 * `ON CONFLICT DO NOTHING … RETURNING`, lookups and row counts, never errors, so a batch normally runs without
 * savepoints: inside a savepoint SQLite copies every page a write touches to a sub-journal first, which
 * was a fifth of the writer's time in the relay benchmark (perf). Only when a write fails unexpectedly
 * (a full disk, a damaged file, a bug) is the batch rolled back and run again with a savepoint per
 * write, so that the failing write alone is undone and reported to its caller.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SubmissionRecord, SubmissionResult, TokenRecord } from '../prepared-writes.js';

/** One write of a batch. */
export type SqliteWriteOp =
  | { kind: 'submit'; record: SubmissionRecord }
  | { kind: 'token'; token: TokenRecord }
  | { kind: 'ack-packet'; device: string; id: string }
  | { kind: 'ack-notice'; device: string; id: string };

/** The result of one write, in the order of the batch. */
export type SqliteWriteOutcome =
  | { ok: true; value: SubmissionResult | boolean }
  | { ok: false; error: unknown };

/** better-sqlite3 binds a Buffer as a blob; a view shares the bytes instead of copying them. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

type Statement = BetterSqlite3.Statement<unknown[]>;

function prepareAll(db: BetterSqlite3.Database) {
  const s = (text: string): Statement => db.prepare(text);
  return {
    begin: s('begin immediate'),
    commit: s('commit'),
    rollback: s('rollback'),
    savepoint: s('savepoint brygga_write'),
    release: s('release savepoint brygga_write'),
    undo: s('rollback to savepoint brygga_write'),
    token: s(
      'insert into tokens (device, jti, expires_at) values (?, ?, ?) on conflict do nothing returning jti',
    ),
    // The packet first, then its submission naming it: the batch's transaction holds the write lock, so
    // no other writer can take the id between the check (`earlier`) and the insert.
    submission: s(
      'insert into submissions (id, digest, received_at, expires_at, packet_seq) values (?, ?, ?, ?, ?)',
    ),
    earlier: s('select digest, received_at, expires_at from submissions where id = ?'),
    packet: s(
      'insert into packets (id, digest, sender_unit, sender_device, size, envelope, received_at, expires_at) ' +
        'values (?, ?, ?, ?, ?, ?, ?, ?) returning seq',
    ).pluck(),
    delivery: s(
      'insert into inbox (device, unit, kind, item_id, packet_id, packet_seq, created_at, expires_at) ' +
        "values (?, ?, 'packet', ?, ?, ?, ?, ?)",
    ),
    // A packet is found by its id through its submission, and named by its `seq` (migrations/packet-seq.ts).
    ackPacket: s(
      "delete from inbox where kind = 'packet' and device = ? " +
        'and packet_seq = (select packet_seq from submissions where id = ?)',
    ),
    packetGone: s(
      'delete from packets where seq = (select packet_seq from submissions where id = ?) and not exists ' +
        "(select 1 from inbox where packet_seq = packets.seq and kind = 'packet')",
    ),
    ackNotice: s("delete from inbox where device = ? and kind = 'notice' and item_id = ?"),
  };
}

/** Executes batches of writes on one better-sqlite3 connection (synchronously). */
export class SqliteWrites {
  readonly #db: BetterSqlite3.Database;
  /** Prepared on first use: the tables exist only once migrations ran. */
  #statements: ReturnType<typeof prepareAll> | undefined;

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
  }

  /**
   * Run `ops` in one transaction and commit it. Returns one outcome per op; throws (having stored
   * nothing) when the transaction as a whole fails, e.g. at commit.
   */
  execute(ops: readonly SqliteWriteOp[]): SqliteWriteOutcome[] {
    const st = (this.#statements ??= prepareAll(this.#db));
    st.begin.run();
    try {
      let outcomes: SqliteWriteOutcome[];
      try {
        outcomes = ops.map((op) => ({ ok: true, value: this.#one(st, op) }));
      } catch {
        // Only an unexpected failure gets here. Start over with a savepoint per write, so that it
        // alone is undone and reported; writes are data, so running them again is safe.
        st.rollback.run();
        st.begin.run();
        outcomes = ops.map((op) => this.#isolated(st, op));
      }
      st.commit.run();
      return outcomes;
    } catch (err) {
      if (this.#db.inTransaction) st.rollback.run();
      throw err;
    }
  }

  #isolated(st: ReturnType<typeof prepareAll>, op: SqliteWriteOp): SqliteWriteOutcome {
    st.savepoint.run();
    try {
      const value = this.#one(st, op);
      st.release.run();
      return { ok: true, value };
    } catch (error) {
      st.undo.run();
      st.release.run();
      return { ok: false, error };
    }
  }

  #one(st: ReturnType<typeof prepareAll>, op: SqliteWriteOp): SubmissionResult | boolean {
    switch (op.kind) {
      case 'submit':
        return this.#submit(st, op.record);
      case 'token':
        return st.token.get(op.token.device, op.token.jti, op.token.expiresAt) !== undefined;
      case 'ack-packet': {
        if (st.ackPacket.run(op.device, op.id).changes === 0) return false;
        st.packetGone.run(op.id);
        return true;
      }
      case 'ack-notice':
        return st.ackNotice.run(op.device, op.id).changes > 0;
    }
  }

  #submit(st: ReturnType<typeof prepareAll>, r: SubmissionRecord): SubmissionResult {
    if (r.token && st.token.get(r.token.device, r.token.jti, r.token.expiresAt) === undefined) {
      return { status: 'replayed' };
    }
    const row = st.earlier.get(r.id) as
      | { digest: string; received_at: number; expires_at: number }
      | undefined;
    if (row) {
      return {
        status: 'exists',
        earlier: { digest: row.digest, receivedAt: row.received_at, expiresAt: row.expires_at },
      };
    }
    const seq = st.packet.get(
      r.id,
      r.digest,
      r.senderUnit,
      r.senderDevice,
      r.envelope.byteLength,
      asBuffer(r.envelope),
      r.receivedAt,
      r.expiresAt,
    );
    st.submission.run(r.id, r.digest, r.receivedAt, r.expiresAt, seq);
    for (let i = 0; i < r.recipientDevices.length; i++) {
      st.delivery.run(r.recipientDevices[i], r.recipientUnits[i], r.id, r.id, seq, r.receivedAt, r.expiresAt);
    }
    return { status: 'created' };
  }
}
