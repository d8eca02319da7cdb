/**
 * The coordinators' console (Node only, like `cli/` and `node/`): a web application served by one of
 * the unit's own enrolled devices. Named one export at a time; everything else in this folder is
 * internal. It uses the SDK only through its public API (`../index.ts`).
 */
export { createConsoleApp } from './console-app.js';
export {
  type AccessRecord,
  type AlertRecord,
  ConsoleDatabase,
  type ConsoleUser,
  ROLES,
  type Role,
  USERNAME_PATTERN,
} from './console-database.js';
export { DeviceRunner, type DeviceRunnerOptions, type RunnerStatus } from './device-runner.js';
export { type EvaluationHtmlOptions, renderEvaluationReport, reportStylesheet } from './evaluation-report.js';
export {
  hashPassphrase,
  MAX_PASSPHRASE_LENGTH,
  MIN_PASSPHRASE_LENGTH,
  PASSPHRASE_HASH_PARAMS,
  type PassphraseHashParams,
  verifyPassphrase,
} from './passphrase-hash.js';
export {
  type ConsoleDevice,
  type RunningConsole,
  type StartConsoleOptions,
  startConsole,
} from './start-console.js';
