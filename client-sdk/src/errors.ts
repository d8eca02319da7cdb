/**
 * The SDK's one error vocabulary (PROTOCOL.md §9.1). Every refusal is a {@link BryggaError} carrying a
 * stable string `code` from {@link ErrorCode}; callers branch on the code, never on the message.
 *
 * Every code has exactly one problem code, the `type` of an RFC 9457 problem document
 * (`urn:brygga:problem:<code>`), an HTTP status and a title: {@link ERROR_TABLE}. The relay answers every
 * refusal from this table; the SDK reads a relay's problem back into the error code
 * (`RelayError.errorCode`); and a case system can answer its own callers with the same codes over its own
 * HTTP API, which is why codes the relay never raises have a problem code and a status too. The mapping
 * is one-to-one: no two error codes share a problem code. Problem codes are API: they are never renamed,
 * and a new meaning gets a new code.
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
  /** A key id that the directory does not know: a device's, or an encryption key's. */
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
  /** An HPKE context's message limit was reached (RFC 9180 §5.2, MessageLimitReachedError). */
  | 'ERR_LIMIT'
  /** More recipient devices than a packet may have (PROTOCOL.md §7.1), or than the relay accepts. */
  | 'ERR_TOO_MANY_RECIPIENTS'
  /** An HPKE key publication for a device that has as many unexpired keys as the relay admits. */
  | 'ERR_TOO_MANY_KEYS'
  /** A Merkle proof of the wrong length, or tree sizes and indexes no proof can have (RFC 9162 §2.1). */
  | 'ERR_PROOF_INVALID'
  /** The relay refused a request (see `RelayError`: HTTP status, problem type and its error code). */
  | 'ERR_RELAY'
  /** The relay could not be reached. */
  | 'ERR_RELAY_UNREACHABLE'
  // The relay's refusals (PROTOCOL.md §8–9). A case system may answer its own callers with them too.
  /** A request body of a media type the call does not take. */
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  /** A request body over the call's size limit. */
  | 'ERR_PAYLOAD_TOO_LARGE'
  /** A request whose line and headers exceed what the relay reads. */
  | 'ERR_HEADERS_TOO_LARGE'
  /** A request not received in time: headers or body stopped arriving. */
  | 'ERR_REQUEST_TIMEOUT'
  /** A missing, malformed, wrongly signed, expired or otherwise unacceptable credential. */
  | 'ERR_UNAUTHORIZED'
  /** A device token whose id was used before. */
  | 'ERR_TOKEN_REPLAYED'
  /**
   * A device token the relay cannot yet tell from one it accepted before it restarted (PROTOCOL.md §8):
   * its `iat` is at or below the device's token ceiling. A fresh token passes after `Retry-After`.
   */
  | 'ERR_TOKEN_UNCERTAIN'
  /**
   * A device token whose time is outside the relay's window (PROTOCOL.md §8): the device's clock is ahead
   * of the relay's or behind it by more than the tolerance. The relay's `Date` header gives its time.
   */
  | 'ERR_CLOCK_SKEW'
  /** A device token from a key id that names no enrolled device. */
  | 'ERR_UNKNOWN_DEVICE'
  /** A call from a device that has been revoked. */
  | 'ERR_DEVICE_REVOKED'
  /** A call from a device whose unit is not a party to the agreement in force. */
  | 'ERR_DEVICE_NOT_IN_AGREEMENT'
  /** A call the caller may not make (e.g. an envelope naming another sender). */
  | 'ERR_FORBIDDEN'
  /** No such resource, or none the caller may see. */
  | 'ERR_NOT_FOUND'
  /** An id already taken by different content. */
  | 'ERR_CONFLICT'
  /** Too many requests; retry after the number of seconds the answer gives. */
  | 'ERR_RATE_LIMITED'
  /** A sending device or unit whose packets waiting for their recipients take up the relay's quota. */
  | 'ERR_SENDER_QUOTA'
  /** A directory statement, inside a well-formed request, that is not of the form PROTOCOL.md §6 gives. */
  | 'ERR_MALFORMED_STATEMENT'
  /** No agreement is installed yet. */
  | 'ERR_AGREEMENT_MISSING'
  /** Administration is not enabled (no admin token is configured). */
  | 'ERR_ADMIN_DISABLED'
  /** A leaf that is not in the transparency log at the size asked for. */
  | 'ERR_NOT_LOGGED'
  /** A tree size beyond the transparency log's. */
  | 'ERR_BEYOND_LOG'
  /** A service that cannot answer now (its database, or a log without a checkpoint yet); retry later. */
  | 'ERR_UNAVAILABLE'
  /**
   * The relay is out of storage (a full disk): it takes no new packets until space is freed, while
   * reads and acknowledgements go on; retry after the seconds the answer gives.
   */
  | 'ERR_STORAGE_FULL'
  /** A failure that is a bug; it says nothing more. */
  | 'ERR_INTERNAL'
  /** A configuration that cannot be used (a setting out of range, a secret file that cannot be read). */
  | 'ERR_CONFIG'
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
   * target-group assessment, the children check or the consent given later than the referral's day. The
   * message names the field.
   */
  | 'ERR_PRECONDITION_DATE'
  /** A referral without the police consultation (samråd) in both municipalities that the terms require. */
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
  /**
   * A unit's signed figures (PROTOCOL.md §21) that are not those of the unit, municipality, agreement
   * period and threshold they name (signatures failing are ERR_CRYPTO).
   */
  | 'ERR_FIGURES_INVALID'
  /**
   * A service the receiving municipality does not itself offer (its `offers` in the agreement,
   * PROTOCOL.md §5.5): the cooperation agreement puts no duty on it to procure others.
   */
  | 'ERR_SERVICE_NOT_OFFERED'
  /**
   * A case packet sealed to a device outside the case's circle, a packet for a case this device is not
   * in the circle of, or an assignment by a device outside its unit's circle (PROTOCOL.md §13.6).
   */
  | 'ERR_OUTSIDE_CIRCLE'
  /**
   * A follow-up or cost report without an implementation plan the receiving unit agreed to, or for a
   * service only in a plan it has not agreed to (PROTOCOL.md §14.6): the plan is agreed, not imposed.
   */
  | 'ERR_PLAN_NOT_AGREED'
  /** The local store failed (a migration, or a database that refused a write). */
  | 'ERR_STORE'
  /**
   * A referral without the police approval (godkännande) the agreement's terms require for its category
   * or threat level, in both municipalities (PROTOCOL.md §5.4, §14.3).
   */
  | 'ERR_POLICE_APPROVAL_MISSING'
  /** A referral of a person who does not meet a target-group criterion (målgrupp); the message names it. */
  | 'ERR_TARGET_GROUP_NOT_MET'
  /**
   * An acceptance without the advance notice of the planned relocation area to the body the receiving
   * municipality's terms name (`relocationNotice`; PROTOCOL.md §5.5, §14.6).
   */
  | 'ERR_RELOCATION_NOT_NOTIFIED'
  /** An acceptance whose check of the planned relocation area is not cleared (PROTOCOL.md §14.6). */
  | 'ERR_RELOCATION_NOT_CLEARED'
  /**
   * An acceptance or implementation plan of a case marked special without the assessment of the body
   * the municipality's terms name (`specialCases`; PROTOCOL.md §5.5, §14.6 (4)).
   */
  | 'ERR_SPECIAL_CASE_NOT_ASSESSED'
  /**
   * An answer to an urgent child notice that does not settle the responsibility: which municipality of the
   * case takes which responsibility, who and from when (PROTOCOL.md §14.7).
   */
  | 'ERR_CHILD_NOTICE_UNSETTLED'
  /** An answer to a child notice that names no unanswered notice of the other unit (PROTOCOL.md §14.7). */
  | 'ERR_CHILD_NOTICE_UNKNOWN'
  /** An implementation plan while an urgent child notice of the case is unanswered (PROTOCOL.md §14.7). */
  | 'ERR_CHILD_NOTICE_OPEN'
  /**
   * A referral relying on a deviation (avsteg) from a rule the agreement's terms do not list as deviable
   * (`deviations.deviable`, PROTOCOL.md §5.4, §14.8).
   */
  | 'ERR_DEVIATION_NOT_ALLOWED'
  /**
   * A referral without the person's group affiliation where the receiving municipality's terms require
   * the rival-group check (`rivalCheck`; PROTOCOL.md §5.5, §14.6 (5)).
   */
  | 'ERR_GROUP_AFFILIATION_MISSING'
  /**
   * An acceptance without the receiving unit's rival-group check where the receiving municipality's
   * terms require it (`rivalCheck`; PROTOCOL.md §5.5, §14.6 (5)).
   */
  | 'ERR_RIVAL_CHECK_MISSING'
  /**
   * A check recorded as "no conflict" while the receiving unit's own list of known groups shows one: the
   * conflict and a decision must be recorded (PROTOCOL.md §14.6 (5)). Local: the list never leaves the unit.
   */
  | 'ERR_RIVAL_CONFLICT_UNRECORDED'
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
  | 'ERR_LOG_UNEXPECTED_KEY'
  /** A replayed log entry that does not make the checkpoint it is under (`brygga log verify`). */
  | 'ERR_LOG_DISCREPANCY'
  // The command line (`brygga`, README "Setting up a deployment with the CLI") and the console.
  /** A command line that does not parse: unknown command or option, missing argument (exit 2). */
  | 'ERR_USAGE'
  /** Stopped by the user (Ctrl-C) before anything was signed or sent. */
  | 'ERR_INTERRUPTED'
  /** A file that cannot be read. */
  | 'ERR_FILE'
  /** A file or device that already exists and is never overwritten by accident. */
  | 'ERR_EXISTS'
  /** No enrolled device where one is needed. */
  | 'ERR_NO_DEVICE'
  /** A passphrase is needed and none was given (no terminal, no BRYGGA_PASSPHRASE). */
  | 'ERR_NO_PASSPHRASE'
  /** A new passphrase shorter than the minimum. */
  | 'ERR_WEAK_PASSPHRASE'
  /** A new passphrase typed twice differently. */
  | 'ERR_PASSPHRASE_MISMATCH'
  /** An administrator call without BRYGGA_ADMIN_TOKEN. */
  | 'ERR_NO_ADMIN_TOKEN'
  /** A question at the prompt left without an answer (input ended). */
  | 'ERR_NO_ANSWER'
  /** A summary not confirmed with `y`: nothing was sent. */
  | 'ERR_NOT_CONFIRMED'
  /** The coordinators' console has no users yet. */
  | 'ERR_NO_USERS'
  /** A console user name that is not a user of the console. */
  | 'ERR_UNKNOWN_USER';

/** Prefix of every problem type: `urn:brygga:problem:<problem code>`. */
export const PROBLEM_TYPE_PREFIX = 'urn:brygga:problem:';

/** The problem code, HTTP status and title of an error code. */
export interface ErrorTableRow<P extends string = string> {
  /** The problem code: kebab-case, the last part of the problem type. */
  problem: P;
  /** The HTTP status it is answered with. */
  status: number;
  /** The problem document's `title`: short, the same for every occurrence. */
  title: string;
}

const TABLE = {
  // Input, versions and cryptography.
  ERR_MALFORMED: { problem: 'malformed', status: 400, title: 'Malformed request' },
  ERR_UNSUPPORTED_VERSION: { problem: 'unsupported-version', status: 400, title: 'Unsupported version' },
  ERR_CRYPTO: { problem: 'invalid-signature', status: 422, title: 'Invalid signature' },
  ERR_WRONG_PASSPHRASE: { problem: 'wrong-passphrase', status: 403, title: 'Wrong passphrase' },
  ERR_LIMIT: { problem: 'hpke-message-limit', status: 500, title: 'HPKE message limit reached' },
  ERR_PROOF_INVALID: { problem: 'proof-invalid', status: 422, title: 'Invalid Merkle proof' },
  // Keys, devices and the agreement.
  ERR_UNKNOWN_KEY: { problem: 'unknown-key', status: 422, title: 'Unknown key' },
  ERR_KEY_EXPIRED: { problem: 'key-expired', status: 422, title: 'Encryption key not valid' },
  ERR_KEY_REVOKED: { problem: 'key-revoked', status: 422, title: 'Key revoked' },
  ERR_NOT_IN_AGREEMENT: { problem: 'not-in-agreement', status: 422, title: 'Not in the agreement' },
  ERR_AGREEMENT_INVALID: { problem: 'agreement-invalid', status: 422, title: 'Invalid agreement' },
  ERR_MALFORMED_STATEMENT: { problem: 'malformed-statement', status: 422, title: 'Malformed statement' },
  ERR_NOT_A_RECIPIENT: { problem: 'not-a-recipient', status: 422, title: 'Not a recipient' },
  ERR_CLAIMS_MISMATCH: { problem: 'claims-mismatch', status: 422, title: 'Claims do not match the envelope' },
  ERR_TOO_MANY_RECIPIENTS: { problem: 'too-many-recipients', status: 422, title: 'Too many recipients' },
  ERR_TOO_MANY_KEYS: { problem: 'too-many-keys', status: 422, title: 'Too many encryption keys' },
  // The relay's refusals.
  ERR_UNSUPPORTED_MEDIA_TYPE: {
    problem: 'unsupported-media-type',
    status: 415,
    title: 'Unsupported media type',
  },
  ERR_PAYLOAD_TOO_LARGE: { problem: 'payload-too-large', status: 413, title: 'Payload too large' },
  ERR_HEADERS_TOO_LARGE: { problem: 'headers-too-large', status: 431, title: 'Request headers too large' },
  ERR_REQUEST_TIMEOUT: { problem: 'request-timeout', status: 408, title: 'Request timeout' },
  ERR_UNAUTHORIZED: { problem: 'unauthorized', status: 401, title: 'Unauthorized' },
  ERR_TOKEN_REPLAYED: { problem: 'token-replayed', status: 401, title: 'Token already used' },
  ERR_TOKEN_UNCERTAIN: { problem: 'token-uncertain', status: 503, title: 'Token cannot be checked yet' },
  ERR_CLOCK_SKEW: { problem: 'clock-skew', status: 401, title: "Device's clock is off" },
  ERR_UNKNOWN_DEVICE: { problem: 'unknown-device', status: 401, title: 'Unknown device' },
  ERR_DEVICE_REVOKED: { problem: 'device-revoked', status: 403, title: 'Device revoked' },
  ERR_DEVICE_NOT_IN_AGREEMENT: {
    problem: 'device-not-in-agreement',
    status: 403,
    title: "Device's unit not in the agreement",
  },
  ERR_FORBIDDEN: { problem: 'forbidden', status: 403, title: 'Forbidden' },
  ERR_ADMIN_DISABLED: { problem: 'admin-disabled', status: 403, title: 'Administration disabled' },
  ERR_NOT_FOUND: { problem: 'not-found', status: 404, title: 'Not found' },
  ERR_CONFLICT: { problem: 'conflict', status: 409, title: 'Conflict' },
  ERR_RATE_LIMITED: { problem: 'rate-limited', status: 429, title: 'Too many requests' },
  ERR_SENDER_QUOTA: { problem: 'sender-quota-exceeded', status: 429, title: 'Sender quota exceeded' },
  ERR_NOT_LOGGED: { problem: 'not-logged', status: 404, title: 'Not in the log' },
  ERR_BEYOND_LOG: { problem: 'beyond-log', status: 422, title: 'Beyond the log' },
  ERR_AGREEMENT_MISSING: { problem: 'agreement-missing', status: 503, title: 'No agreement installed' },
  ERR_UNAVAILABLE: { problem: 'unavailable', status: 503, title: 'Service unavailable' },
  ERR_STORAGE_FULL: { problem: 'insufficient-storage', status: 507, title: 'Insufficient storage' },
  ERR_INTERNAL: { problem: 'internal', status: 500, title: 'Internal error' },
  ERR_CONFIG: { problem: 'invalid-config', status: 500, title: 'Invalid configuration' },
  // A relay as the SDK meets it.
  ERR_RELAY: { problem: 'relay-refused', status: 502, title: 'Refused by the relay' },
  ERR_RELAY_UNREACHABLE: { problem: 'unreachable', status: 502, title: 'Relay unreachable' },
  // Workflow rules (PROTOCOL.md §12–17).
  ERR_CONSENT_MISSING: { problem: 'consent-missing', status: 422, title: 'Consent missing' },
  ERR_CONSENT_WITHDRAWN: { problem: 'consent-withdrawn', status: 422, title: 'Consent withdrawn' },
  ERR_CONSENT_SCOPE: { problem: 'consent-scope', status: 422, title: 'Consent does not cover this' },
  ERR_CONSENT_EXPIRED: { problem: 'consent-expired', status: 422, title: 'Consent not valid now' },
  ERR_POLICE_CONSULTATION_MISSING: {
    problem: 'police-consultation-missing',
    status: 422,
    title: 'Police consultation missing',
  },
  ERR_MOTIVATION_MISSING: { problem: 'motivation-missing', status: 422, title: 'Motivation not assessed' },
  ERR_CHILDREN_RESPONSIBILITY: {
    problem: 'children-responsibility',
    status: 422,
    title: 'Responsible for children',
  },
  ERR_HOUSING_NOT_ARRANGED: { problem: 'housing-not-arranged', status: 422, title: 'Housing not arranged' },
  ERR_PRECONDITION_DATE: {
    problem: 'precondition-date',
    status: 422,
    title: 'Precondition dated after the packet',
  },
  ERR_CATEGORY_NOT_ADMITTED: {
    problem: 'category-not-admitted',
    status: 422,
    title: 'Category not admitted',
  },
  ERR_THREAT_LEVEL_NOT_ADMITTED: {
    problem: 'threat-level-not-admitted',
    status: 422,
    title: 'Threat level not admitted',
  },
  ERR_SERVICE_NOT_IN_CATALOGUE: {
    problem: 'service-not-in-catalogue',
    status: 422,
    title: 'Service not in the catalogue',
  },
  ERR_SERVICE_NOT_IN_PLAN: { problem: 'service-not-in-plan', status: 422, title: 'Service not in the plan' },
  ERR_OUTSIDE_PERIOD: { problem: 'outside-period', status: 422, title: 'Outside the agreement period' },
  ERR_QUOTA_EXCEEDED: { problem: 'quota-exceeded', status: 422, title: 'Quota exceeded' },
  ERR_QUOTA_CLAIM: { problem: 'quota-claim-invalid', status: 422, title: 'Invalid quota claim' },
  ERR_INVALID_TRANSITION: { problem: 'invalid-transition', status: 409, title: 'Not allowed in this state' },
  ERR_WRONG_PARTY: { problem: 'wrong-party', status: 403, title: 'Wrong party' },
  ERR_CASE_FORK: { problem: 'case-fork', status: 409, title: 'Case log forked' },
  ERR_CASE_GAP: { problem: 'case-gap', status: 409, title: 'Gap in the case log' },
  ERR_CASE_ORDER: { problem: 'case-order', status: 409, title: 'Case log out of order' },
  ERR_CASE_SPLICE: { problem: 'case-splice', status: 422, title: 'Packet of another case' },
  ERR_PACKET_STALE: { problem: 'packet-stale', status: 422, title: 'Packet too old to send' },
  ERR_REPLAY: { problem: 'replayed', status: 409, title: 'Already received' },
  ERR_RECEIPT_MISMATCH: { problem: 'receipt-mismatch', status: 422, title: 'Receipt does not match' },
  ERR_UNKNOWN_CASE: { problem: 'unknown-case', status: 404, title: 'Unknown case' },
  ERR_RECONCILIATION_MISMATCH: {
    problem: 'reconciliation-mismatch',
    status: 422,
    title: 'Reconciliation differs from the records',
  },
  ERR_EVIDENCE_INVALID: { problem: 'evidence-invalid', status: 422, title: 'Invalid evidence' },
  ERR_FIGURES_INVALID: { problem: 'figures-invalid', status: 422, title: 'Unit figures do not match' },
  ERR_SERVICE_NOT_OFFERED: {
    problem: 'service-not-offered',
    status: 422,
    title: 'Service not offered by the receiving municipality',
  },
  ERR_OUTSIDE_CIRCLE: { problem: 'outside-circle', status: 403, title: "Outside the case's circle" },
  ERR_PLAN_NOT_AGREED: { problem: 'plan-not-agreed', status: 422, title: 'Plan not agreed' },
  ERR_STORE: { problem: 'store-failed', status: 500, title: 'Local store failed' },
  ERR_POLICE_APPROVAL_MISSING: {
    problem: 'police-approval-missing',
    status: 422,
    title: 'Police approval missing',
  },
  ERR_TARGET_GROUP_NOT_MET: {
    problem: 'target-group-not-met',
    status: 422,
    title: 'Not in the target group',
  },
  ERR_RELOCATION_NOT_NOTIFIED: {
    problem: 'relocation-not-notified',
    status: 422,
    title: 'Relocation area not notified',
  },
  ERR_RELOCATION_NOT_CLEARED: {
    problem: 'relocation-not-cleared',
    status: 422,
    title: 'Relocation area not cleared',
  },
  ERR_SPECIAL_CASE_NOT_ASSESSED: {
    problem: 'special-case-not-assessed',
    status: 422,
    title: 'Special case not assessed',
  },
  ERR_CHILD_NOTICE_UNSETTLED: {
    problem: 'child-notice-unsettled',
    status: 422,
    title: 'Responsibility for the child not settled',
  },
  ERR_CHILD_NOTICE_UNKNOWN: {
    problem: 'child-notice-unknown',
    status: 422,
    title: 'No open child notice to answer',
  },
  ERR_CHILD_NOTICE_OPEN: { problem: 'child-notice-open', status: 409, title: 'Child notice unanswered' },
  ERR_DEVIATION_NOT_ALLOWED: {
    problem: 'deviation-not-allowed',
    status: 422,
    title: 'Deviation not allowed',
  },
  ERR_GROUP_AFFILIATION_MISSING: {
    problem: 'group-affiliation-missing',
    status: 422,
    title: 'Group affiliation missing',
  },
  ERR_RIVAL_CHECK_MISSING: {
    problem: 'rival-check-missing',
    status: 422,
    title: 'Rival-group check missing',
  },
  ERR_RIVAL_CONFLICT_UNRECORDED: {
    problem: 'rival-conflict-unrecorded',
    status: 422,
    title: 'Rival-group conflict not recorded',
  },
  // Key transparency (PROTOCOL.md §18–19): the relay's log failed a check.
  ERR_LOG_BAD_SIGNATURE: { problem: 'log-bad-signature', status: 502, title: 'Log checkpoint not signed' },
  ERR_LOG_ROLLBACK: { problem: 'log-rollback', status: 502, title: 'Log rolled back' },
  ERR_LOG_INCONSISTENT: { problem: 'log-inconsistent', status: 502, title: 'Log inconsistent' },
  ERR_LOG_OMISSION: { problem: 'log-omission', status: 502, title: 'Missing from the log' },
  ERR_LOG_UNEXPECTED_KEY: { problem: 'log-unexpected-key', status: 502, title: 'Unexpected key in the log' },
  ERR_LOG_DISCREPANCY: {
    problem: 'log-discrepancy',
    status: 502,
    title: 'Log does not match its checkpoint',
  },
  // The command line and the coordinators' console.
  ERR_USAGE: { problem: 'usage', status: 400, title: 'Usage error' },
  ERR_INTERRUPTED: { problem: 'interrupted', status: 400, title: 'Interrupted' },
  ERR_FILE: { problem: 'file-unreadable', status: 400, title: 'File cannot be read' },
  ERR_EXISTS: { problem: 'already-exists', status: 409, title: 'Already exists' },
  ERR_NO_DEVICE: { problem: 'no-device', status: 404, title: 'No enrolled device' },
  ERR_NO_PASSPHRASE: { problem: 'passphrase-missing', status: 400, title: 'Passphrase missing' },
  ERR_WEAK_PASSPHRASE: { problem: 'weak-passphrase', status: 422, title: 'Passphrase too short' },
  ERR_PASSPHRASE_MISMATCH: { problem: 'passphrase-mismatch', status: 422, title: 'Passphrases differ' },
  ERR_NO_ADMIN_TOKEN: { problem: 'admin-token-missing', status: 400, title: 'Admin token missing' },
  ERR_NO_ANSWER: { problem: 'no-answer', status: 400, title: 'No answer' },
  ERR_NOT_CONFIRMED: { problem: 'not-confirmed', status: 400, title: 'Not confirmed' },
  ERR_NO_USERS: { problem: 'no-users', status: 409, title: 'No console users' },
  ERR_UNKNOWN_USER: { problem: 'unknown-user', status: 404, title: 'Unknown user' },
} as const satisfies Record<ErrorCode, ErrorTableRow>;

/** Every problem code: the `<code>` of `urn:brygga:problem:<code>`. */
export type ProblemCode = (typeof TABLE)[ErrorCode]['problem'];

/**
 * The problem code, HTTP status and title of every error code (PROTOCOL.md §9).
 *
 * @example
 * import { ERROR_TABLE } from '@brygga/client-sdk';
 * ERROR_TABLE.ERR_TOKEN_REPLAYED; // { problem: 'token-replayed', status: 401, title: 'Token already used' }
 */
export const ERROR_TABLE: Readonly<Record<ErrorCode, Readonly<ErrorTableRow<ProblemCode>>>> = TABLE;

/** Every error code, in the table's order. */
export const ERROR_CODES = Object.keys(TABLE) as readonly ErrorCode[];

/** Every problem code, in the table's order. */
export const PROBLEM_CODES: readonly ProblemCode[] = ERROR_CODES.map((code) => TABLE[code].problem);

const BY_PROBLEM = new Map<string, ErrorCode>(ERROR_CODES.map((code) => [TABLE[code].problem, code]));

/** The problem type URI of an error code: `urn:brygga:problem:<problem code>`. */
export function problemType(code: ErrorCode): string {
  return `${PROBLEM_TYPE_PREFIX}${TABLE[code].problem}`;
}

/** The error code a problem code stands for, or undefined for a problem code not in the table. */
export function errorCodeOf(problem: string): ErrorCode | undefined {
  return BY_PROBLEM.get(problem);
}

/** The problem code of a problem type URI, or undefined when it is not one of {@link PROBLEM_CODES}. */
export function problemCodeOf(type: string): ProblemCode | undefined {
  if (!type.startsWith(PROBLEM_TYPE_PREFIX)) return undefined;
  const code = errorCodeOf(type.slice(PROBLEM_TYPE_PREFIX.length));
  return code === undefined ? undefined : TABLE[code].problem;
}

const CRYPTO_MESSAGE = 'cryptographic verification failed';

/**
 * Base error of the Brygga SDK, generic in its code so that {@link isBryggaError} can narrow `code` to
 * the literal checked.
 */
export class BryggaError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name: string = 'BryggaError';
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(code === 'ERR_CRYPTO' ? CRYPTO_MESSAGE : message, options);
    this.code = code;
  }
}

/**
 * The one error for every decryption or verification failure. The cause is deliberately dropped:
 * an underlying library's message could say which check failed.
 */
export function cryptoError(): BryggaError<'ERR_CRYPTO'> {
  return new BryggaError('ERR_CRYPTO', CRYPTO_MESSAGE);
}

/**
 * Subclasses that are the only class a code is raised with, and carry fields of their own: the module
 * that defines one adds it here by declaration merging and calls {@link bindErrorClass}, so that
 * `isBryggaError(err, code)` narrows to it (as `RelayError` for `ERR_RELAY`).
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in the modules of the subclasses
export interface BryggaErrorClasses {}

/** What {@link isBryggaError} narrows to for `code`. */
export type BryggaErrorOf<C extends ErrorCode> = [C] extends [keyof BryggaErrorClasses]
  ? BryggaErrorClasses[C]
  : BryggaError<C>;

const boundClasses = new Map<ErrorCode, abstract new (...args: never[]) => BryggaError>();

/** Declare `errorClass` the class that every error with `code` is (see {@link BryggaErrorClasses}). */
export function bindErrorClass<C extends keyof BryggaErrorClasses & ErrorCode>(
  code: C,
  errorClass: abstract new (...args: never[]) => BryggaErrorClasses[C],
): void {
  boundClasses.set(code, errorClass);
}

/**
 * True when `err` is a {@link BryggaError}; with `code`, one with that code, typed so that `err.code` is
 * that literal and a subclass's fields are reachable.
 *
 * @example
 * import { isBryggaError } from '@brygga/client-sdk';
 * if (isBryggaError(err, 'ERR_RELAY') && err.status === 429) retryLater();
 */
export function isBryggaError(err: unknown): err is BryggaError;
export function isBryggaError<C extends ErrorCode>(err: unknown, code: C): err is BryggaErrorOf<C>;
export function isBryggaError(err: unknown, code?: ErrorCode): boolean {
  if (!(err instanceof BryggaError)) return false;
  if (code === undefined) return true;
  const bound = boundClasses.get(code);
  return err.code === code && (bound === undefined || err instanceof bound);
}
