/**
 * The store's schema migrations, a static list run by Kysely's Migrator (no directory scan, so the SDK
 * migrates the same way from source, a bundle or a browser). The migration bookkeeping tables are
 * `brygga_migration` and `brygga_migration_lock`, so a case system's own Kysely migrations are not
 * disturbed.
 */
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { BryggaError } from '../errors.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run on the untyped database.
type AnyDb = Kysely<any>;

const initial: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('brygga_meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('brygga_agreements')
      .addColumn('digest', 'text', (c) => c.primaryKey())
      .addColumn('sequence', 'integer', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('brygga_statements')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('jws', 'text', (c) => c.notNull().unique())
      .execute();
    await db.schema
      .createTable('brygga_identity')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('unit', 'text', (c) => c.notNull())
      .addColumn('device', 'text', (c) => c.notNull())
      .addColumn('signing_key', 'text', (c) => c.notNull())
      .addColumn('hpke_keys', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('brygga_processed')
      .addColumn('pid', 'text', (c) => c.primaryKey())
      .addColumn('hash', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('code', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('brygga_packets')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('pid', 'text', (c) => c.notNull().unique())
      .addColumn('case_id', 'text')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('prev', 'text')
      .addColumn('unit', 'text', (c) => c.notNull())
      .addColumn('device', 'text', (c) => c.notNull())
      .addColumn('iat', 'text', (c) => c.notNull())
      .addColumn('aud', 'text', (c) => c.notNull())
      .addColumn('rcp', 'text', (c) => c.notNull())
      .addColumn('jws', 'text', (c) => c.notNull())
      .addColumn('attachments', 'text', (c) => c.notNull())
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('position', 'integer')
      .execute();
    await db.schema
      .createIndex('brygga_packets_case')
      .on('brygga_packets')
      .columns(['case_id', 'position'])
      .execute();
    await db.schema
      .createTable('brygga_rejected')
      .addColumn('pid', 'text', (c) => c.primaryKey())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('case_id', 'text')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('unit', 'text', (c) => c.notNull())
      .addColumn('device', 'text', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('brygga_cases')
      .addColumn('case_id', 'text', (c) => c.primaryKey())
      .addColumn('home', 'text', (c) => c.notNull())
      .addColumn('receiving', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('delivered', 'integer', (c) => c.notNull())
      .addColumn('head', 'text', (c) => c.notNull())
      .addColumn('length', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('brygga_receipts')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('pid', 'text', (c) => c.notNull())
      .addColumn('packet_hash', 'text', (c) => c.notNull())
      .addColumn('case_id', 'text')
      .addColumn('unit', 'text', (c) => c.notNull())
      .addColumn('device', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('code', 'text')
      .addColumn('jws', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('brygga_receipts_packet')
      .on('brygga_receipts')
      .column('packet_hash')
      .execute();
    await db.schema
      .createTable('brygga_consents')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('case_id', 'text', (c) => c.notNull())
      .addColumn('consent_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('packet_hash', 'text', (c) => c.notNull())
      .addColumn('jws', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('brygga_quota')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('agreement', 'text', (c) => c.notNull())
      .addColumn('municipality', 'text', (c) => c.notNull())
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('unit', 'text', (c) => c.notNull())
      .addColumn('commitment', 'text', (c) => c.notNull())
      .addColumn('jws', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('brygga_outbox')
      .addColumn('pid', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('envelope', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('brygga_events')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('case_id', 'text')
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('brygga_reconciliations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('units', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .addColumn('complete', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
};

/** Key transparency (PROTOCOL.md §19): pending inclusion checks, evidence, the unit's own keys. */
const transparency: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('brygga_log_pending')
      .addColumn('leaf', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('since', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('brygga_log_evidence')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('evidence', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('brygga_log_expected_keys')
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('added_at', 'text', (c) => c.notNull())
      .execute();
  },
};

/**
 * Both ends agree (PROTOCOL.md §13.5): the outbox keeps each packet's signed form, its group and what
 * to take back, so a refused packet can be sealed again or undone; alerts with their acknowledgement;
 * the root pins this device holds.
 */
const agreement: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('brygga_outbox').addColumn('jws', 'text').execute();
    await db.schema.alterTable('brygga_outbox').addColumn('grp', 'text').execute();
    await db.schema.alterTable('brygga_outbox').addColumn('undo', 'text').execute();
    await db.schema
      .createTable('brygga_alerts')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull().unique())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('evidence', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('acknowledged_by', 'text')
      .addColumn('acknowledged_at', 'text')
      .execute();
    await db.schema
      .createTable('brygga_root_pins')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('unit', 'text', (c) => c.notNull())
      .addColumn('from_key', 'text', (c) => c.notNull())
      .addColumn('to_key', 'text', (c) => c.notNull())
      .addColumn('added_at', 'text', (c) => c.notNull())
      .execute();
  },
};

/** Reporting (PROTOCOL.md §21, §23): units' signed figures, and the purge records of retention. */
const reporting: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('brygga_unit_figures')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('agreement', 'text', (c) => c.notNull())
      .addColumn('unit', 'text', (c) => c.notNull())
      .addColumn('iat', 'text', (c) => c.notNull())
      .addColumn('jws', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('brygga_purges')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('jws', 'text', (c) => c.notNull())
      .execute();
  },
};

/**
 * The unit's list of known groups and their rivals (PROTOCOL.md §14.6 (5)): local knowledge the
 * rival-group check runs against; it never leaves the unit.
 */
const knownGroups: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('brygga_known_groups')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('group_name', 'text', (c) => c.notNull())
      .addColumn('present_in', 'text', (c) => c.notNull())
      .addColumn('rivals', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .addColumn('added_by', 'text', (c) => c.notNull())
      .addColumn('added_at', 'text', (c) => c.notNull())
      .execute();
  },
};

/** Every migration of the store, by name; names sort in the order they run. */
export const STORE_MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-transparency': transparency,
  '0003-both-ends-agree': agreement,
  '0004-reports': reporting,
  '0005-known-groups': knownGroups,
};

/** Bring the store's tables to the newest schema. Idempotent. */
export async function migrateStore(db: AnyDb): Promise<void> {
  const schema = await currentSchema(db);
  const migrator = new Migrator({
    db,
    ...(schema ? { migrationTableSchema: schema } : {}),
    provider: { getMigrations: async () => ({ ...STORE_MIGRATIONS }) },
    migrationTableName: 'brygga_migration',
    migrationLockTableName: 'brygga_migration_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new BryggaError('ERR_STORE', `store migration ${failed?.migrationName ?? ''} failed`, {
      cause: error,
    });
  }
}

/**
 * PostgreSQL's current schema (the first of `search_path`), so the migrator looks for its bookkeeping
 * tables there and not in whichever schema of the database happens to have tables of that name.
 * Undefined on engines without schemas (SQLite).
 */
async function currentSchema(db: AnyDb): Promise<string | undefined> {
  try {
    const r = await sql<{ s: string | null }>`select current_schema() as s`.execute(db);
    return r.rows[0]?.s ?? undefined;
  } catch {
    return undefined;
  }
}
