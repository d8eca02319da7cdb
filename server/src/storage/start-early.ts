/**
 * What the relay's entry (main.ts) starts before it loads the storage layer, by the database's location:
 * on a SQLite file, the writer thread (sqlite/writer-thread.ts), which then loads its modules while the
 * relay loads its own and migrates. Nothing to start for PostgreSQL or `:memory:`.
 */
import { isPostgresUrl } from './database-location.js';
import { startWriterThreadEarly } from './sqlite/writer-thread.js';

/** Start what the database at `location` can start ahead of the relay. */
export function startStorageEarly(location: string): void {
  if (location !== ':memory:' && !isPostgresUrl(location)) startWriterThreadEarly(location);
}
