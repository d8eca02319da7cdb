/**
 * The transparency log's origin, kept in the relay database (PROTOCOL.md §18.3). The first relay to start
 * on a database fixes it: the configured `BRYGGA_LOG_ORIGIN`, else `<host of the public URL>/brygga-log`.
 * Every later start uses the stored origin whatever it is configured with, since the origin names the
 * log's key and every device has pinned that name; a start configured with another origin says so in a
 * warning. Only {@link setLogOrigin} (the operator's `brygga-relay log-origin set … --confirm`) changes
 * it, after which devices re-pin the key (`brygga log repin`, PROTOCOL.md §19). The log itself does
 * not change: every checkpoint issued so far is signed again under the new origin (the same sizes and
 * roots, so a device that re-pins checks the log it saw is a prefix of the renamed one), and the
 * witnesses' cosignatures of the old texts are dropped, to be given again.
 */
import { formatCheckpoint, parseCheckpoint, parseNote } from '@brygga/client-sdk';
import type { Database } from '../database.js';
import type { TransparencyLogKey } from './transparency-log-key.js';

/** What {@link fixLogOrigin} decided. */
export interface LogOriginDecision {
  /** The origin the log uses. */
  origin: string;
  /** True when this start stored it (a new database). */
  created: boolean;
  /** The configured origin, when it differs from the stored one (and was not used). */
  ignored: string | undefined;
}

/** The stored origin, if any. */
export async function storedLogOrigin(database: Database): Promise<string | undefined> {
  const row = await database.db
    .selectFrom('log_origin')
    .select('origin')
    .where('id', '=', 1)
    .executeTakeFirst();
  return row?.origin;
}

/**
 * The log's origin: the stored one, or `configured` stored now on a new database. Several processes may
 * start at once on one PostgreSQL: the first insert wins and all read it back.
 */
export async function fixLogOrigin(
  database: Database,
  configured: string,
  now: number,
): Promise<LogOriginDecision> {
  let created = false;
  await database.write(async (trx) => {
    const result = await trx
      .insertInto('log_origin')
      .values({ id: 1, origin: configured, set_at: now })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    created = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  });
  const origin = await storedLogOrigin(database);
  if (origin === undefined) throw new Error('the stored transparency log origin is missing');
  return { origin, created, ignored: origin === configured ? undefined : configured };
}

/**
 * Change the stored origin to `key`'s (the operator's explicit command), signing every checkpoint again
 * with `key`, in one transaction; returns the origin it replaced.
 */
export async function setLogOrigin(
  database: Database,
  key: Pick<TransparencyLogKey, 'origin' | 'signedNote'>,
  now: number,
): Promise<string | undefined> {
  const before = await storedLogOrigin(database);
  const origin = key.origin;
  await database.write(async (trx) => {
    const rows = await trx.selectFrom('log_checkpoints').select(['size', 'note']).execute();
    for (const row of rows) {
      const checkpoint = parseCheckpoint(parseNote(row.note).text);
      const note = key.signedNote(formatCheckpoint({ ...checkpoint, origin }));
      await trx.updateTable('log_checkpoints').set({ note }).where('size', '=', row.size).execute();
    }
    await trx.deleteFrom('log_cosignatures').execute();
    await trx
      .insertInto('log_origin')
      .values({ id: 1, origin, set_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ origin, set_at: now }))
      .execute();
  });
  return before;
}
