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
  | 'ERR_RELAY'
  // Workflow rules (PROTOCOL.md §12–17). Each names the rule that refused.
  /** Personal data without a consent attestation in the case (and no recorded legal basis). */
  | 'ERR_CONSENT_MISSING'
  /** Personal data relying on consent after the consent was withdrawn. */
  | 'ERR_CONSENT_WITHDRAWN'
  /** A consent that does not cover the recipient, the case, the police, or was not given by the home unit. */
  | 'ERR_CONSENT_SCOPE'
  /** Personal data relying on a consent outside its validity period. */
  | 'ERR_CONSENT_EXPIRED'
  /**
   * A referral precondition dated after the referral (PROTOCOL.md §14.3): a police consultation, the
   * motivation assessment, the children check or the consent given later than the referral's day. The
   * message names the field.
   */
  | 'ERR_PRECONDITION_DATE'
  /** A referral without approved police consultation (samråd) in both municipalities. */
  | 'ERR_POLICE_CONSULTATION_MISSING'
  /** A referral without an assessment that the person is motivated to change. */
  | 'ERR_MOTIVATION_MISSING'
  /** A referral of a person responsible for children. */
  | 'ERR_CHILDREN_RESPONSIBILITY'
  /** A referral whose temporary housing is not arranged by the home municipality. */
  | 'ERR_HOUSING_NOT_ARRANGED'
  /** A referral of a category (avhoppare, skyddsärende) the agreement does not admit. */
  | 'ERR_CATEGORY_NOT_ADMITTED'
  /** A referral at a threat level the agreement does not admit. */
  | 'ERR_THREAT_LEVEL_NOT_ADMITTED'
  /** A service that is not in the agreement's catalogue (insatskatalog). */
  | 'ERR_SERVICE_NOT_IN_CATALOGUE'
  /** Costs reported for a service that is not in the case's implementation plan. */
  | 'ERR_SERVICE_NOT_IN_PLAN'
  /** A referral or plan outside the period of every accepted agreement. */
  | 'ERR_OUTSIDE_PERIOD'
  /** A referral beyond a municipality's outgoing or incoming quota. */
  | 'ERR_QUOTA_EXCEEDED'
  /** A quota claim or release that does not verify, or does not commit to its case. */
  | 'ERR_QUOTA_CLAIM'
  /** A packet the case workflow does not allow in the case's current state. */
  | 'ERR_INVALID_TRANSITION'
  /** A packet sent, signed or addressed by a unit that may not make it in this case. */
  | 'ERR_WRONG_PARTY'
  /** A case packet whose predecessor already has a successor (a fork of the case log). */
  | 'ERR_CASE_FORK'
  /** A case packet whose predecessor is unknown (a gap in the case log). */
  | 'ERR_CASE_GAP'
  /** A case log whose packets are out of order. */
  | 'ERR_CASE_ORDER'
  /** A packet of another case spliced into a case log. */
  | 'ERR_CASE_SPLICE'
  /**
   * A packet this device signed that waited so long to reach the relay that its receivers would refuse
   * its signing time (PROTOCOL.md §7.5 step 7, §13.5): it is undone instead of sent.
   */
  | 'ERR_PACKET_STALE'
  /** A packet that was already received or applied. */
  | 'ERR_REPLAY'
  /** A receipt that does not name a packet sent to its signer exactly as sent. */
  | 'ERR_RECEIPT_MISMATCH'
  /** A case this device does not know. */
  | 'ERR_UNKNOWN_CASE'
  /** A reconciliation (avstämning) whose figures differ from this unit's own records. */
  | 'ERR_RECONCILIATION_MISMATCH'
  /** An evidence bundle that is incomplete or inconsistent (signatures failing are ERR_CRYPTO). */
  | 'ERR_EVIDENCE_INVALID'
  /** The local store failed (a migration, or a database that refused a write). */
  | 'ERR_STORE'
  // Key transparency (PROTOCOL.md §18–19). Each comes with evidence kept in the store.
  /** A checkpoint not signed by the pinned log key, or a log key other than the pinned one. */
  | 'ERR_LOG_BAD_SIGNATURE'
  /** A checkpoint smaller than one the relay already showed this device: the log was rewound. */
  | 'ERR_LOG_ROLLBACK'
  /** Two signed checkpoints no consistency proof joins (a split view or a fork), or entries that do not make the signed root. */
  | 'ERR_LOG_INCONSISTENT'
  /** Something that must be logged is not within the bound, or its inclusion proof does not verify. */
  | 'ERR_LOG_OMISSION'
  /** The log holds a key for this device's unit that the unit did not publish (monitor alert). */
  | 'ERR_LOG_UNEXPECTED_KEY';

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
