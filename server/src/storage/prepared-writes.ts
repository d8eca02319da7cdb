/**
 * The relay's frequent writes as data: a submission,
 * a token id, an acknowledgement. Every request makes at least one of them, so each engine runs them
 * with statements prepared (SQLite) or compiled (PostgreSQL) once, instead of building queries with
 * Kysely per request; rarer writes (directory appends, sweeps) still go through `Database.write`.
 *
 * Being plain data (no closures), a write can also cross a thread: on a SQLite file the writes are
 * executed by a writer thread that owns the write connection (sqlite/sqlite-writer.ts), so neither the
 * SQL nor the commit's fsync runs on the event loop.
 *
 * Every implementation keeps the guarantees of relay-store.ts: a promise resolves only after the write
 * committed durably; expected outcomes (a replayed token id, a duplicate or conflicting packet id, a
 * delivery that is not there) are results, never errors; a write that fails stores nothing of itself.
 */

/** A token id to record, and until when (ms); `issuedAt` is the token's `iat` (seconds). */
export interface TokenRecord {
  device: string;
  jti: string;
  expiresAt: number;
  issuedAt: number;
}

/**
 * What recording a token id found: `fresh` (recorded now), `replayed` (used before); on PostgreSQL also
 * `uncertain` (its `iat` is at or below the floor set after the token ids were lost in a crash: it may
 * have been used before) and `emptied` (the token ids were lost in a crash and no relay has set the floor
 * yet: see {@link PreparedWrites.restoreTokens}). migrations/token-epoch.ts.
 */
export type TokenOutcome = 'fresh' | 'replayed' | 'uncertain' | 'emptied';

/** A submission, flattened for the engines. */
export interface SubmissionRecord {
  id: string;
  /** base64url SHA-256 of `envelope`. */
  digest: string;
  senderUnit: string;
  senderDevice: string;
  /** Recipient devices and their units, index by index. */
  recipientDevices: readonly string[];
  recipientUnits: readonly string[];
  envelope: Uint8Array;
  receivedAt: number;
  expiresAt: number;
  /** Recorded in the same transaction; when it was used before, nothing is stored. */
  token?: TokenRecord | undefined;
  /** PostgreSQL: send the inbox wake-ups (NOTIFY) from the same transaction. */
  notify?: boolean;
}

/** What the idempotency record says about an earlier submission of the same packet id. */
export interface EarlierSubmission {
  digest: string;
  receivedAt: number;
  expiresAt: number;
}

/** The outcome of storing a {@link SubmissionRecord}. */
export type SubmissionResult =
  | { status: 'created' }
  /** The id was taken before; `earlier.digest` tells a duplicate from a conflict. */
  | { status: 'exists'; earlier: EarlierSubmission }
  | { status: Exclude<TokenOutcome, 'fresh'> };

/** The frequent writes of one engine. Each resolves after its commit. */
export interface PreparedWrites {
  /** Store a packet, its idempotency record, its deliveries and the token id, or nothing. */
  submit(record: SubmissionRecord): Promise<SubmissionResult>;
  /** Record a token id (see {@link TokenOutcome}). */
  useToken(token: TokenRecord): Promise<TokenOutcome>;
  /**
   * PostgreSQL: after `emptied`, refuse every token whose `iat` is at or below `floor` (seconds) from now
   * on, durably, then record token ids again (migrations/token-epoch.ts).
   */
  restoreTokens?(floor: number): Promise<void>;
  /** Delete `device`'s delivery of packet `id`, and the packet when it was the last; false if none. */
  acknowledgePacket(device: string, id: string): Promise<boolean>;
  /** Delete `device`'s notice `id`; false if none. */
  acknowledgeNotice(device: string, id: string): Promise<boolean>;
}
