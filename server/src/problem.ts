/**
 * The relay's one error class and its RFC 9457 rendering (PROTOCOL.md §9). Routes throw a
 * {@link Problem} (or let an SDK `BryggaError` through); the single `onError` handler in app.ts turns
 * either into `application/problem+json` with a stable type `urn:brygga:problem:<code>`.
 *
 * Anything else that reaches `onError` is a bug: it becomes a 500 with a fixed detail and an
 * error-level log, never a message a client could learn something from.
 */
import { type BryggaError, type ErrorCode, PROBLEM_TYPE_PREFIX } from '@brygga/client-sdk';

/** Every problem code the relay answers with. The list is part of the API: codes are never renamed. */
export type ProblemCode =
  | 'malformed'
  | 'unsupported-version'
  | 'unsupported-media-type'
  | 'payload-too-large'
  | 'unauthorized'
  | 'token-replayed'
  | 'device-revoked'
  | 'unknown-device'
  | 'unknown-key'
  | 'key-expired'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'rate-limited'
  | 'too-many-recipients'
  | 'not-in-agreement'
  | 'invalid-signature'
  | 'agreement-missing'
  | 'agreement-invalid'
  | 'admin-disabled'
  | 'not-logged'
  | 'beyond-log'
  | 'unavailable'
  | 'internal';

const TITLES: Record<ProblemCode, [number, string]> = {
  malformed: [400, 'Malformed request'],
  'unsupported-version': [400, 'Unsupported version'],
  'unsupported-media-type': [415, 'Unsupported media type'],
  'payload-too-large': [413, 'Payload too large'],
  unauthorized: [401, 'Unauthorized'],
  'token-replayed': [401, 'Token already used'],
  'device-revoked': [403, 'Device revoked'],
  'unknown-device': [401, 'Unknown device'],
  'unknown-key': [422, 'Unknown encryption key'],
  'key-expired': [422, 'Encryption key not valid'],
  forbidden: [403, 'Forbidden'],
  'not-found': [404, 'Not found'],
  conflict: [409, 'Conflict'],
  'rate-limited': [429, 'Too many requests'],
  'too-many-recipients': [422, 'Too many recipients'],
  'not-in-agreement': [422, 'Not in the agreement'],
  'invalid-signature': [422, 'Invalid signature'],
  'agreement-missing': [503, 'No agreement installed'],
  'agreement-invalid': [422, 'Invalid agreement'],
  'admin-disabled': [403, 'Administration disabled'],
  'not-logged': [404, 'Not in the log'],
  'beyond-log': [422, 'Beyond the log'],
  unavailable: [503, 'Service unavailable'],
  internal: [500, 'Internal error'],
};

/** The JSON body of a problem response (RFC 9457 §3). */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
}

/** A refusal the relay answers with. `status` defaults to the code's usual status. */
export class Problem extends Error {
  override readonly name = 'Problem';
  readonly code: ProblemCode;
  readonly status: number;
  readonly detail: string;
  /** Extra response headers (`Retry-After`, `WWW-Authenticate`). */
  readonly headers: Record<string, string>;

  constructor(
    code: ProblemCode,
    detail: string,
    options: { status?: number; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? TITLES[code][0];
    this.detail = detail;
    this.headers = options.headers ?? {};
  }

  /** The problem type URI: `urn:brygga:problem:<code>`. */
  get type(): string {
    return `${PROBLEM_TYPE_PREFIX}${this.code}`;
  }

  /** The RFC 9457 document. */
  toJSON(): ProblemDocument {
    return { type: this.type, title: TITLES[this.code][1], status: this.status, detail: this.detail };
  }
}

/** How each SDK error code is answered at the HTTP edge. Codes the relay never raises are bugs. */
const SDK_CODES: Partial<Record<ErrorCode, ProblemCode>> = {
  ERR_MALFORMED: 'malformed',
  ERR_UNSUPPORTED_VERSION: 'unsupported-version',
  ERR_CRYPTO: 'invalid-signature',
  ERR_NOT_IN_AGREEMENT: 'not-in-agreement',
  ERR_KEY_REVOKED: 'device-revoked',
  ERR_UNKNOWN_KEY: 'unknown-device',
  ERR_KEY_EXPIRED: 'key-expired',
  ERR_AGREEMENT_INVALID: 'agreement-invalid',
  ERR_LIMIT: 'too-many-recipients',
};

/**
 * The problem for an SDK error, or undefined for codes the relay never expects (a bug). `status`
 * overrides the usual status: a malformed statement inside a well-formed body is 422, not 400.
 */
export function problemFromSdk(err: BryggaError, status?: number): Problem | undefined {
  const code = SDK_CODES[err.code];
  if (!code) return undefined;
  // SDK messages name the field or rule that failed and never carry secrets (crypto errors are fixed).
  return new Problem(code, err.message, { cause: err, ...(status === undefined ? {} : { status }) });
}
