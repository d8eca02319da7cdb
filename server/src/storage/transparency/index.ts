/** The transparency log's storage (PROTOCOL.md §18): its tables, integration rounds and signing key. */

export { fixLogOrigin, type LogOriginDecision, setLogOrigin, storedLogOrigin } from './log-origin-store.js';
export { TransparencyLogIntegrator } from './transparency-log-integrator.js';
export { defaultLogOrigin, TransparencyLogKey } from './transparency-log-key.js';
export { MAX_ENTRIES_PAGE, TransparencyLogStore } from './transparency-log-store.js';
export { type LogEntryKind, logLeafHash } from './tree-rows.js';
