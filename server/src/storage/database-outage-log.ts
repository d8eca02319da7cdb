/**
 * The relay's {@link OutageLog} of database failures (database-failure.ts): a failure is over when the
 * database answers `select 1` again, and a full disk when a packet has been stored since.
 */
import { type Logger, OutageLog } from '../logging/index.js';
import type { Database } from './database.js';
import { recoveryMessage } from './database-failure.js';
import { pingDatabase } from './open-database.js';
import type { RelayStore } from './relay-store.js';

/**
 * The outage log of `database` (and `store`'s full disk), writing to `logger`.
 *
 * @example
 * const outages = databaseOutageLog(logger, database, store);
 * outages.failure('database unreachable', errorFields(err));
 */
export function databaseOutageLog(logger: Logger, database: Database, store: RelayStore): OutageLog {
  return new OutageLog(logger, {
    recoveredMessage: recoveryMessage,
    async recovered(kind) {
      if (kind === 'storage full') return !store.storageFull;
      await pingDatabase(database);
      return true;
    },
  });
}
