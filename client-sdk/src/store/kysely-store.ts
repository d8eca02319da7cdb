/**
 * {@link BryggaStore} on Kysely (PROTOCOL.md §13.3). The case system passes its own `Kysely` instance
 * (SQLite, PostgreSQL or any dialect Kysely speaks); the store never opens a driver itself, so the SDK
 * core stays free of Node-only code. `@brygga/client-sdk/node` opens a SQLite file for the common case.
 *
 * A device's store is written by one client at a time: sequence numbers (statements, outbox, events)
 * are the next integer inside the writing transaction.
 */
import type { Kysely, Transaction } from 'kysely';
import { BryggaError } from '../errors.js';
import type {
  AlertRecord,
  BryggaStore,
  CaseRecord,
  ConsentRecordRow,
  EventRecord,
  IdentityRecord,
  KnownGroupRecord,
  LogEvidenceRecord,
  LogPendingRecord,
  OutboxDetails,
  OutboxRecord,
  PacketRecord,
  ProcessedRecord,
  PurgeRecordRow,
  QuotaRecord,
  ReceiptRecord,
  ReconciliationRecord,
  RejectedRecord,
  RootPinRecord,
  UnitFiguresRecord,
} from './brygga-store.js';
import { migrateStore } from './migrations.js';
import type { PacketTable, StoreDatabase } from './schema.js';

function toPacket(r: PacketTable): PacketRecord {
  return {
    hash: r.hash,
    pid: r.pid,
    caseId: r.case_id,
    type: r.type,
    prev: r.prev,
    unit: r.unit,
    device: r.device,
    iat: Number(r.iat),
    aud: JSON.parse(r.aud) as string[],
    rcp: JSON.parse(r.rcp) as string[],
    jws: r.jws,
    attachments: JSON.parse(r.attachments) as string[],
    direction: r.direction as PacketRecord['direction'],
    status: r.status as PacketRecord['status'],
    position: r.position === null ? null : Number(r.position),
  };
}

/** `store` with every method's rejection that is not a BryggaError turned into ERR_STORE. */
function storeErrorsTyped<T extends object>(store: T): T {
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function' || prop === 'constructor') return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.catch((err: unknown) => {
          if (err instanceof BryggaError) throw err;
          throw new BryggaError('ERR_STORE', 'the store could not complete a call', { cause: err });
        });
      };
    },
  });
}

/** The store on a Kysely database. */
export class KyselyStore implements BryggaStore {
  readonly #db: Kysely<StoreDatabase>;

  private constructor(db: Kysely<StoreDatabase>) {
    this.#db = db;
    // Every failure of the database, whatever the call, is ERR_STORE (the driver's error as its cause):
    // a case system sees the SDK's one error class, never a driver's.
    // biome-ignore lint/correctness/noConstructorReturn: the store is its own guard
    return storeErrorsTyped(this);
  }

  /**
   * Open the store on `db`, creating or migrating its tables (`brygga_*`).
   *
   * @example
   * const store = await KyselyStore.open(new Kysely({ dialect: new PostgresDialect({ pool }) }));
   */
  // biome-ignore lint/suspicious/noExplicitAny: the case system's database has its own tables too.
  static async open(db: Kysely<any>): Promise<KyselyStore> {
    await migrateStore(db);
    return new KyselyStore(db as Kysely<StoreDatabase>);
  }

  async transaction<T>(work: (tx: BryggaStore) => Promise<T>): Promise<T> {
    if (this.#db.isTransaction) return work(this);
    try {
      return await this.#db
        .transaction()
        .execute((trx: Transaction<StoreDatabase>) => work(new KyselyStore(trx)));
    } catch (err) {
      if (err instanceof BryggaError) throw err;
      throw new BryggaError('ERR_STORE', 'the store could not complete a transaction', { cause: err });
    }
  }

  async getMeta(key: string): Promise<string | undefined> {
    const r = await this.#db
      .selectFrom('brygga_meta')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    return r?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.#db
      .insertInto('brygga_meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  async putAgreement(digest: string, sequence: number, document: string): Promise<void> {
    await this.#db
      .insertInto('brygga_agreements')
      .values({ digest, sequence, document })
      .onConflict((oc) => oc.column('digest').doNothing())
      .execute();
  }

  async listAgreements(): Promise<{ digest: string; sequence: number; document: string }[]> {
    const rows = await this.#db.selectFrom('brygga_agreements').selectAll().orderBy('sequence').execute();
    return rows.map((r) => ({ ...r, sequence: Number(r.sequence) }));
  }

  async addStatement(jws: string): Promise<void> {
    const present = await this.#db
      .selectFrom('brygga_statements')
      .select('seq')
      .where('jws', '=', jws)
      .executeTakeFirst();
    if (present) return;
    const seq = await this.#nextSeq('brygga_statements');
    await this.#db.insertInto('brygga_statements').values({ seq, jws }).execute();
  }

  async listStatements(): Promise<string[]> {
    const rows = await this.#db.selectFrom('brygga_statements').select('jws').orderBy('seq').execute();
    return rows.map((r) => r.jws);
  }

  async saveIdentity(identity: IdentityRecord): Promise<void> {
    const values = {
      unit: identity.unit,
      device: identity.device,
      signing_key: identity.signingKey,
      hpke_keys: JSON.stringify(identity.hpkeKeys),
    };
    await this.#db
      .insertInto('brygga_identity')
      .values({ id: 'device', ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  }

  async loadIdentity(): Promise<IdentityRecord | undefined> {
    const r = await this.#db
      .selectFrom('brygga_identity')
      .selectAll()
      .where('id', '=', 'device')
      .executeTakeFirst();
    return r
      ? {
          unit: r.unit,
          device: r.device,
          signingKey: r.signing_key,
          hpkeKeys: JSON.parse(r.hpke_keys) as string[],
        }
      : undefined;
  }

  async getProcessed(pid: string): Promise<ProcessedRecord | undefined> {
    const r = await this.#db
      .selectFrom('brygga_processed')
      .selectAll()
      .where('pid', '=', pid)
      .executeTakeFirst();
    return r ? { ...r, outcome: r.outcome as ProcessedRecord['outcome'] } : undefined;
  }

  async putProcessed(record: ProcessedRecord): Promise<void> {
    const { pid, ...rest } = record;
    await this.#db
      .insertInto('brygga_processed')
      .values(record)
      .onConflict((oc) => oc.column('pid').doUpdateSet(rest))
      .execute();
  }

  async putPacket(p: PacketRecord): Promise<void> {
    const row: PacketTable = {
      hash: p.hash,
      pid: p.pid,
      case_id: p.caseId,
      type: p.type,
      prev: p.prev,
      unit: p.unit,
      device: p.device,
      iat: String(p.iat),
      aud: JSON.stringify(p.aud),
      rcp: JSON.stringify(p.rcp),
      jws: p.jws,
      attachments: JSON.stringify(p.attachments),
      direction: p.direction,
      status: p.status,
      position: p.position,
    };
    await this.#db
      .insertInto('brygga_packets')
      .values(row)
      .onConflict((oc) => oc.column('hash').doUpdateSet({ status: p.status, position: p.position }))
      .execute();
  }

  async getPacket(hash: string): Promise<PacketRecord | undefined> {
    const r = await this.#db
      .selectFrom('brygga_packets')
      .selectAll()
      .where('hash', '=', hash)
      .executeTakeFirst();
    return r ? toPacket(r) : undefined;
  }

  async deletePacket(hash: string): Promise<void> {
    await this.#db.deleteFrom('brygga_packets').where('hash', '=', hash).execute();
  }

  async getPacketByPid(pid: string): Promise<PacketRecord | undefined> {
    const r = await this.#db
      .selectFrom('brygga_packets')
      .selectAll()
      .where('pid', '=', pid)
      .executeTakeFirst();
    return r ? toPacket(r) : undefined;
  }

  async listCasePackets(caseId: string): Promise<PacketRecord[]> {
    const rows = await this.#db
      .selectFrom('brygga_packets')
      .selectAll()
      .where('case_id', '=', caseId)
      .execute();
    return rows
      .map(toPacket)
      .sort(
        (a, b) =>
          (a.position ?? Number.MAX_SAFE_INTEGER) - (b.position ?? Number.MAX_SAFE_INTEGER) || a.iat - b.iat,
      );
  }

  async listDocumentPackets(type: string): Promise<PacketRecord[]> {
    const rows = await this.#db
      .selectFrom('brygga_packets')
      .selectAll()
      .where('type', '=', type)
      .where('case_id', 'is', null)
      .execute();
    return rows.map(toPacket).sort((a, b) => a.iat - b.iat || (a.hash < b.hash ? -1 : 1));
  }

  async putRejected(r: RejectedRecord): Promise<void> {
    await this.#db
      .insertInto('brygga_rejected')
      .values({
        pid: r.pid,
        hash: r.hash,
        case_id: r.caseId,
        type: r.type,
        unit: r.unit,
        device: r.device,
        code: r.code,
        at: r.at,
      })
      .onConflict((oc) => oc.column('pid').doNothing())
      .execute();
  }

  async listRejected(): Promise<RejectedRecord[]> {
    const rows = await this.#db.selectFrom('brygga_rejected').selectAll().orderBy('at').execute();
    return rows.map((r) => ({
      pid: r.pid,
      hash: r.hash,
      caseId: r.case_id,
      type: r.type,
      unit: r.unit,
      device: r.device,
      code: r.code,
      at: r.at,
    }));
  }

  async putCase(c: CaseRecord): Promise<void> {
    const values = {
      home: c.home,
      receiving: c.receiving,
      status: c.status,
      delivered: c.delivered ? 1 : 0,
      head: c.head,
      length: c.length,
      state: c.state,
      updated_at: c.updatedAt,
    };
    await this.#db
      .insertInto('brygga_cases')
      .values({ case_id: c.caseId, ...values })
      .onConflict((oc) => oc.column('case_id').doUpdateSet(values))
      .execute();
  }

  async deleteCase(caseId: string): Promise<void> {
    await this.#db.deleteFrom('brygga_cases').where('case_id', '=', caseId).execute();
  }

  async getCase(caseId: string): Promise<CaseRecord | undefined> {
    const r = await this.#db
      .selectFrom('brygga_cases')
      .selectAll()
      .where('case_id', '=', caseId)
      .executeTakeFirst();
    return r ? this.#toCase(r) : undefined;
  }

  async listCases(): Promise<CaseRecord[]> {
    const rows = await this.#db.selectFrom('brygga_cases').selectAll().orderBy('case_id').execute();
    return rows.map((r) => this.#toCase(r));
  }

  #toCase(r: StoreDatabase['brygga_cases']): CaseRecord {
    return {
      caseId: r.case_id,
      home: r.home,
      receiving: r.receiving,
      status: r.status,
      delivered: Number(r.delivered) === 1,
      head: r.head,
      length: Number(r.length),
      state: r.state,
      updatedAt: r.updated_at,
    };
  }

  async putReceipt(r: ReceiptRecord): Promise<void> {
    await this.#db
      .insertInto('brygga_receipts')
      .values({
        hash: r.hash,
        pid: r.pid,
        packet_hash: r.packetHash,
        case_id: r.caseId,
        unit: r.unit,
        device: r.device,
        outcome: r.outcome,
        code: r.code,
        jws: r.jws,
      })
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute();
  }

  async listReceipts(filter: { caseId?: string; packetHash?: string } = {}): Promise<ReceiptRecord[]> {
    let q = this.#db.selectFrom('brygga_receipts').selectAll();
    if (filter.caseId !== undefined) q = q.where('case_id', '=', filter.caseId);
    if (filter.packetHash !== undefined) q = q.where('packet_hash', '=', filter.packetHash);
    const rows = await q.orderBy('hash').execute();
    return rows.map((r) => ({
      hash: r.hash,
      pid: r.pid,
      packetHash: r.packet_hash,
      caseId: r.case_id,
      unit: r.unit,
      device: r.device,
      outcome: r.outcome,
      code: r.code,
      jws: r.jws,
    }));
  }

  async putConsent(c: ConsentRecordRow): Promise<void> {
    await this.#db
      .insertInto('brygga_consents')
      .values({
        hash: c.hash,
        case_id: c.caseId,
        consent_id: c.consentId,
        kind: c.kind,
        packet_hash: c.packetHash,
        jws: c.jws,
      })
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute();
  }

  async listConsents(caseId: string): Promise<ConsentRecordRow[]> {
    const rows = await this.#db
      .selectFrom('brygga_consents')
      .selectAll()
      .where('case_id', '=', caseId)
      .orderBy('hash')
      .execute();
    return rows.map((r) => ({
      hash: r.hash,
      caseId: r.case_id,
      consentId: r.consent_id,
      kind: r.kind as ConsentRecordRow['kind'],
      packetHash: r.packet_hash,
      jws: r.jws,
    }));
  }

  async deleteConsents(caseId: string): Promise<void> {
    await this.#db.deleteFrom('brygga_consents').where('case_id', '=', caseId).execute();
  }

  async putQuota(q: QuotaRecord): Promise<void> {
    await this.#db
      .insertInto('brygga_quota')
      .values(q)
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute();
  }

  async listQuota(): Promise<QuotaRecord[]> {
    const rows = await this.#db.selectFrom('brygga_quota').selectAll().orderBy('hash').execute();
    return rows.map((r) => ({ ...r, kind: r.kind as QuotaRecord['kind'] }));
  }

  async deleteQuota(hash: string): Promise<void> {
    await this.#db.deleteFrom('brygga_quota').where('hash', '=', hash).execute();
  }

  async enqueueOutbox(
    pid: string,
    envelope: string,
    createdAt: string,
    details: OutboxDetails = {},
  ): Promise<number> {
    const seq = await this.#nextSeq('brygga_outbox');
    await this.#db
      .insertInto('brygga_outbox')
      .values({
        pid,
        seq,
        envelope,
        created_at: createdAt,
        jws: details.jws ?? null,
        grp: details.group ?? null,
        undo: details.undo ?? null,
      })
      .onConflict((oc) => oc.column('pid').doNothing())
      .execute();
    return seq;
  }

  async listOutbox(): Promise<OutboxRecord[]> {
    const rows = await this.#db.selectFrom('brygga_outbox').selectAll().orderBy('seq').execute();
    return rows.map((r) => ({
      pid: r.pid,
      seq: Number(r.seq),
      envelope: r.envelope,
      createdAt: r.created_at,
      jws: r.jws ?? null,
      group: r.grp ?? null,
      undo: r.undo ?? null,
    }));
  }

  async removeOutbox(pid: string): Promise<void> {
    await this.#db.deleteFrom('brygga_outbox').where('pid', '=', pid).execute();
  }

  async replaceOutbox(pid: string, envelope: string, jws: string): Promise<void> {
    await this.#db.updateTable('brygga_outbox').set({ envelope, jws }).where('pid', '=', pid).execute();
  }

  async addEvent(type: string, caseId: string | null, data: string, createdAt: string): Promise<number> {
    const seq = await this.#nextSeq('brygga_events');
    await this.#db
      .insertInto('brygga_events')
      .values({ seq, type, case_id: caseId, data, created_at: createdAt })
      .execute();
    return seq;
  }

  async listEvents(after: number, limit: number): Promise<EventRecord[]> {
    const rows = await this.#db
      .selectFrom('brygga_events')
      .selectAll()
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      type: r.type,
      caseId: r.case_id,
      data: r.data,
      createdAt: r.created_at,
    }));
  }

  async deleteEventsThrough(seq: number): Promise<void> {
    await this.#db.deleteFrom('brygga_events').where('seq', '<=', seq).execute();
  }

  async putReconciliation(r: ReconciliationRecord): Promise<void> {
    const values = {
      units: r.units,
      label: r.label,
      document: r.document,
      complete: r.complete ? 1 : 0,
      updated_at: r.updatedAt,
    };
    await this.#db
      .insertInto('brygga_reconciliations')
      .values({ id: r.id, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  }

  async getReconciliation(id: string): Promise<ReconciliationRecord | undefined> {
    const r = await this.#db
      .selectFrom('brygga_reconciliations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? this.#toReconciliation(r) : undefined;
  }

  async listReconciliations(): Promise<ReconciliationRecord[]> {
    const rows = await this.#db.selectFrom('brygga_reconciliations').selectAll().orderBy('id').execute();
    return rows.map((r) => this.#toReconciliation(r));
  }

  async deleteReconciliation(id: string): Promise<void> {
    await this.#db.deleteFrom('brygga_reconciliations').where('id', '=', id).execute();
  }

  #toReconciliation(r: StoreDatabase['brygga_reconciliations']): ReconciliationRecord {
    return {
      id: r.id,
      units: r.units,
      label: r.label,
      document: r.document,
      complete: Number(r.complete) === 1,
      updatedAt: r.updated_at,
    };
  }

  async putLogPending(r: LogPendingRecord): Promise<void> {
    await this.#db
      .insertInto('brygga_log_pending')
      .values(r)
      .onConflict((oc) => oc.column('leaf').doNothing())
      .execute();
  }

  async listLogPending(): Promise<LogPendingRecord[]> {
    const rows = await this.#db
      .selectFrom('brygga_log_pending')
      .selectAll()
      .orderBy('since')
      .orderBy('leaf')
      .execute();
    return rows.map((r) => ({ ...r, kind: r.kind as LogPendingRecord['kind'] }));
  }

  async deleteLogPending(leaf: string): Promise<void> {
    await this.#db.deleteFrom('brygga_log_pending').where('leaf', '=', leaf).execute();
  }

  async addLogEvidence(code: string, evidence: string, at: string): Promise<number> {
    const seq = await this.#nextSeq('brygga_log_evidence');
    await this.#db.insertInto('brygga_log_evidence').values({ seq, code, at, evidence }).execute();
    return seq;
  }

  async listLogEvidence(): Promise<LogEvidenceRecord[]> {
    const rows = await this.#db.selectFrom('brygga_log_evidence').selectAll().orderBy('seq').execute();
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  async addExpectedKeys(kids: readonly string[], at: string): Promise<void> {
    for (const kid of new Set(kids)) {
      await this.#db
        .insertInto('brygga_log_expected_keys')
        .values({ kid, added_at: at })
        .onConflict((oc) => oc.column('kid').doNothing())
        .execute();
    }
  }

  async listExpectedKeys(): Promise<string[]> {
    const rows = await this.#db.selectFrom('brygga_log_expected_keys').select('kid').orderBy('kid').execute();
    return rows.map((r) => r.kid);
  }

  async addAlert(
    r: Omit<AlertRecord, 'seq' | 'acknowledgedBy' | 'acknowledgedAt'>,
  ): Promise<number | undefined> {
    const present = await this.#db
      .selectFrom('brygga_alerts')
      .select('seq')
      .where('key', '=', r.key)
      .executeTakeFirst();
    if (present) return undefined;
    const seq = await this.#nextSeq('brygga_alerts');
    await this.#db
      .insertInto('brygga_alerts')
      .values({
        seq,
        kind: r.kind,
        code: r.code,
        key: r.key,
        detail: r.detail,
        evidence: r.evidence,
        created_at: r.createdAt,
        acknowledged_by: null,
        acknowledged_at: null,
      })
      .execute();
    return seq;
  }

  async listAlerts(): Promise<AlertRecord[]> {
    const rows = await this.#db.selectFrom('brygga_alerts').selectAll().orderBy('seq').execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      kind: r.kind,
      code: r.code,
      key: r.key,
      detail: r.detail,
      evidence: r.evidence,
      createdAt: r.created_at,
      acknowledgedBy: r.acknowledged_by ?? null,
      acknowledgedAt: r.acknowledged_at ?? null,
    }));
  }

  async acknowledgeAlert(seq: number, by: string, at: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('brygga_alerts')
      .set({ acknowledged_by: by, acknowledged_at: at })
      .where('seq', '=', seq)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async addRootPin(pin: RootPinRecord, at: string): Promise<void> {
    await this.#db
      .insertInto('brygga_root_pins')
      .values({
        id: `${pin.unit}|${pin.from}|${pin.to}`,
        unit: pin.unit,
        from_key: pin.from,
        to_key: pin.to,
        added_at: at,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  async listRootPins(): Promise<RootPinRecord[]> {
    const rows = await this.#db
      .selectFrom('brygga_root_pins')
      .selectAll()
      .orderBy('added_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ unit: r.unit, from: r.from_key, to: r.to_key }));
  }

  async addKnownGroup(r: KnownGroupRecord): Promise<void> {
    await this.#db
      .insertInto('brygga_known_groups')
      .values({
        id: r.id,
        group_name: r.group,
        present_in: r.presentIn,
        rivals: JSON.stringify(r.rivals),
        note: r.note,
        added_by: r.addedBy,
        added_at: r.addedAt,
      })
      .execute();
  }

  async listKnownGroups(): Promise<KnownGroupRecord[]> {
    const rows = await this.#db
      .selectFrom('brygga_known_groups')
      .selectAll()
      .orderBy('added_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      group: r.group_name,
      presentIn: r.present_in,
      rivals: JSON.parse(r.rivals) as string[],
      note: r.note,
      addedBy: r.added_by,
      addedAt: r.added_at,
    }));
  }

  async removeKnownGroup(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('brygga_known_groups').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async putUnitFigures(r: UnitFiguresRecord): Promise<void> {
    await this.#db
      .insertInto('brygga_unit_figures')
      .values({ hash: r.hash, agreement: r.agreement, unit: r.unit, iat: String(r.iat), jws: r.jws })
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute();
  }

  async listUnitFigures(agreement?: string): Promise<UnitFiguresRecord[]> {
    let q = this.#db.selectFrom('brygga_unit_figures').selectAll();
    if (agreement !== undefined) q = q.where('agreement', '=', agreement);
    const rows = await q.execute();
    return rows
      .map((r) => ({ hash: r.hash, agreement: r.agreement, unit: r.unit, iat: Number(r.iat), jws: r.jws }))
      .sort((a, b) => a.iat - b.iat || (a.hash < b.hash ? -1 : 1));
  }

  async purgeCase(caseId: string): Promise<void> {
    const packets = await this.#db
      .selectFrom('brygga_packets')
      .select(['pid', 'hash'])
      .where('case_id', '=', caseId)
      .execute();
    const receipts = await this.#db
      .selectFrom('brygga_receipts')
      .select('pid')
      .where('case_id', '=', caseId)
      .execute();
    const pids = [...packets.map((p) => p.pid), ...receipts.map((r) => r.pid)];
    // In slices, so no statement has more parameters than an engine allows.
    for (let i = 0; i < pids.length; i += 500) {
      await this.#db
        .deleteFrom('brygga_processed')
        .where('pid', 'in', pids.slice(i, i + 500))
        .execute();
    }
    await this.#db.deleteFrom('brygga_packets').where('case_id', '=', caseId).execute();
    await this.#db.deleteFrom('brygga_receipts').where('case_id', '=', caseId).execute();
    await this.#db.deleteFrom('brygga_consents').where('case_id', '=', caseId).execute();
    await this.#db.deleteFrom('brygga_rejected').where('case_id', '=', caseId).execute();
    await this.#db.deleteFrom('brygga_events').where('case_id', '=', caseId).execute();
    await this.#db.deleteFrom('brygga_cases').where('case_id', '=', caseId).execute();
  }

  async addPurgeRecord(jws: string, at: string): Promise<number> {
    const seq = await this.#nextSeq('brygga_purges');
    await this.#db.insertInto('brygga_purges').values({ seq, at, jws }).execute();
    return seq;
  }

  async listPurgeRecords(): Promise<PurgeRecordRow[]> {
    const rows = await this.#db.selectFrom('brygga_purges').selectAll().orderBy('seq').execute();
    return rows.map((r) => ({ seq: Number(r.seq), at: r.at, jws: r.jws }));
  }

  /** The next sequence number of a table (events: never reused, kept in brygga_meta). */
  async #nextSeq(
    table:
      | 'brygga_statements'
      | 'brygga_outbox'
      | 'brygga_events'
      | 'brygga_log_evidence'
      | 'brygga_alerts'
      | 'brygga_purges',
  ): Promise<number> {
    // Events are deleted once consumed, so their counter must outlive the rows.
    const key = `seq.${table}`;
    const stored = Number((await this.getMeta(key)) ?? '0');
    const row = await this.#db
      .selectFrom(table)
      .select((eb) => eb.fn.max('seq').as('m'))
      .executeTakeFirst();
    const next = Math.max(stored, Number(row?.m ?? 0)) + 1;
    await this.setMeta(key, String(next));
    return next;
  }
}
