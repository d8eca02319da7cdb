/**
 * Evidence of a relay's misbehaviour (PROTOCOL.md §19.7): what a client keeps when its log checks fail,
 * so that a third party can check the claim with nothing but the log's verifier key. Every
 * {@link LogError} carries one; the device stores it before the error reaches the case system.
 *
 * What makes it evidence is that the relay signed it: two signed checkpoints of one origin that no
 * consistency proof joins (same size, different roots; or a smaller one after a larger one), a signed
 * checkpoint and the entries or proof that fail to produce its root, or a signed checkpoint after whose
 * merge bound an accepted submission is still not in the log.
 */
import { BryggaError, type ErrorCode } from '../errors.js';

/** The error codes of the log checks. */
export type LogErrorCode = Extract<
  ErrorCode,
  | 'ERR_LOG_BAD_SIGNATURE'
  | 'ERR_LOG_ROLLBACK'
  | 'ERR_LOG_INCONSISTENT'
  | 'ERR_LOG_OMISSION'
  | 'ERR_LOG_UNEXPECTED_KEY'
>;

/** Every log error code, for guards and schemas. */
export const LOG_ERROR_CODES: readonly LogErrorCode[] = [
  'ERR_LOG_BAD_SIGNATURE',
  'ERR_LOG_ROLLBACK',
  'ERR_LOG_INCONSISTENT',
  'ERR_LOG_OMISSION',
  'ERR_LOG_UNEXPECTED_KEY',
];

/** A proof (or its absence) the relay gave, as it gave it (base64url hashes). */
export type LogProofEvidence =
  | { type: 'consistency'; from: number; to: number; proof: string[] | null; refusal?: string }
  | { type: 'inclusion'; leaf: string; index: number | null; size: number; proof: string[] | null }
  | { type: 'entries'; start: number; end: number; root: string };

/** What the evidence is about: a log entry (leaf kind and the 32-byte hash it names). */
export interface LogSubject {
  kind: 'agreement' | 'statement' | 'envelope';
  /** The hash the leaf names, base64url. */
  hash: string;
  /** The statement (compact JWS), when the subject is one. */
  jws?: string;
  /** For a submitted envelope: the relay's answer to the submission (`{id, digest, receivedAt, expiresAt}`). */
  receipt?: Record<string, unknown>;
  /** For an unexpected key: the device and key ids the statement names. */
  unit?: string;
  device?: string;
  key?: string;
  /** Leaf index, when known. */
  index?: number;
}

/** One piece of evidence. */
export interface LogEvidence {
  v: 1;
  kind: 'brygga.log-evidence';
  code: LogErrorCode;
  /** What failed, in words (no personal data). */
  detail: string;
  /** The log's verifier key (`<origin>+<key id>+<base64 key>`) the checkpoints are signed with. */
  logKey: string;
  /** Signed checkpoints (C2SP signed notes) as received, the one held first. */
  checkpoints: string[];
  proof?: LogProofEvidence;
  subject?: LogSubject;
  /** The device that found it (filled in by the client). */
  observer?: { unit: string; device: string };
  /** When it was found (ISO 8601; filled in by the client). */
  at?: string;
}

/** A failed log check, with its evidence. */
export class LogError extends BryggaError<LogErrorCode> {
  readonly evidence: LogEvidence;

  constructor(evidence: LogEvidence, options?: { cause?: unknown }) {
    super(evidence.code, `transparency log: ${evidence.detail}`, options);
    this.evidence = evidence;
  }
}

/** True when `err` is a {@link LogError}. */
export function isLogError(err: unknown): err is LogError {
  return err instanceof LogError;
}
