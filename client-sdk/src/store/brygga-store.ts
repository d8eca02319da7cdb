/**
 * The SDK's local store (PROTOCOL.md §13.3): what a device must remember to apply every packet exactly
 * once, keep its case logs, prove what happened, and pick up where it stopped after a crash. The client
 * does every state change of one packet inside one {@link BryggaStore.transaction}, so a crash leaves
 * either all of it or none of it.
 *
 * {@link KyselyStore} implements it on any Kysely database (SQLite, PostgreSQL, …) the case system
 * passes in.
 */

/** A signed packet the device holds. */
export interface PacketRecord {
  hash: string;
  pid: string;
  caseId: string | null;
  type: string;
  prev: string | null;
  /** Sending unit and device. */
  unit: string;
  device: string;
  iat: number;
  aud: string[];
  rcp: string[];
  /** The signed packet (compact JWS). */
  jws: string;
  /** Attachment bytes, base64url, in claim order. */
  attachments: string[];
  direction: 'in' | 'out';
  /** A case packet's standing in its log (PROTOCOL.md §13), or `stored` for packets outside a case. */
  status: 'applied' | 'held' | 'superseded' | 'stored';
  /** Position in the case log when applied. */
  position: number | null;
}

/** A packet refused by the rules or the log: what arrived, without its content. */
export interface RejectedRecord {
  pid: string;
  hash: string;
  caseId: string | null;
  type: string;
  unit: string;
  device: string;
  code: string;
  at: string;
}

/** What became of a packet id (exactly-once). */
export interface ProcessedRecord {
  pid: string;
  hash: string | null;
  outcome: 'applied' | 'held' | 'rejected' | 'stored';
  code: string | null;
  at: string;
}

/** The stored state of a case. */
export interface CaseRecord {
  caseId: string;
  home: string;
  receiving: string;
  /** The log's status (see `LogStatus`). */
  status: string;
  /** A receipt from the receiving unit for the referral is held. */
  delivered: boolean;
  head: string;
  length: number;
  /** The case state, JSON. */
  state: string;
  updatedAt: string;
}

/** A signed receipt. */
export interface ReceiptRecord {
  hash: string;
  pid: string;
  packetHash: string;
  caseId: string | null;
  unit: string;
  device: string;
  outcome: string;
  code: string | null;
  jws: string;
}

/** A consent attestation or withdrawal of a case. */
export interface ConsentRecordRow {
  hash: string;
  caseId: string;
  consentId: string;
  kind: 'attestation' | 'withdrawal';
  packetHash: string;
  jws: string;
}

/** A verified quota claim or release. */
export interface QuotaRecord {
  hash: string;
  kind: 'claim' | 'release';
  agreement: string;
  municipality: string;
  direction: string;
  unit: string;
  commitment: string;
  jws: string;
}

/** A sealed envelope waiting to be acknowledged by the relay. */
export interface OutboxRecord {
  pid: string;
  seq: number;
  /** Envelope bytes, base64url. */
  envelope: string;
  createdAt: string;
  /** The signed packet (compact JWS) the envelope carries; null in outboxes older than it. */
  jws: string | null;
  /** The pid of the packet it was queued with and stands or falls with (a referral, for its quota claim). */
  group: string | null;
  /** JSON: the store changes that take it back if it is undone (PROTOCOL.md §13.5), or null. */
  undo: string | null;
}

/** What goes into the outbox with an envelope besides its bytes (see {@link OutboxRecord}). */
export interface OutboxDetails {
  jws?: string;
  group?: string;
  undo?: string;
}

/** An alert for a person to judge: a failed log check or a refused root key change, with its evidence. */
export interface AlertRecord {
  seq: number;
  /** `log` (PROTOCOL.md §19.7) or `root-key` (§5.1). */
  kind: string;
  code: string;
  /** One record per key: the same alert raised again adds nothing. */
  key: string;
  detail: string;
  /** JSON. */
  evidence: string;
  createdAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
}

/** A root key change this device allows (PROTOCOL.md §5.2). */
export interface RootPinRecord {
  unit: string;
  from: string;
  to: string;
}

/**
 * A group the unit knows to be present in its municipality or a neighbouring one, with the groups it
 * is a rival of (PROTOCOL.md §14.6 (5)): local knowledge that never leaves the unit.
 */
export interface KnownGroupRecord {
  id: string;
  group: string;
  presentIn: string;
  rivals: string[];
  note: string | null;
  addedBy: string;
  /** ISO 8601. */
  addedAt: string;
}

/** An event for the case system. */
export interface EventRecord {
  seq: number;
  type: string;
  caseId: string | null;
  /** JSON. */
  data: string;
  createdAt: string;
}

/** A reconciliation statement. */
export interface ReconciliationRecord {
  id: string;
  /** The two units, sorted, joined with a space. */
  units: string;
  label: string;
  /** The general JWS, JSON. */
  document: string;
  complete: boolean;
  updatedAt: string;
}

/** This device's keys, encrypted at rest. */
export interface IdentityRecord {
  unit: string;
  device: string;
  /** Key file JSON (PROTOCOL.md §3.4) of the signing key. */
  signingKey: string;
  /** Key file JSON of every HPKE key, newest last. */
  hpkeKeys: string[];
}

/** An entry this device needs to see in the relay's log (PROTOCOL.md §19.4). */
export interface LogPendingRecord {
  /** Leaf hash, base64url. */
  leaf: string;
  kind: 'agreement' | 'statement' | 'envelope';
  /** The hash the leaf names, base64url. */
  subject: string;
  /** When the relay accepted it (ISO 8601, this device's clock). */
  since: string;
  /** JSON: what the relay answered when it accepted it. */
  data: string;
}

/** Evidence of the relay's misbehaviour, as stored. */
export interface LogEvidenceRecord {
  seq: number;
  code: string;
  at: string;
  /** The evidence document, JSON (see `LogEvidence`). */
  evidence: string;
}

/** A unit's signed figures (PROTOCOL.md §21), its own or another party's, as verified on arrival. */
export interface UnitFiguresRecord {
  /** SHA-256 of the JWS text, base64url. */
  hash: string;
  /** Digest of the agreement the figures are for. */
  agreement: string;
  unit: string;
  /** When they were signed (NumericDate). */
  iat: number;
  jws: string;
}

/** A signed purge record (PROTOCOL.md §23), as kept. */
export interface PurgeRecordRow {
  seq: number;
  /** When the purge ran (ISO 8601). */
  at: string;
  jws: string;
}

/** The local store. All writes of one packet go through one transaction. */
export interface BryggaStore {
  /** Run `work` in one transaction (nested calls join the outer one). */
  transaction<T>(work: (tx: BryggaStore) => Promise<T>): Promise<T>;

  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;

  putAgreement(digest: string, sequence: number, document: string): Promise<void>;
  listAgreements(): Promise<{ digest: string; sequence: number; document: string }[]>;

  /** Append a statement (no-op if present). */
  addStatement(jws: string): Promise<void>;
  listStatements(): Promise<string[]>;

  saveIdentity(identity: IdentityRecord): Promise<void>;
  loadIdentity(): Promise<IdentityRecord | undefined>;

  getProcessed(pid: string): Promise<ProcessedRecord | undefined>;
  putProcessed(record: ProcessedRecord): Promise<void>;

  /** Insert a packet, or update its standing and position if held already. */
  putPacket(record: PacketRecord): Promise<void>;
  getPacket(hash: string): Promise<PacketRecord | undefined>;
  /** Forget a packet (a held packet that the rules refused once its predecessor came). */
  deletePacket(hash: string): Promise<void>;
  getPacketByPid(pid: string): Promise<PacketRecord | undefined>;
  /** Every packet of a case, applied ones in log order first. */
  listCasePackets(caseId: string): Promise<PacketRecord[]>;
  /** Every packet of `type` outside the cases (documents sent or received and kept), oldest first. */
  listDocumentPackets(type: string): Promise<PacketRecord[]>;

  putRejected(record: RejectedRecord): Promise<void>;
  listRejected(): Promise<RejectedRecord[]>;

  putCase(record: CaseRecord): Promise<void>;
  /** Forget a case whose log is empty again (its referral undone). */
  deleteCase(caseId: string): Promise<void>;
  getCase(caseId: string): Promise<CaseRecord | undefined>;
  listCases(): Promise<CaseRecord[]>;

  /** Add a receipt (no-op if present). */
  putReceipt(record: ReceiptRecord): Promise<void>;
  listReceipts(filter?: { caseId?: string; packetHash?: string }): Promise<ReceiptRecord[]>;

  putConsent(record: ConsentRecordRow): Promise<void>;
  listConsents(caseId: string): Promise<ConsentRecordRow[]>;
  /** Forget a case's consent documents (to file them again from its log). */
  deleteConsents(caseId: string): Promise<void>;

  /** Add a quota claim or release (no-op if present). */
  putQuota(record: QuotaRecord): Promise<void>;
  listQuota(): Promise<QuotaRecord[]>;
  /** Forget a quota document this device made and never sent (undone). */
  deleteQuota(hash: string): Promise<void>;

  /** Queue an envelope; returns its sequence number. */
  enqueueOutbox(pid: string, envelope: string, createdAt: string, details?: OutboxDetails): Promise<number>;
  listOutbox(): Promise<OutboxRecord[]>;
  removeOutbox(pid: string): Promise<void>;
  /** Put another envelope of the same packet id in the outbox, in its place (a packet sealed again). */
  replaceOutbox(pid: string, envelope: string, jws: string): Promise<void>;

  addEvent(type: string, caseId: string | null, data: string, createdAt: string): Promise<number>;
  listEvents(after: number, limit: number): Promise<EventRecord[]>;
  /** Forget events up to and including `seq` (consumed). */
  deleteEventsThrough(seq: number): Promise<void>;

  putReconciliation(record: ReconciliationRecord): Promise<void>;
  getReconciliation(id: string): Promise<ReconciliationRecord | undefined>;
  listReconciliations(): Promise<ReconciliationRecord[]>;
  deleteReconciliation(id: string): Promise<void>;

  /** Add a pending log entry (no-op if present). */
  putLogPending(record: LogPendingRecord): Promise<void>;
  listLogPending(): Promise<LogPendingRecord[]>;
  deleteLogPending(leaf: string): Promise<void>;

  /** Keep evidence; returns its sequence number. */
  addLogEvidence(code: string, evidence: string, at: string): Promise<number>;
  listLogEvidence(): Promise<LogEvidenceRecord[]>;

  /** Record device or HPKE key ids this device's unit published (no-op for ones known). */
  addExpectedKeys(kids: readonly string[], at: string): Promise<void>;
  listExpectedKeys(): Promise<string[]>;

  /** Keep an alert; returns its sequence number, or undefined when one with its key is kept already. */
  addAlert(
    record: Omit<AlertRecord, 'seq' | 'acknowledgedBy' | 'acknowledgedAt'>,
  ): Promise<number | undefined>;
  listAlerts(): Promise<AlertRecord[]>;
  /** Record who acknowledged an alert, and when; false when there is no such alert. */
  acknowledgeAlert(seq: number, by: string, at: string): Promise<boolean>;

  /** Keep a root pin (no-op for one held). */
  addRootPin(pin: RootPinRecord, at: string): Promise<void>;
  listRootPins(): Promise<RootPinRecord[]>;

  /** Keep an entry of the unit's list of known groups (PROTOCOL.md §14.6 (5)). */
  addKnownGroup(record: KnownGroupRecord): Promise<void>;
  /** The unit's list of known groups, by the time each was added (then by id). */
  listKnownGroups(): Promise<KnownGroupRecord[]>;
  /** Remove an entry of the list; false when there is no such entry. */
  removeKnownGroup(id: string): Promise<boolean>;

  /** Keep a unit's verified figures (no-op if present). */
  putUnitFigures(record: UnitFiguresRecord): Promise<void>;
  /** Every unit figures document held, optionally for one agreement, oldest first. */
  listUnitFigures(agreement?: string): Promise<UnitFiguresRecord[]>;

  /**
   * Remove everything the store holds of a case (PROTOCOL.md §23): its packets, state, receipts,
   * consents, refusals, events and the processed marks of its packets.
   */
  purgeCase(caseId: string): Promise<void>;
  /** Keep a signed purge record; returns its sequence number. */
  addPurgeRecord(jws: string, at: string): Promise<number>;
  listPurgeRecords(): Promise<PurgeRecordRow[]>;
}
