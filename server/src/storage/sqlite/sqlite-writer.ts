/**
 * The single writer of a SQLite relay database. All writes
 * go through it, in transactions that never overlap, so there is exactly one writer and no lock
 * contention:
 *
 * - Prepared writes (../prepared-writes.ts: submissions, token ids, acknowledgements) are group-committed
 *   as data by {@link SqliteWrites}. On a database file they run on a writer thread that owns its own
 *   write connection (sqlite-write-worker.ts): the SQL and the commit's fsync stay off the event loop
 *   and use a second core, while the event loop keeps serving HTTP, verifying tokens and parsing
 *   envelopes. Reads stay on the relay's own connection; WAL lets them run while the writer writes, and
 *   a caller told "committed" reads its write back, since every read starts after that commit.
 *   On `:memory:` (tests) a second connection would be a different database, so the same statements run
 *   inline on the relay's connection.
 * - The writer does not wait for the thread's answer to one batch before it sends the next: up to
 *   `maxInFlight` messages are out at once, so the thread starts on the next batch as soon as it has
 *   committed one instead of idling until the busy event loop picks its answer up, and it joins every
 *   batch already waiting into one transaction (sqlite-write-worker.ts).
 * - The transparency log's integration rounds (../transparency/integration-round.ts) also run on the
 *   writer thread, in turn with the batches, so that their SQL and their commit's fsync stay off the
 *   event loop as well. The thread takes messages in the order sent, so a round takes in every write
 *   queued before it.
 * - Other writes (directory appends, sweeps) are Kysely jobs; they run on the relay's own connection
 *   in shared transactions with a savepoint each, as group-commit.ts describes. The two connections
 *   share the write lock, so a job starts only when no message is out on the thread, and nothing queued
 *   after the jobs goes to the thread until they have committed.
 *
 * A caller's promise resolves only after the transaction holding its write has committed; a transaction
 * whose commit fails rejects every write in it, having stored none of them.
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

/** A result and the transaction that committed it (answers with the same `tx` shared one commit). */
interface Committed<T> {
  value: T;
  tx: number;
}

/** Runs batches of prepared writes somewhere, resolving after their commit. */
interface WriteExecutor {
  execute(ops: SqliteWriteOp[]): Promise<Committed<SqliteWriteOutcome[]>>;
  /** Runs a transparency-log integration round (the writer thread only). */
  round?(request: TransparencyRoundRequest): Promise<Committed<TransparencyRoundResult>>;
  close(): Promise<void>;
}

/** On the caller's own connection (`:memory:`). Synchronous: nothing else can use the connection meanwhile. */
export function inlineExecutor(writes: SqliteWrites): WriteExecutor {
  let tx = 0;
  return {
    async execute(ops) {
      return { value: writes.execute(ops), tx: ++tx };
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
  /** Messages that reached the thread while an earlier one was unanswered, as the thread counts them. */
  overlapped = 0;

  /** Messages sent and not yet answered. */
  get inFlight(): number {
    return this.#pending.size;
  }

  constructor(location: string) {
    this.#location = location;
  }

  /** Start the thread now (it loads its modules and opens its connection) rather than at the first write. */
  start(): void {
    this.#worker ??= this.#start();
  }

  execute(ops: SqliteWriteOp[]): Promise<Committed<SqliteWriteOutcome[]>> {
    const transfer: ArrayBuffer[] = [];
    return this.#send((id) => ({ id, ops: ops.map((op) => movable(op, transfer)) }), transfer);
  }

  round(request: TransparencyRoundRequest): Promise<Committed<TransparencyRoundResult>> {
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
      this.overlapped = response.overlapped;
      if ('error' in response) {
        pending.reject(fromThread(response.error));
      } else if ('round' in response) {
        pending.resolve({ value: response.round, tx: response.tx } as never);
      } else {
        const outcomes = response.outcomes.map((o) => (o.ok ? o : { ok: false, error: fromThread(o.error) }));
        pending.resolve({ value: outcomes, tx: response.tx } as never);
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
type OpEntry = { op: SqliteWriteOp } & Answer;
type RoundEntry = { round: TransparencyRoundRequest } & Answer;
type Entry<S> = OpEntry | RoundEntry | PendingWrite<S>;

/** Options of a {@link SqliteWriter}. */
export interface SqliteWriterOptions {
  /** Most writes per message to the executor (default 512). */
  maxBatch?: number;
  /** Most messages out on the executor at once (default 2; 1 waits for each answer before the next). */
  maxInFlight?: number;
}

/** The SQLite database's only writer (see the module header). */
export class SqliteWriter<S> implements PreparedWrites {
  readonly #db: Kysely<S>;
  readonly #executor: WriteExecutor;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  #queue: Entry<S>[] = [];
  #scheduled = false;
  /** Messages out on the executor. */
  #inFlight = 0;
  /** Whether Kysely jobs are running on the relay's connection. */
  #jobs = false;
  #last = -1;
  #idle: (() => void)[] = [];
  /** Transactions committed (for tests and metrics). */
  commits = 0;

  /** Kysely jobs run on `db`; prepared writes on `executor`. */
  constructor(db: Kysely<S>, executor: WriteExecutor, options: SqliteWriterOptions = {}) {
    this.#db = db;
    this.#executor = executor;
    this.#maxBatch = options.maxBatch ?? 512;
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 2);
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
    while (this.#busy) await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /** Finish the queued writes, then stop the writer thread. */
  async close(): Promise<void> {
    await this.drain();
    await this.#executor.close();
  }

  get #busy(): boolean {
    return this.#scheduled || this.#jobs || this.#inFlight > 0 || this.#queue.length > 0;
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
    if (this.#scheduled) return;
    this.#scheduled = true;
    // setImmediate lets every request that is already readable enqueue its write before a batch goes.
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  /**
   * Send what the queue holds, in order, as far as the rules allow: prepared writes and rounds go to the
   * executor while fewer than `maxInFlight` messages are out; Kysely jobs wait until none is out, and
   * hold back everything queued after them until they have committed. Called again whenever a message
   * is answered or the jobs are done.
   */
  #pump(): void {
    while (this.#queue.length > 0 && !this.#jobs) {
      const head = this.#queue[0]!;
      if ('job' in head) {
        if (this.#inFlight > 0) return;
        this.#runJobs(this.#take((e) => 'job' in e) as PendingWrite<S>[]);
        return;
      }
      if (this.#inFlight >= this.#maxInFlight) return;
      if ('round' in head) {
        this.#queue.shift();
        this.#send(this.#round(head));
      } else {
        const ops = this.#take((e) => 'op' in e) as OpEntry[];
        this.#send(this.#commitOps(ops));
      }
    }
    if (!this.#busy) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** The entries at the head of the queue that `is` accepts, at most `maxBatch` of them. */
  #take(is: (entry: Entry<S>) => boolean): Entry<S>[] {
    let n = 1;
    while (n < this.#queue.length && n < this.#maxBatch && is(this.#queue[n]!)) n++;
    return this.#queue.splice(0, n);
  }

  #send(done: Promise<void>): void {
    this.#inFlight++;
    void done.finally(() => {
      this.#inFlight--;
      this.#pump();
    });
  }

  #committed(tx: number): void {
    if (tx !== this.#last) this.commits++;
    this.#last = tx;
  }

  #runJobs(jobs: PendingWrite<S>[]): void {
    this.#jobs = true;
    void commitInSavepoints(this.#db, jobs).then((committed) => {
      if (committed) this.commits++;
      this.#last = -1;
      this.#jobs = false;
      this.#pump();
    });
  }

  async #round(entry: RoundEntry): Promise<void> {
    try {
      if (!this.#executor.round) throw new Error('transparency-log rounds run on the writer thread only');
      const { value, tx } = await this.#executor.round(entry.round);
      this.#committed(tx);
      entry.resolve(value);
    } catch (err) {
      entry.reject(err);
    }
  }

  async #commitOps(entries: OpEntry[]): Promise<void> {
    let committed: Committed<SqliteWriteOutcome[]>;
    try {
      committed = await this.#executor.execute(entries.map((e) => e.op));
    } catch (err) {
      for (const e of entries) e.reject(err);
      return;
    }
    this.#committed(committed.tx);
    entries.forEach((e, i) => {
      const o = committed.value[i]!;
      if (o.ok) e.resolve(o.value);
      else e.reject(o.error);
    });
  }
}
