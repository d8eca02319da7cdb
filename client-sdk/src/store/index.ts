/**
 * The local store (PROTOCOL.md §13.3): its interface, the Kysely implementation and its migrations.
 */
export type {
  AlertRecord,
  BryggaStore,
  CaseRecord,
  ConsentRecordRow,
  EventRecord,
  IdentityRecord,
  KnownGroupRecord,
  LogEvidenceRecord,
  LogPendingRecord,
  OutboxDetails,
  OutboxRecord,
  PacketRecord,
  ProcessedRecord,
  PurgeRecordRow,
  QuotaRecord,
  ReceiptRecord,
  ReconciliationRecord,
  RejectedRecord,
  RootPinRecord,
  UnitFiguresRecord,
} from './brygga-store.js';
export { KyselyStore } from './kysely-store.js';
export { migrateStore, STORE_MIGRATIONS } from './migrations.js';
export type { StoreDatabase } from './schema.js';
export {
  openSqlJsStore,
  type SqlJsDatabase,
  type SqlJsStatement,
  type SqlJsStore,
  type SqlJsValue,
} from './sql-js-store.js';
