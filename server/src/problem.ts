/**
 * The relay's answers to refusals (PROTOCOL.md §9): every refusal is an SDK `BryggaError` with a code
 * from the one error table (the SDK's `ERROR_TABLE`), and the single `onError` handler (error-handler.ts)
 * renders it as `application/problem+json` (RFC 9457) with the code's problem type, status and title.
 * Routes and storage throw domain errors and never choose a status.
 *
 * A {@link Problem} is a refusal that needs response headers of its own (`Retry-After`,
 * `WWW-Authenticate`). Anything that reaches `onError` and is not a BryggaError is a bug: it becomes a
 * 500 with a fixed detail and an error-level log, never a message a client could learn something from.
 */
import { BryggaError, ERROR_TABLE, type ErrorCode, problemType } from '@brygga/client-sdk';

/** The JSON body of a problem response (RFC 9457 §3; relay-api.schema.json#/$defs/Problem). */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
}

/**
 * A refusal with response headers of its own: `Retry-After` on `ERR_RATE_LIMITED` and
 * `ERR_UNAVAILABLE`, `WWW-Authenticate` on a refused device or admin token.
 *
 * @example
 * throw new Problem('ERR_RATE_LIMITED', 'too many requests; retry later', { headers: { 'retry-after': '3' } });
 */
export class Problem extends BryggaError {
  override readonly name = 'Problem';
  /** Extra response headers. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    detail: string,
    options: { headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(code, detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.headers = options.headers ?? {};
  }
}

/**
 * The RFC 9457 document for `err`. The detail is the error's message: SDK and relay messages name the
 * field or rule that failed and never carry secrets (every cryptographic failure has one fixed message).
 */
export function problemDocument(err: BryggaError): ProblemDocument {
  const { status, title } = ERROR_TABLE[err.code];
  return { type: problemType(err.code), title, status, detail: err.message };
}

/** The `application/problem+json` response for `err`, with a {@link Problem}'s own headers. */
export function problemResponse(err: BryggaError): Response {
  const document = problemDocument(err);
  return new Response(JSON.stringify(document), {
    status: document.status,
    headers: {
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...(err instanceof Problem ? err.headers : {}),
    },
  });
}
