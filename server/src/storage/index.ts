/**
 * Storage on SQLite and PostgreSQL through Kysely. The stores are written against the {@link Database}
 * interface (database.ts); each engine lives in its own folder (sqlite/, postgres/) and open-database.ts
 * picks one by location.
 */
export { createInboxNotifier } from './create-inbox-notifier.js';
export type {
  Database,
  DirectoryHead,
  Engine,
  TransparencyRoundResult,
  WriteTransaction,
} from './database.js';
export {
  DIRECTORY_PAGE,
  type DirectoryListing,
  DirectoryStore,
  MAX_STATEMENT_LENGTH,
} from './directory-store.js';
export type { SweepResult } from './expiry.js';
export {
  type InboxNotifier,
  MemoryInboxNotifier,
  type WakeListener,
  type WakeReason,
} from './inbox-notifier.js';
export { migrateToLatest } from './migrations/index.js';
export { isPostgresUrl, type OpenDatabaseOptions, openDatabase, pingDatabase } from './open-database.js';
export { INBOX_CHANNEL, PostgresInboxNotifier } from './postgres/postgres-inbox-notifier.js';
export type {
  EarlierSubmission,
  PreparedWrites,
  SubmissionRecord,
  SubmissionResult,
  TokenRecord,
} from './prepared-writes.js';
export {
  type InboxEntry,
  type NewPacket,
  type PacketReceipt,
  RelayStore,
  type RelayStoreOptions,
  type SubmitOutcome,
} from './relay-store.js';
export type { LogLeafKind, RelaySchema } from './schema.js';
export { Sweeper } from './sweeper.js';
export * from './transparency/index.js';
