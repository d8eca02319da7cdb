/**
 * The Brygga relay: a Hono application that stores and forwards sealed envelopes between the
 * devices of the parties to an agreement, on SQLite or PostgreSQL.
 */
export { createApp, MAX_WAITERS_PER_DEVICE } from './app.js';
export { ConfigError, DEFAULT_CONFIG, type Environment, loadConfig, type RelayConfig } from './config.js';
export { Logger, type LogLevel, type LogSink } from './logging/index.js';
export { Problem, type ProblemDocument, problemDocument, problemResponse } from './problem.js';
export { installAgreementFile, type RunningRelay, type StartOptions, startRelay } from './relay.js';
export type { AppDeps } from './routes/index.js';
export {
  createInboxNotifier,
  type Database,
  DirectoryStore,
  defaultLogOrigin,
  type Engine,
  type InboxNotifier,
  type LogEntry,
  type LogEntryKind,
  leafData,
  logLeafHash,
  openDatabase,
  RelayStore,
  Sweeper,
  TransparencyLogIntegrator,
  TransparencyLogKey,
  TransparencyLogStore,
} from './storage/index.js';
