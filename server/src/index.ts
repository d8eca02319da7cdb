/**
 * The Brygga relay: a Hono application that stores and forwards sealed envelopes between the
 * devices of the parties to an agreement, on SQLite or PostgreSQL.
 *
 * `startRelay(loadConfig(argv, env))` runs it as main.ts does; `createApp` builds the application alone
 * on services passed in (tests, and a host that serves it itself).
 */
export { createApp, MAX_WAITERS_PER_DEVICE } from './app.js';
export {
  ConfigError,
  DEFAULT_CONFIG,
  helpText,
  loadConfig,
  type RelayConfig,
  SETTINGS,
  type Setting,
} from './config.js';
export { Logger } from './logging/index.js';
export { type RunningRelay, type StartOptions, startRelay } from './relay.js';
export type { AppDeps } from './routes/index.js';
export {
  createInboxNotifier,
  type Database,
  DirectoryStore,
  defaultLogOrigin,
  type Engine,
  fixLogOrigin,
  logLeafHash,
  openDatabase,
  RelayStore,
  Sweeper,
  setLogOrigin,
  storedLogOrigin,
  TransparencyLogIntegrator,
  TransparencyLogKey,
  TransparencyLogStore,
} from './storage/index.js';
