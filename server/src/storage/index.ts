/** Storage on SQLite and PostgreSQL through Kysely. */
export {
  type Database,
  type DirectoryHead,
  isPostgresUrl,
  type OpenDatabaseOptions,
  openDatabase,
  pingDatabase,
  type WriteTransaction,
} from './database.js';
export {
  DIRECTORY_PAGE,
  type DirectoryListing,
  DirectoryStore,
  MAX_STATEMENT_LENGTH,
} from './directory-store.js';
export type { Engine } from './engine.js';
export { deletePacketsWithoutDeliveries, type ExpiryContext, sweepExpired } from './expiry.js';
export type { WriteJob } from './group-commit.js';
export {
  createInboxNotifier,
  INBOX_CHANNEL,
  type InboxNotifier,
  MemoryInboxNotifier,
  PostgresInboxNotifier,
  type WakeListener,
  type WakeReason,
} from './inbox-notifier.js';
export {
  DEFAULT_MERGE_DELAY_MS,
  LogIntegrator,
  type LogIntegratorOptions,
} from './log-integrator.js';
export { defaultLogOrigin, LogKey, type LogKeyOptions } from './log-key.js';
export {
  DEFAULT_ROUND_SIZE,
  LEAF_KINDS,
  type LogEntry,
  type LogEntryKind,
  LogStore,
  type LogStoreOptions,
  leafData,
  logLeafHash,
  MAX_ENTRIES_PAGE,
  type RoundResult,
} from './log-store.js';
export { migrateToLatest, migrationProvider, migrations } from './migrations/index.js';
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
  type SweepResult,
} from './relay-store.js';
export type { LogLeafKind, RelaySchema } from './schema.js';
export { Sweeper } from './sweeper.js';
