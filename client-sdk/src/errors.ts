/**
 * The SDK's one error class. Every refusal carries a stable string `code` from {@link ErrorCode};
 * callers branch on the code, never on the message.
 *
 * Cryptographic failures (decryption, signature, MAC, HPKE, key agreement) all share the single code
 * `ERR_CRYPTO` and one fixed message, so that nothing in an error tells an attacker which check failed.
 */
export type ErrorCode =
  /** Any decryption or verification failure. The message is fixed. */
  | 'ERR_CRYPTO'
  /** Input that is not of the expected shape or length (a programming or transport error). */
  | 'ERR_MALFORMED'
  /** A wire format version this SDK does not speak. */
  | 'ERR_UNSUPPORTED_VERSION'
  /** A passphrase did not open a key file (or the file was altered). */
  | 'ERR_WRONG_PASSPHRASE'
  /** A key id that the directory does not know. */
  | 'ERR_UNKNOWN_KEY'
  /** A key outside its validity period. */
  | 'ERR_KEY_EXPIRED'
  /** A key whose device has been revoked. */
  | 'ERR_KEY_REVOKED'
  /** A key, device or statement that does not chain to the pinned agreement. */
  | 'ERR_NOT_IN_AGREEMENT'
  /** An agreement document that is not validly signed by every party, or otherwise inconsistent. */
  | 'ERR_AGREEMENT_INVALID'
  /** This device is not among the envelope's recipients. */
  | 'ERR_NOT_A_RECIPIENT'
  /** A packet whose signed claims do not match its envelope (re-sent, re-routed or spliced). */
  | 'ERR_CLAIMS_MISMATCH'
  /** A limit (size, count) was exceeded. */
  | 'ERR_LIMIT'
  /** The relay refused a request (see `RelayError`: HTTP status and problem type). */
  | 'ERR_RELAY';

const CRYPTO_MESSAGE = 'cryptographic verification failed';

/** Base error of the Brygga SDK. */
export class BryggaError extends Error {
  override readonly name = 'BryggaError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code === 'ERR_CRYPTO' ? CRYPTO_MESSAGE : message, options);
    this.code = code;
  }
}

/**
 * The one error for every decryption or verification failure. The cause is deliberately dropped:
 * an underlying library's message could say which check failed.
 */
export function cryptoError(): BryggaError {
  return new BryggaError('ERR_CRYPTO', CRYPTO_MESSAGE);
}

/** True when `err` is a {@link BryggaError}, and when `code` is given, one with that code. */
export function isBryggaError(err: unknown, code?: ErrorCode): err is BryggaError {
  return err instanceof BryggaError && (code === undefined || err.code === code);
}
