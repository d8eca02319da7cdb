/**
 * `@brygga/client-sdk/node`: conveniences for Node only (files, better-sqlite3). The SDK core never
 * imports them.
 */
export { openSqliteStore, type SqliteStore } from './open-sqlite-store.js';
