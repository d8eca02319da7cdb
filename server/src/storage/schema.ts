/**
 * The relay's tables, identical on SQLite and PostgreSQL: bytes as BLOB / bytea,
 * times as integer milliseconds since the epoch, generated sequence numbers as integers.
 *
 * - `agreements`: installed agreement documents, in installation order.
 * - `statements`: accepted directory statements; `seq` is assigned under the directory lock, so it is
 *   also the commit order (clients apply statements in this order).
 * - `root_changes`: root changes accepted (PROTOCOL.md §5.2), with the number of agreements installed
 *   when each was accepted, so a rebuild verifies each against the chain as it was then.
 * - `submissions`: the idempotency record of every accepted packet id, kept until the packet expires,
 *   so that a retried submission is recognised even after every recipient has acknowledged; it names
 *   the packet it stored by `packets.seq`, and is how a packet is found by its id.
 * - `packets`: envelope bytes, until every recipient device has acknowledged or the packet expired;
 *   numbered (`seq`) as they are stored.
 * - `inbox`: one row per item waiting for a device: a packet delivery (naming its packet by `seq`,
 *   migrations/packet-seq.ts) or an expiry notice.
 * - `tokens`: relay token ids already used, until they could no longer be accepted anyway (PostgreSQL,
 *   an UNLOGGED table guarded by `token_epoch` and `token_floor`: migrations/token-epoch.ts;
 *   a SQLite relay keeps them in memory, token-ids.ts).
 * - `token_ceilings`: per device, the highest `iat` its accepted tokens may carry (token-ids.ts).
 * - `queued_bytes`: per sending device, the envelope bytes of its stored packets, kept by triggers on
 *   `packets` (migrations/queued-bytes.ts), for the quotas of PROTOCOL.md §9.
 * - `log_*`: the transparency log (PROTOCOL.md §18; transparency/). `log_index` in `agreements`,
 *   `statements` and `submissions` is the row's leaf index once logged, null before.
 */
import type { Generated } from 'kysely';

export interface AgreementsTable {
  /** Installation order, 1, 2, … */
  seq: number;
  digest: string;
  /** The agreement's own `sequence` term. */
  sequence: number;
  /** The general JWS document as JSON text, exactly as installed. */
  document: string;
  installed_at: number;
  log_index: number | null;
}

export interface StatementsTable {
  seq: number;
  /** base64url SHA-256 of the compact JWS. */
  hash: string;
  jws: string;
  accepted_at: number;
  log_index: number | null;
}

export interface RootChangesTable {
  /** Acceptance order, 1, 2, … */
  seq: number;
  /** base64url SHA-256 of the compact JWS. */
  hash: string;
  jws: string;
  /** How many agreements were installed when it was accepted (`agreements.seq` of the newest). */
  agreement_seq: number;
  accepted_at: number;
}

export interface SubmissionsTable {
  id: string;
  digest: string;
  received_at: number;
  expires_at: number;
  log_index: number | null;
  /** The `seq` of the packet stored with it (migrations/packet-seq.ts); kept after the packet goes. */
  packet_seq: number | null;
}

export interface PacketsTable {
  /** Storage order, 1, 2, …: the table's key, by which deliveries and submissions name the packet. */
  seq: Generated<number>;
  id: string;
  /** base64url SHA-256 of the envelope bytes. */
  digest: string;
  sender_unit: string;
  sender_device: string;
  size: number;
  envelope: Uint8Array;
  received_at: number;
  expires_at: number;
}

/** The kinds of inbox item. */
export type InboxKind = 'packet' | 'notice';

export interface InboxTable {
  seq: Generated<number>;
  /** The device whose inbox this is, and its unit. */
  device: string;
  unit: string;
  kind: InboxKind;
  /** The packet id for a delivery, the notice id for a notice. */
  item_id: string;
  /** The packet the item is about. */
  packet_id: string;
  /** Deliveries only: the packet's `seq` (null for a notice). */
  packet_seq: number | null;
  /** Notices only: what happened (`expired`). */
  notice_type: string | null;
  /** Notices only: the recipient device whose delivery expired. */
  recipient_unit: string | null;
  recipient_device: string | null;
  /** Receipt of the packet, or the moment the delivery expired (notices). */
  created_at: number;
  expires_at: number;
}

export interface TokensTable {
  device: string;
  jti: string;
  expires_at: number;
}

export interface QueuedBytesTable {
  device: string;
  /** Which of the device's rows (PostgreSQL splits a total over several; SQLite has shard 0 only). */
  shard: number;
  unit: string;
  /** This row's part of the envelope bytes of the device's stored packets. */
  bytes: number;
}

export interface TokenCeilingsTable {
  device: string;
  /** Seconds since the epoch. */
  iat: number;
  /** `iat` before the last raise (null for the first). */
  raised_from: number | null;
}

/** The kinds of log leaf: the first byte of the leaf data (PROTOCOL.md §18). */
export type LogLeafKind = 1 | 2 | 3;

export interface LogLeavesTable {
  idx: number;
  kind: LogLeafKind;
  /** The 32-byte hash the leaf names (agreement digest, statement hash, envelope digest). */
  hash: Uint8Array;
  /** RFC 9162 leaf hash of `kind ‖ hash`. */
  leaf_hash: Uint8Array;
  /** The statement's compact JWS or the agreement document; null for envelopes. */
  ref: string | null;
}

export interface LogNodesTable {
  /** The perfect subtree of 2^level leaves starting at leaf `idx · 2^level`. */
  level: number;
  idx: number;
  hash: Uint8Array;
}

export interface LogCheckpointsTable {
  size: number;
  /** The signed note, exactly as issued (without cosignatures). */
  note: string;
  created_at: number;
}

export interface LogCosignaturesTable {
  size: number;
  /** The witness's key name, `brygga-witness/<unit>/<device kid>`. */
  witness: string;
  /** The signature line, as in a signed note. */
  line: string;
  /** The cosignature's own timestamp (seconds). */
  signed_at: number;
  created_at: number;
}

/** The transparency log's origin, fixed at the first start (migrations/log-origin.ts). */
export interface LogOriginTable {
  /** Always 1: there is one origin. */
  id: number;
  origin: string;
  set_at: number;
}

export interface LogKeyTable {
  /** Always 1: there is one key. */
  id: number;
  /** The Ed25519 seed. */
  seed: Uint8Array;
  public_key: Uint8Array;
  created_at: number;
}

/** The relay database. */
export interface RelaySchema {
  agreements: AgreementsTable;
  statements: StatementsTable;
  root_changes: RootChangesTable;
  submissions: SubmissionsTable;
  packets: PacketsTable;
  inbox: InboxTable;
  tokens: TokensTable;
  token_ceilings: TokenCeilingsTable;
  queued_bytes: QueuedBytesTable;
  log_leaves: LogLeavesTable;
  log_nodes: LogNodesTable;
  log_checkpoints: LogCheckpointsTable;
  log_cosignatures: LogCosignaturesTable;
  log_key: LogKeyTable;
  log_origin: LogOriginTable;
}
