/**
 * Schema migrations: a static list run by Kysely's `Migrator` at start. The provider is
 * static (no directory scan), so the relay migrates the same way from source, a bundle or a test.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Engine } from '../database.js';
import { inboxItemKey } from './inbox-item-key.js';
import { initialSchema } from './initial-schema.js';
import { logOrigin } from './log-origin.js';
import { packetSeq } from './packet-seq.js';
import { queuedBytes } from './queued-bytes.js';
import { rootChanges } from './root-changes.js';
import { senderQuota } from './sender-quota.js';
import { tokenCeilings } from './token-ceilings.js';
import { tokenEpoch } from './token-epoch.js';
import { transparencyLog } from './transparency-log.js';

/** Every migration, by name; names sort in the order they must run. */
export function migrations(engine: Engine): Record<string, Migration> {
  return {
    '0001-initial-schema': initialSchema(engine),
    '0002-transparency-log': transparencyLog(engine),
    '0003-root-changes': rootChanges(engine),
    '0004-sender-quota': senderQuota(),
    '0005-log-origin': logOrigin(engine),
    '0006-token-ceilings': tokenCeilings(engine),
    '0007-inbox-item-key': inboxItemKey(engine),
    '0008-queued-bytes': queuedBytes(engine),
    '0009-token-epoch': tokenEpoch(engine),
    '0010-packet-seq': packetSeq(engine),
  };
}

/** A static migration provider for `engine`. */
function migrationProvider(engine: Engine): MigrationProvider {
  return { getMigrations: async () => migrations(engine) };
}

/** Bring the database to the newest schema. Throws if a migration fails. */
// biome-ignore lint/suspicious/noExplicitAny: the migrator works on the untyped database.
export async function migrateToLatest(db: Kysely<any>, engine: Engine): Promise<string[]> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one: name the schema this
  // connection works in (its search_path), or a relay on a fresh schema would find another schema's
  // tables and skip creating its own.
  let migrationTableSchema: string | undefined;
  if (engine === 'postgres') {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    migrationTableSchema = rows[0]?.schema;
  }
  const migrator = new Migrator({
    db,
    provider: migrationProvider(engine),
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error('migration failed');
  const failed = results?.find((r) => r.status === 'Error');
  if (failed) throw new Error(`migration ${failed.migrationName} failed`);
  return (results ?? []).map((r) => r.migrationName);
}
