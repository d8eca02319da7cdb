/**
 * The single writer of a SQLite relay database. All writes
 * go through it, in batches that never overlap, so there is exactly one writer and no lock contention:
 *
 * - Prepared writes (../prepared-writes.ts: submissions, token ids, acknowledgements) are group-committed
 *   as data by {@link SqliteWrites}. On a database file they run on a writer thread that owns its own
 *   write connection (sqlite-write-worker.ts): the SQL and the commit's fsync stay off the event loop
 *   and use a second core, while the event loop keeps serving HTTP, verifying tokens and parsing
 *   envelopes. Reads stay on the relay's own connection; WAL lets them run while the writer writes, and
 *   a caller told "committed" reads its write back, since every read starts after that commit.
 *   On `:memory:` (tests) a second connection would be a different database, so the same statements run
 *   inline on the relay's connection.
 * - The transparency log's integration rounds (../transparency/integration-round.ts) also run on the
 *   writer thread, each its own transaction, so that their SQL and their commit's fsync stay off the
 *   event loop as well.
 * - Other writes (directory appends, sweeps) are Kysely jobs; they run on the relay's own connection
 *   in shared transactions with a savepoint each, as group-commit.ts describes.
 *
 * A caller's promise resolves only after the transaction holding its write has committed; a batch whose
 * commit fails rejects every write in it, having stored none of them.
 */
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import type { TransparencyRoundRequest, TransparencyRoundResult } from '../database.js';
import type {
  PreparedWrites,
  SubmissionRecord,
  SubmissionResult,
  TokenOutcome,
  TokenRecord,
} from '../prepared-writes.js';
import { commitInSavepoints, type PendingWrite, type WriteJob } from './group-commit.js';
import type { ThreadError, WriterRequest, WriterResponse } from './sqlite-write-worker.js';
import type { SqliteWriteOp, SqliteWriteOutcome, SqliteWrites } from './sqlite-writes.js';
import { writerThread } from './writer-thread.js';

/** Runs batches of prepared writes somewhere, resolving after their commit. */
interface WriteExecutor {
  execute(ops: SqliteWriteOp[]): Promise<SqliteWriteOutcome[]>;
  /** Runs a transparency-log integration round (the writer thread only). */
  round?(request: TransparencyRoundRequest): Promise<TransparencyRoundResult>;
  close(): Promise<void>;
}

/** On the caller's own connection (`:memory:`). Synchronous: nothing else can use the connection meanwhile. */
export function inlineExecutor(writes: SqliteWrites): WriteExecutor {
  return {
    async execute(ops) {
      return writes.execute(ops);
    },
    async close() {},
  };
}

function fromThread(e: ThreadError): Error {
  return Object.assign(new Error(e.message), { name: e.name }, e.code === undefined ? {} : { code: e.code });
}

/**
 * `op` with its envelope in a buffer of its own, listed in `transfer`. A body read from a socket is
 * usually a view into a larger buffer, and cloning a view copies its whole underlying buffer (64 KiB
 * for a 4 KiB envelope); copying just the view once and moving that copy costs less.
 */
function movable(op: SqliteWriteOp, transfer: ArrayBuffer[]): SqliteWriteOp {
  if (op.kind !== 'submit') return op;
  const envelope = new Uint8Array(op.record.envelope);
  transfer.push(envelope.buffer);
  return { kind: 'submit', record: { ...op.record, envelope } };
}

/** On a writer thread with its own connection to the database file `location`. */
export class ThreadExecutor implements WriteExecutor {
  readonly #location: string;
  readonly #pending = new Map<number, { resolve: (answer: never) => void; reject: (e: Error) => void }>();
  #worker: Worker | undefined;
  #next = 0;

  constructor(location: string) {
    this.#location = location;
  }

  /** Start the thread now (it loads its modules and opens its connection) rather than at the first write. */
  start(): void {
    this.#worker ??= this.#start();
  }

  execute(ops: SqliteWriteOp[]): Promise<SqliteWriteOutcome[]> {
    const transfer: ArrayBuffer[] = [];
    return this.#send((id) => ({ id, ops: ops.map((op) => movable(op, transfer)) }), transfer);
  }

  round(request: TransparencyRoundRequest): Promise<TransparencyRoundResult> {
    return this.#send((id) => ({ id, round: request }), []);
  }

  #send<T>(message: (id: number) => WriterRequest, transfer: ArrayBuffer[]): Promise<T> {
    const worker = (this.#worker ??= this.#start());
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (answer: never) => void, reject });
      // Keep the process alive while a batch is out, but not for an idle writer.
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage(message(id), transfer);
    });
  }

  #start(): Worker {
    const worker = writerThread(this.#location);
    worker.on('message', (response: WriterResponse) => {
      const pending = this.#pending.get(response.id);
      if (!pending) return;
      this.#pending.delete(response.id);
      if (this.#pending.size === 0) worker.unref();
      if ('error' in response) {
        pending.reject(fromThread(response.error));
      } else if ('round' in response) {
        pending.resolve(response.round as never);
      } else {
        const outcomes = response.outcomes.map((o) => (o.ok ? o : { ok: false, error: fromThread(o.error) }));
        pending.resolve(outcomes as never);
      }
    });
    worker.on('error', (err) => this.#lost(worker, err));
    worker.on('exit', (code) => this.#lost(worker, new Error(`the SQLite writer thread exited (${code})`)));
    return worker;
  }

  /**
   * The thread died (it should not). Its connection died with it, so SQLite rolled back whatever it had
   * not committed: every batch out is refused, and the next batch starts a new thread.
   */
  #lost(worker: Worker, err: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#worker = undefined;
    const exited = once(worker, 'exit');
    // An idle writer is unreferenced; without this the process could end before the thread has closed
    // its connection, and with it the rest of the shutdown.
    worker.ref();
    worker.postMessage({ close: true } satisfies WriterRequest);
    await exited;
  }
}

type Answer = { resolve: (value: unknown) => void; reject: (err: unknown) => void };
type Entry<S> =
  | ({ op: SqliteWriteOp } & Answer)
  | ({ round: TransparencyRoundRequest } & Answer)
  | PendingWrite<S>;

/** The SQLite database's only writer (see the module header). */
export class SqliteWriter<S> implements PreparedWrites {
  readonly #db: Kysely<S>;
  readonly #executor: WriteExecutor;
  readonly #maxBatch: number;
  #queue: Entry<S>[] = [];
  #running: Promise<void> | undefined;
  #scheduled = false;
  /** Transactions committed (for tests and metrics). */
  commits = 0;

  /** Kysely jobs run on `db`; prepared writes on `executor`. */
  constructor(db: Kysely<S>, executor: WriteExecutor, options: { maxBatch?: number } = {}) {
    this.#db = db;
    this.#executor = executor;
    this.#maxBatch = options.maxBatch ?? 512;
  }

  /** Run a Kysely job in the next batch; resolves with its result once the batch has committed. */
  run<T>(job: WriteJob<S, T>): Promise<T> {
    return this.#enqueue({ job: job as WriteJob<S, unknown> }) as Promise<T>;
  }

  submit(record: SubmissionRecord): Promise<SubmissionResult> {
    return this.#enqueue({ op: { kind: 'submit', record } }) as Promise<SubmissionResult>;
  }

  async useToken(token: TokenRecord): Promise<TokenOutcome> {
    return (await (this.#enqueue({ op: { kind: 'token', token } }) as Promise<boolean>))
      ? 'fresh'
      : 'replayed';
  }

  acknowledgePacket(device: string, id: string): Promise<boolean> {
    return this.#enqueue({ op: { kind: 'ack-packet', device, id } }) as Promise<boolean>;
  }

  acknowledgeNotice(device: string, id: string): Promise<boolean> {
    return this.#enqueue({ op: { kind: 'ack-notice', device, id } }) as Promise<boolean>;
  }

  /** Run a transparency-log integration round on the writer thread, in turn with the other writes. */
  integrateTransparencyLog(request: TransparencyRoundRequest): Promise<TransparencyRoundResult> {
    return this.#enqueue({ round: request }) as Promise<TransparencyRoundResult>;
  }

  /** Resolves when every write queued so far has been committed or refused. */
  async drain(): Promise<void> {
    while (this.#running || this.#queue.length > 0 || this.#scheduled) {
      if (this.#running) await this.#running;
      else await new Promise((r) => setImmediate(r));
    }
  }

  /** Finish the queued writes, then stop the writer thread. */
  async close(): Promise<void> {
    await this.drain();
    await this.#executor.close();
  }

  #enqueue(
    work: { op: SqliteWriteOp } | { round: TransparencyRoundRequest } | { job: WriteJob<S, unknown> },
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ ...work, resolve, reject } as Entry<S>);
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    // setImmediate lets every request that is already readable enqueue its write before the batch starts.
    setImmediate(() => {
      this.#scheduled = false;
      this.#running = this.#loop().finally(() => {
        this.#running = undefined;
        if (this.#queue.length > 0) this.#schedule();
      });
    });
  }

  async #loop(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      const ops: Extract<Entry<S>, { op: SqliteWriteOp }>[] = [];
      const rounds: Extract<Entry<S>, { round: TransparencyRoundRequest }>[] = [];
      const jobs: PendingWrite<S>[] = [];
      for (const entry of batch) {
        if ('op' in entry) ops.push(entry);
        else if ('round' in entry) rounds.push(entry);
        else jobs.push(entry);
      }
      // One after the other, never at once: the thread's connection and this one share the write lock.
      // Rounds last, so that a round takes in every write queued before it.
      if (ops.length > 0) await this.#commitOps(ops);
      if (jobs.length > 0 && (await commitInSavepoints(this.#db, jobs))) this.commits++;
      for (const r of rounds) await this.#round(r);
    }
  }

  async #round(entry: Extract<Entry<S>, { round: TransparencyRoundRequest }>): Promise<void> {
    try {
      if (!this.#executor.round) throw new Error('transparency-log rounds run on the writer thread only');
      entry.resolve(await this.#executor.round(entry.round));
      this.commits++;
    } catch (err) {
      entry.reject(err);
    }
  }

  async #commitOps(entries: Extract<Entry<S>, { op: SqliteWriteOp }>[]): Promise<void> {
    let outcomes: SqliteWriteOutcome[];
    try {
      outcomes = await this.#executor.execute(entries.map((e) => e.op));
    } catch (err) {
      for (const e of entries) e.reject(err);
      return;
    }
    this.commits++;
    entries.forEach((e, i) => {
      const o = outcomes[i]!;
      if (o.ok) e.resolve(o.value);
      else e.reject(o.error);
    });
  }
}
