/**
 * What a database failure is, named for what it is (PROTOCOL.md §9.1): a full disk is not an unreachable
 * database, and a busy one is neither. The error handler answers each with its own problem and detail,
 * and the relay's log names it, from the driver's error code (better-sqlite3's `SQLITE_*`, node-postgres's
 * SQLSTATE and Node's socket errors).
 */

/** The kinds of database failure that are an outage, not a bug. */
export type DatabaseFailureKind = 'storage-full' | 'unreachable' | 'busy' | 'io' | 'overloaded';

/** A database failure: its kind, the line the relay logs, and what a client is told. */
export interface DatabaseFailure {
  kind: DatabaseFailureKind;
  /** The relay's log message (warn level). */
  log: string;
  /** The problem detail. */
  detail: string;
  /** The relay's log message when it is over (warn level, with how long it lasted). */
  recovered: string;
}

const FAILURES: Record<DatabaseFailureKind, Omit<DatabaseFailure, 'kind'>> = {
  'storage-full': {
    log: 'storage full',
    recovered: 'storage available again',
    detail: 'the relay is out of storage: it takes no new packets until space is freed; retry later',
  },
  unreachable: {
    log: 'database unreachable',
    recovered: 'database reachable again',
    detail: 'the relay cannot reach its database; retry later',
  },
  busy: {
    log: 'database busy',
    recovered: 'database no longer busy',
    detail: 'the relay database is busy; retry later',
  },
  io: {
    log: 'database file cannot be read or written',
    recovered: 'database file readable and writable again',
    detail: 'the relay cannot read or write its database file; retry later',
  },
  overloaded: {
    log: 'database refuses connections',
    recovered: 'database accepting connections again',
    detail: 'the relay database refuses more connections or is shutting down; retry later',
  },
};

/** SQLite's and PostgreSQL's codes for a full disk (SQLSTATE 53100 disk_full). */
const STORAGE_FULL = new Set(['SQLITE_FULL', '53100']);
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);
const OVERLOADED = new Set(['57P01', '57P02', '57P03', '53300']);

/**
 * pg's error for a statement on a connection that an earlier error ended (a session PostgreSQL
 * terminated while the connection was lent out, postgres/postgres-database.ts). It has no code of its
 * own; the connection is gone, as with a reset.
 */
const PG_NOT_QUERYABLE = 'Client has encountered a connection error and is not queryable';

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return err instanceof Error && err.message === PG_NOT_QUERYABLE ? 'ECONNRESET' : undefined;
}

/** The recovery message of a failure's log message ({@link DatabaseFailure.log}). */
export function recoveryMessage(log: string): string {
  return Object.values(FAILURES).find((f) => f.log === log)?.recovered ?? `${log}: over`;
}

/** Whether `err` is a full disk (or a database that cannot grow). */
export function isStorageFull(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && STORAGE_FULL.has(code);
}

/**
 * The database failure `err` is, or undefined when it is none (a bug, or a refusal).
 *
 * @example
 * const failure = databaseFailure(err); // { kind: 'storage-full', log: 'storage full', detail: '…' }
 */
export function databaseFailure(err: unknown): DatabaseFailure | undefined {
  const code = codeOf(err);
  let kind: DatabaseFailureKind | undefined;
  if (code === undefined) return undefined;
  if (STORAGE_FULL.has(code)) kind = 'storage-full';
  else if (UNREACHABLE.has(code)) kind = 'unreachable';
  else if (OVERLOADED.has(code)) kind = 'overloaded';
  else if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_')) kind = 'busy';
  else if (code.startsWith('SQLITE_IOERR')) kind = 'io';
  return kind === undefined ? undefined : { kind, ...FAILURES[kind] };
}
