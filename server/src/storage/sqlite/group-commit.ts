/**
 * Group commit for SQLite. With `synchronous=FULL` every commit waits for the disk,
 * so one transaction per request caps the relay at the disk's flush rate. Instead the single writer
 * (sqlite-writer.ts) takes every write that is pending when it gets to run, executes them in one
 * transaction (each in its own savepoint, so one refused write does not undo the others) and resolves
 * each caller only after that transaction has committed. A caller that is told "done" therefore holds a
 * durable commit, exactly as with one transaction per request. This module is the savepoint batch.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import { transactionKeepingCause } from './transaction-keeping-cause.js';

/** A write: runs inside the batch's transaction, in its own savepoint. */
export type WriteJob<S, T> = (trx: Transaction<S>) => Promise<T>;

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
    await transactionKeepingCause(db, async (trx) => {
      for (const p of batch) {
        await sql`savepoint brygga_write`.execute(trx);
        try {
          const value = await p.job(trx);
          await sql`release savepoint brygga_write`.execute(trx);
          outcomes.push({ ok: true, value });
        } catch (error) {
          try {
            await sql`rollback to savepoint brygga_write`.execute(trx);
            await sql`release savepoint brygga_write`.execute(trx);
          } catch {
            // SQLite rolled the whole transaction back itself (a full disk, an I/O error): the batch
            // fails with the error that made it do so, not with "no such savepoint".
            throw error;
          }
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
