/** The inbox notifier that suits a database's engine (see inbox-notifier.ts). */
import type { Logger } from '../logging/index.js';
import type { Database } from './database.js';
import { type InboxNotifier, MemoryInboxNotifier } from './inbox-notifier.js';
import { PostgresInboxNotifier } from './postgres/postgres-inbox-notifier.js';

/** The notifier that suits `database`. */
export function createInboxNotifier(database: Database, logger: Logger): InboxNotifier {
  return database.engine === 'postgres' && database.pgConfig
    ? new PostgresInboxNotifier(database.pgConfig, logger)
    : new MemoryInboxNotifier();
}
