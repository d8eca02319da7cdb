/**
 * `@brygga/client-sdk/node`: conveniences for Node only (files, better-sqlite3). The SDK core never
 * imports them. Importing this module loads neither better-sqlite3 nor Kysely: each function loads what
 * it needs when called, so that a command-line tool can start a derivation before the SDK loads.
 */
export { DerivationAhead } from './derivation-ahead.js';
export { openSqliteStore, type SqliteStore } from './open-sqlite-store.js';
