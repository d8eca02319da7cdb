/**
 * Group commit for SQLite (issue 3, item 6). With `synchronous=FULL` every commit waits for the disk,
 * so one transaction per request caps the relay at the disk's flush rate. Instead a single writer takes
 * every write that is pending when it gets to run, executes them in one transaction (each in its own
 * savepoint, so one refused write does not undo the others) and resolves each caller only after that
 * transaction has committed. A caller that is told "done" therefore holds a durable commit, exactly as
 * with one transaction per request.
 */
import { type Kysely, sql, type Transaction } from 'kysely';

/** A write: runs inside the batch's transaction, in its own savepoint. */
export type WriteJob<S, T> = (trx: Transaction<S>) => Promise<T>;

/** Batches concurrent writes into shared transactions. */
export class GroupCommit<S> {
  readonly #db: Kysely<S>;
  readonly #maxBatch: number;
  #queue: PendingWrite<S>[] = [];
  #running: Promise<void> | undefined;
  #scheduled = false;
  /** Transactions committed (for tests and metrics). */
  commits = 0;

  constructor(db: Kysely<S>, options: { maxBatch?: number } = {}) {
    this.#db = db;
    this.#maxBatch = options.maxBatch ?? 512;
  }

  /** Run `job` in the next batch; resolves with its result once the batch has committed. */
  run<T>(job: WriteJob<S, T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ job, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /** Resolves when every write queued so far has been committed or refused. */
  async drain(): Promise<void> {
    while (this.#running || this.#queue.length > 0 || this.#scheduled) {
      if (this.#running) await this.#running;
      else await new Promise((r) => setImmediate(r));
    }
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
      await this.#commit(batch);
    }
  }

  async #commit(batch: PendingWrite<S>[]): Promise<void> {
    if (await commitInSavepoints(this.#db, batch)) this.commits++;
  }
}

/** A queued write and how to answer its caller. */
export interface PendingWrite<S> {
  job: WriteJob<S, unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Run `batch` in one transaction, each job in its own savepoint, and answer every caller once the
 * transaction has committed (or failed). Resolves true when it committed. Also used by the SQLite writer
 * (sqlite-writer.ts) for the writes that are not prepared.
 */
export async function commitInSavepoints<S>(
  db: Kysely<S>,
  batch: readonly PendingWrite<S>[],
): Promise<boolean> {
  const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
  try {
    await db.transaction().execute(async (trx) => {
      for (const p of batch) {
        await sql`savepoint brygga_write`.execute(trx);
        try {
          const value = await p.job(trx);
          await sql`release savepoint brygga_write`.execute(trx);
          outcomes.push({ ok: true, value });
        } catch (error) {
          await sql`rollback to savepoint brygga_write`.execute(trx);
          await sql`release savepoint brygga_write`.execute(trx);
          outcomes.push({ ok: false, error });
        }
      }
    });
  } catch (error) {
    // The commit itself failed: nothing of this batch is stored, so every caller is told so.
    for (const p of batch) p.reject(error);
    return false;
  }
  batch.forEach((p, i) => {
    const o = outcomes[i]!;
    if (o.ok) p.resolve(o.value);
    else p.reject(o.error);
  });
  return true;
}
