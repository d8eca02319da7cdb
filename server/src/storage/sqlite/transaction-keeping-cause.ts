/**
 * A Kysely transaction on SQLite that reports a failure as itself. On some errors (`SQLITE_FULL`,
 * `SQLITE_IOERR`, `SQLITE_NOMEM`, `SQLITE_BUSY` at commit) SQLite rolls the whole transaction back on its
 * own (https://www.sqlite.org/lang_transaction.html, "Response To Errors Within A Transaction"); Kysely's
 * `transaction().execute()` then issues its own `rollback`, which fails with "cannot rollback - no
 * transaction is active" and replaces the real cause. Here the rollback is attempted and its failure
 * dropped, so the caller (and the relay's log) hears `SQLITE_FULL`.
 */
import type { Kysely, Transaction } from 'kysely';

/**
 * Run `job` in a transaction of `db` and commit; on failure roll back (if SQLite has not already) and
 * throw the failure itself.
 *
 * @example
 * await transactionKeepingCause(db, (trx) => trx.insertInto('packets').values(row).execute());
 */
export async function transactionKeepingCause<S, T>(
  db: Kysely<S>,
  job: (trx: Transaction<S>) => Promise<T>,
): Promise<T> {
  const trx = await db.startTransaction().execute();
  try {
    const result = await job(trx);
    await trx.commit().execute();
    return result;
  } catch (err) {
    await trx
      .rollback()
      .execute()
      .catch(() => {
        // SQLite rolled back already: the failure that made it do so is the one to report.
      });
    throw err;
  }
}
