/**
 * Storage on SQLite and PostgreSQL through Kysely. The stores are written against the {@link Database}
 * interface (database.ts); each engine lives in its own folder (sqlite/, postgres/) and open-database.ts
 * picks one by location.
 */
export { createInboxNotifier } from './create-inbox-notifier.js';
export type { Database, Engine, OperationalFigures } from './database.js';
export {
  type DatabaseFailure,
  type DatabaseFailureKind,
  databaseFailure,
  isStorageFull,
  recoveryMessage,
} from './database-failure.js';
export { databaseOutageLog } from './database-outage-log.js';
export { DirectoryStore } from './directory-store.js';
export type { InboxNotifier } from './inbox-notifier.js';
export { openDatabase, pingDatabase } from './open-database.js';
export { type InboxEntry, RelayStore } from './relay-store.js';
export { Sweeper } from './sweeper.js';
export {
  defaultLogOrigin,
  fixLogOrigin,
  type LogOriginDecision,
  logLeafHash,
  MAX_ENTRIES_PAGE,
  setLogOrigin,
  storedLogOrigin,
  TransparencyLogIntegrator,
  TransparencyLogKey,
  TransparencyLogStore,
} from './transparency/index.js';
