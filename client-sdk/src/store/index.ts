/**
 * The local store (PROTOCOL.md §13.3): its interface, the Kysely implementation and its migrations.
 */
export type {
  BryggaStore,
  CaseRecord,
  ConsentRecordRow,
  EventRecord,
  IdentityRecord,
  LogEvidenceRecord,
  LogPendingRecord,
  OutboxRecord,
  PacketRecord,
  ProcessedRecord,
  PurgeRecordRow,
  QuotaRecord,
  ReceiptRecord,
  ReconciliationRecord,
  RejectedRecord,
  UnitFiguresRecord,
} from './brygga-store.js';
export { KyselyStore } from './kysely-store.js';
export { migrateStore, STORE_MIGRATIONS } from './migrations.js';
export type { StoreDatabase } from './schema.js';
