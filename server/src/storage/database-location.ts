/**
 * What a database location names (the relay's `database` setting, config.ts): a postgres:// URL, or a
 * SQLite file (or `:memory:`). Without imports, so that the relay's entry can tell before it loads the
 * storage layer (start-early.ts).
 */

/** Whether `location` names a PostgreSQL database. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}
