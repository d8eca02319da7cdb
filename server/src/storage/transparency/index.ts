/** The transparency log's storage (PROTOCOL.md §18): its tables, integration rounds and signing key. */
export { DEFAULT_ROUND_SIZE } from './integration-round.js';
export {
  DEFAULT_MERGE_DELAY_MS,
  TransparencyLogIntegrator,
  type TransparencyLogIntegratorOptions,
} from './transparency-log-integrator.js';
export {
  defaultLogOrigin,
  TransparencyLogKey,
  type TransparencyLogKeyOptions,
} from './transparency-log-key.js';
export {
  type LogEntry,
  type LogProof,
  MAX_ENTRIES_PAGE,
  TransparencyLogStore,
  type TransparencyLogStoreOptions,
} from './transparency-log-store.js';
export { LEAF_KINDS, type LogEntryKind, leafData, logLeafHash } from './tree-rows.js';
