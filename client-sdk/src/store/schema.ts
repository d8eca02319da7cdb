/**
 * The tables of the SDK's local store (PROTOCOL.md §13.3), as Kysely sees them. Every table is prefixed
 * `brygga_` so the store can live in a case system's own database. Only portable types are used (text
 * and 32-bit integers), so the same schema works on SQLite and PostgreSQL through any Kysely dialect;
 * JSON is stored as text, bytes as base64url text.
 */

/** Key–value settings (for example the directory cursor). */
export interface MetaTable {
  key: string;
  value: string;
}

/** Agreements accepted, by digest. */
export interface AgreementTable {
  digest: string;
  sequence: number;
  document: string;
}

/** Directory statements applied, in the order applied. */
export interface StatementTable {
  seq: number;
  jws: string;
}

/** This device's keys, encrypted at rest (PROTOCOL.md §3.4). */
export interface IdentityTable {
  id: string;
  unit: string;
  device: string;
  signing_key: string;
  hpke_keys: string;
}

/** Packet ids processed (exactly-once), with what became of them. */
export interface ProcessedTable {
  pid: string;
  hash: string | null;
  outcome: string;
  code: string | null;
  at: string;
}

/** Signed packets this device holds: case log packets in any standing, and non-case packets it sent. */
export interface PacketTable {
  hash: string;
  pid: string;
  case_id: string | null;
  type: string;
  prev: string | null;
  unit: string;
  device: string;
  iat: string;
  aud: string;
  rcp: string;
  jws: string;
  attachments: string;
  direction: string;
  status: string;
  position: number | null;
}

/** Packets refused by the rules or the log: what arrived, never its content. */
export interface RejectedTable {
  pid: string;
  hash: string;
  case_id: string | null;
  type: string;
  unit: string;
  device: string;
  code: string;
  at: string;
}

/** The derived state of each case. */
export interface CaseTable {
  case_id: string;
  home: string;
  receiving: string;
  status: string;
  delivered: number;
  head: string;
  length: number;
  state: string;
  updated_at: string;
}

/** Signed receipts, sent and received. */
export interface ReceiptTable {
  hash: string;
  pid: string;
  packet_hash: string;
  case_id: string | null;
  unit: string;
  device: string;
  outcome: string;
  code: string | null;
  jws: string;
}

/** Consent attestations and withdrawals, as carried in the case log. */
export interface ConsentTable {
  hash: string;
  case_id: string;
  consent_id: string;
  kind: string;
  packet_hash: string;
  jws: string;
}

/** Verified quota claims and releases. */
export interface QuotaTable {
  hash: string;
  kind: string;
  agreement: string;
  municipality: string;
  direction: string;
  unit: string;
  commitment: string;
  jws: string;
}

/** Sealed envelopes not yet acknowledged by the relay. */
export interface OutboxTable {
  pid: string;
  seq: number;
  envelope: string;
  created_at: string;
  /** The signed packet (compact JWS), to seal it again when the relay refuses it (PROTOCOL.md §13.5). */
  jws: string | null;
  /** The pid of the packet this one was queued with (a referral for its quota claim), or its own. */
  grp: string | null;
  /** JSON: what to take back in the store if the packet is undone (see `OutboxRecord.undo`). */
  undo: string | null;
}

/** Events for the case system, not yet consumed. */
export interface EventTable {
  seq: number;
  type: string;
  case_id: string | null;
  data: string;
  created_at: string;
}

/** Reconciliation statements, proposed or agreed. */
export interface ReconciliationTable {
  id: string;
  units: string;
  label: string;
  document: string;
  complete: number;
  updated_at: string;
}

/**
 * Log entries this device needs proven included and has not yet seen in the log (PROTOCOL.md §19.4):
 * envelopes it submitted, by leaf hash.
 */
export interface LogPendingTable {
  leaf: string;
  kind: string;
  /** The hash the leaf names (base64url). */
  subject: string;
  /** When the relay accepted it, by this device's clock (ISO 8601). */
  since: string;
  /** The relay's answer to the submission, JSON. */
  data: string;
}

/** Evidence of the relay's misbehaviour (PROTOCOL.md §19.7), JSON, in the order found. */
export interface LogEvidenceTable {
  seq: number;
  code: string;
  at: string;
  evidence: string;
}

/** Device keys this device's unit published (PROTOCOL.md §19.5), for monitoring the log. */
export interface LogExpectedKeyTable {
  kid: string;
  added_at: string;
}

/**
 * Alerts for a person to judge (PROTOCOL.md §19.7, §5.1): a failed check of the relay's log or a
 * refused root key change, with its evidence, until someone acknowledges it.
 */
export interface AlertTable {
  seq: number;
  kind: string;
  code: string;
  /** What makes two alerts the same alert (one record each). */
  key: string;
  detail: string;
  /** JSON. */
  evidence: string;
  created_at: string;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
}

/** Root key changes this device allows (PROTOCOL.md §5.2), passed to its directory when it opens. */
export interface RootPinTable {
  /** `unit|from|to`. */
  id: string;
  unit: string;
  from_key: string;
  to_key: string;
  added_at: string;
}

/** Units' signed figures for an agreement period (PROTOCOL.md §21). */
export interface UnitFiguresTable {
  hash: string;
  agreement: string;
  unit: string;
  iat: string;
  jws: string;
}

/** Signed purge records (PROTOCOL.md §23): which cases were removed, when and by whom. */
export interface PurgeTable {
  seq: number;
  at: string;
  jws: string;
}

/**
 * The groups the unit knows to be present in its municipality and the neighbouring ones, and whom they
 * are rivals of (PROTOCOL.md §14.6 (5)). Local knowledge: in no packet, never sent anywhere.
 */
export interface KnownGroupTable {
  id: string;
  group_name: string;
  present_in: string;
  /** JSON array of group names. */
  rivals: string;
  note: string | null;
  added_by: string;
  added_at: string;
}

/** The store's database. */
export interface StoreDatabase {
  brygga_meta: MetaTable;
  brygga_agreements: AgreementTable;
  brygga_statements: StatementTable;
  brygga_identity: IdentityTable;
  brygga_processed: ProcessedTable;
  brygga_packets: PacketTable;
  brygga_rejected: RejectedTable;
  brygga_cases: CaseTable;
  brygga_receipts: ReceiptTable;
  brygga_consents: ConsentTable;
  brygga_quota: QuotaTable;
  brygga_outbox: OutboxTable;
  brygga_events: EventTable;
  brygga_reconciliations: ReconciliationTable;
  brygga_log_pending: LogPendingTable;
  brygga_log_evidence: LogEvidenceTable;
  brygga_log_expected_keys: LogExpectedKeyTable;
  brygga_alerts: AlertTable;
  brygga_root_pins: RootPinTable;
  brygga_unit_figures: UnitFiguresTable;
  brygga_purges: PurgeTable;
  brygga_known_groups: KnownGroupTable;
}
