/**
 * What the relay's storage needs of a database, whichever engine holds it: the interface every store
 * (relay-store.ts, directory-store.ts, transparency/) is written against. The engines implement it in
 * their own folders, as Kysely keeps its dialects: sqlite/ (better-sqlite3, one group-committing
 * writer) and postgres/ (a pool, one transaction per write); open-database.ts picks one by location.
 *
 * This file depends on nothing else in the relay but the schema's types, so that every layer can
 * depend on it without depending on an engine.
 */
import type { KeyObject } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type pg from 'pg';
import type { PreparedWrites } from './prepared-writes.js';
import type { RelaySchema } from './schema.js';

/** The two storage engines the relay runs on. */
export type Engine = 'sqlite' | 'postgres';

/** A write transaction's handle. */
export type WriteTransaction = Transaction<RelaySchema>;

/** The highest agreement, statement and root change sequence numbers committed (0 when none). */
export interface DirectoryHead {
  agreements: number;
  statements: number;
  rootChanges: number;
}

/**
 * The transparency log's signing key as it crosses to the SQLite writer thread: a KeyObject crosses to a
 * thread of the same process as a handle to the same key, so the seed is never copied into a message
 * (transparency/transparency-log-key.ts).
 */
export interface TransparencyLogKeyHandle {
  origin: string;
  privateKey: KeyObject;
}

/**
 * One integration round of the transparency log (PROTOCOL.md §18.2), as the SQLite writer thread runs it:
 * at most `limit` rows, `now` (milliseconds) for its checkpoint, and the key that signs it.
 */
export interface TransparencyRoundRequest {
  limit: number;
  now: number;
  key: TransparencyLogKeyHandle;
}

/** The outcome of one integration round of the transparency log. */
export interface TransparencyRoundResult {
  /** Leaves appended. */
  appended: number;
  /** Rows marked as logged without a new leaf: objects already in the log (a re-submitted envelope). */
  repeated: number;
  /** The tree size after the round. */
  size: number;
}

/** Room held on a full disk for the writes that free space (sqlite/storage-reserve.ts). */
export interface StorageReserveHandle {
  /** Whether the reserve is in place. */
  readonly held: boolean;
  /** Give the room up; false when there was none to give. */
  release(): boolean;
  /** Take the room back if the disk has it (tried at most once a minute); true when held. */
  retake(now: number): boolean;
}

/**
 * What `GET /v1/metrics` reports from the database (metrics/relay-metrics.ts): each figure read by an
 * index, not a scan of the tables.
 */
export interface OperationalFigures {
  /** Deliveries of packets not yet acknowledged by their recipient device (inbox rows of kind packet). */
  deliveriesWaiting: number;
  /** When the oldest waiting delivery was created (milliseconds), undefined when none waits. */
  oldestDeliveryAt: number | undefined;
  /** The transparency log's size: its newest checkpoint's (PROTOCOL.md §18.2). */
  logSize: number;
  /** When the newest checkpoint was issued (milliseconds), undefined before the first. */
  lastCheckpointAt: number | undefined;
}

/** An open, migrated relay database. */
export interface Database {
  readonly engine: Engine;
  readonly db: Kysely<RelaySchema>;
  /**
   * Run `job` in a write transaction and resolve once it has committed (or reject, having stored
   * nothing of it). On SQLite concurrent jobs share one group commit; on PostgreSQL each job is its own
   * transaction, retried on deadlock.
   */
  write<T>(job: (trx: WriteTransaction) => Promise<T>): Promise<T>;
  /** The frequent writes, with statements prepared once (see prepared-writes.ts). */
  readonly writes: PreparedWrites;
  /**
   * The highest agreement, statement and root change sequence numbers (0 when none), as committed now. Every
   * authenticated request compares them with the directory in memory (directory-store.ts), so the
   * query is prepared once instead of built per request.
   */
  directoryHead(): Promise<DirectoryHead>;
  /**
   * The envelope bytes the sending `unit` and its `device` have waiting at `now` (milliseconds), as
   * committed now (PROTOCOL.md §9 quotas): read on every submission, so prepared once, and from running
   * totals ({@link QUEUED_BYTES_SQL}).
   */
  queuedBytes(unit: string, device: string, now: number): Promise<QueuedBytes>;
  /** The figures `GET /v1/metrics` reports, as committed now. */
  operationalFigures(): Promise<OperationalFigures>;
  /**
   * A SQLite file only: run a transparency-log integration round on the writer thread, in turn with the
   * other writes, so that neither its SQL nor its commit's fsync blocks the event loop
   * (transparency/integration-round.ts).
   */
  readonly integrateTransparencyLog?:
    | ((request: TransparencyRoundRequest) => Promise<TransparencyRoundResult>)
    | undefined;
  /**
   * A SQLite file only: room held on the database's disk for writes that free space, released when the
   * disk is full (sqlite/storage-reserve.ts).
   */
  readonly storageReserve?: StorageReserveHandle | undefined;
  /**
   * A SQLite file only: start the writer thread now rather than at the first write, so that it loads
   * while the database migrates and the relay prepares to serve (open-database.ts, relay.ts); the relay
   * answers once its first log round, run on that thread, has committed.
   */
  readonly startWriterThread?: (() => void) | undefined;
  /** PostgreSQL only: how to open a dedicated connection (for LISTEN). */
  readonly pgConfig: pg.ClientConfig | undefined;
  close(): Promise<void>;
}

/** The query both engines answer {@link Database.directoryHead} with. */
export const DIRECTORY_HEAD_SQL =
  'select (select max(seq) from agreements) as agreements, (select max(seq) from statements) as statements, ' +
  '(select max(seq) from root_changes) as root_changes';

/** The {@link DirectoryHead} of a row of {@link DIRECTORY_HEAD_SQL} (either engine's number types). */
export function toDirectoryHead(
  row: { agreements: unknown; statements: unknown; root_changes: unknown } | undefined,
): DirectoryHead {
  return {
    agreements: Number(row?.agreements ?? 0),
    statements: Number(row?.statements ?? 0),
    rootChanges: Number(row?.root_changes ?? 0),
  };
}

/** Envelope bytes waiting for their recipients, of a sending device and of its unit. */
export interface QueuedBytes {
  device: number;
  unit: number;
}

/**
 * The query both engines answer {@link Database.queuedBytes} with, its parameters written `$unit`,
 * `$device`, `$now` (each engine's own placeholders replace them): the running totals of the unit's
 * devices (`queued_bytes`, kept by triggers on `packets`: migrations/queued-bytes.ts) less the packets
 * that have expired but are not swept yet, which the `packets_sender_expiry` index finds. Its cost does
 * not grow with the packets waiting, only with the devices of the unit and the packets expired since the
 * last sweep.
 */
export const QUEUED_BYTES_SQL =
  'select ' +
  '(select coalesce(sum(bytes), 0) from queued_bytes where unit = $unit and device = $device) - ' +
  '(select coalesce(sum(size), 0) from packets where sender_unit = $unit and expires_at <= $now ' +
  'and sender_device = $device) as device, ' +
  '(select coalesce(sum(bytes), 0) from queued_bytes where unit = $unit) - ' +
  '(select coalesce(sum(size), 0) from packets where sender_unit = $unit and expires_at <= $now) as unit';

/** The {@link QueuedBytes} of a row of {@link QUEUED_BYTES_SQL} (either engine's number types). */
export function toQueuedBytes(row: { device: unknown; unit: unknown } | undefined): QueuedBytes {
  return { device: Number(row?.device ?? 0), unit: Number(row?.unit ?? 0) };
}

/**
 * The query both engines answer {@link Database.operationalFigures} with. The count reads the
 * `inbox_expiry` index (kind first); the oldest delivery is the first packet row in `seq` order (the
 * primary key: rows are numbered as they are inserted); the log's figures are its newest checkpoint,
 * by primary key.
 */
export const OPERATIONAL_FIGURES_SQL =
  "select (select count(*) from inbox where kind = 'packet') as deliveries_waiting, " +
  "(select created_at from inbox where kind = 'packet' order by seq limit 1) as oldest_delivery_at, " +
  '(select size from log_checkpoints order by size desc limit 1) as log_size, ' +
  '(select created_at from log_checkpoints order by size desc limit 1) as last_checkpoint_at';

/** A row of {@link OPERATIONAL_FIGURES_SQL}, as either engine returns it. */
export interface OperationalFiguresRow {
  deliveries_waiting: unknown;
  oldest_delivery_at: unknown;
  log_size: unknown;
  last_checkpoint_at: unknown;
}

/** The {@link OperationalFigures} of a row of {@link OPERATIONAL_FIGURES_SQL} (either engine's number types). */
export function toOperationalFigures(row: OperationalFiguresRow | undefined): OperationalFigures {
  const optional = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));
  return {
    deliveriesWaiting: Number(row?.deliveries_waiting ?? 0),
    oldestDeliveryAt: optional(row?.oldest_delivery_at),
    logSize: Number(row?.log_size ?? 0),
    lastCheckpointAt: optional(row?.last_checkpoint_at),
  };
}
