import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  BryggaError,
  ERROR_CODES,
  ERROR_TABLE,
  type ErrorCode,
  errorCodeOf,
  isBryggaError,
  PROBLEM_CODES,
  PROBLEM_TYPE_PREFIX,
  type ProblemCode,
  problemCodeOf,
  problemType,
} from '../client-sdk/src/errors.js';
import { RelayError } from '../client-sdk/src/transport/relay-client.js';

/**
 * Every error code with its problem code, status and title, written out: problem codes are API
 * (PROTOCOL.md §9), so a rename or a changed status must show up here as a failing line.
 */
const EXPECTED: [ErrorCode, ProblemCode, number, string][] = [
  ['ERR_MALFORMED', 'malformed', 400, 'Malformed request'],
  ['ERR_UNSUPPORTED_VERSION', 'unsupported-version', 400, 'Unsupported version'],
  ['ERR_CRYPTO', 'invalid-signature', 422, 'Invalid signature'],
  ['ERR_WRONG_PASSPHRASE', 'wrong-passphrase', 403, 'Wrong passphrase'],
  ['ERR_LIMIT', 'hpke-message-limit', 500, 'HPKE message limit reached'],
  ['ERR_PROOF_INVALID', 'proof-invalid', 422, 'Invalid Merkle proof'],
  ['ERR_UNKNOWN_KEY', 'unknown-key', 422, 'Unknown key'],
  ['ERR_KEY_EXPIRED', 'key-expired', 422, 'Encryption key not valid'],
  ['ERR_KEY_REVOKED', 'key-revoked', 422, 'Key revoked'],
  ['ERR_NOT_IN_AGREEMENT', 'not-in-agreement', 422, 'Not in the agreement'],
  ['ERR_AGREEMENT_INVALID', 'agreement-invalid', 422, 'Invalid agreement'],
  ['ERR_MALFORMED_STATEMENT', 'malformed-statement', 422, 'Malformed statement'],
  ['ERR_NOT_A_RECIPIENT', 'not-a-recipient', 422, 'Not a recipient'],
  ['ERR_CLAIMS_MISMATCH', 'claims-mismatch', 422, 'Claims do not match the envelope'],
  ['ERR_TOO_MANY_RECIPIENTS', 'too-many-recipients', 422, 'Too many recipients'],
  ['ERR_TOO_MANY_KEYS', 'too-many-keys', 422, 'Too many encryption keys'],
  ['ERR_UNSUPPORTED_MEDIA_TYPE', 'unsupported-media-type', 415, 'Unsupported media type'],
  ['ERR_PAYLOAD_TOO_LARGE', 'payload-too-large', 413, 'Payload too large'],
  ['ERR_HEADERS_TOO_LARGE', 'headers-too-large', 431, 'Request headers too large'],
  ['ERR_REQUEST_TIMEOUT', 'request-timeout', 408, 'Request timeout'],
  ['ERR_UNAUTHORIZED', 'unauthorized', 401, 'Unauthorized'],
  ['ERR_TOKEN_REPLAYED', 'token-replayed', 401, 'Token already used'],
  ['ERR_TOKEN_UNCERTAIN', 'token-uncertain', 503, 'Token cannot be checked yet'],
  ['ERR_CLOCK_SKEW', 'clock-skew', 401, "Device's clock is off"],
  ['ERR_UNKNOWN_DEVICE', 'unknown-device', 401, 'Unknown device'],
  ['ERR_DEVICE_REVOKED', 'device-revoked', 403, 'Device revoked'],
  ['ERR_DEVICE_NOT_IN_AGREEMENT', 'device-not-in-agreement', 403, "Device's unit not in the agreement"],
  ['ERR_FORBIDDEN', 'forbidden', 403, 'Forbidden'],
  ['ERR_ADMIN_DISABLED', 'admin-disabled', 403, 'Administration disabled'],
  ['ERR_NOT_FOUND', 'not-found', 404, 'Not found'],
  ['ERR_CONFLICT', 'conflict', 409, 'Conflict'],
  ['ERR_RATE_LIMITED', 'rate-limited', 429, 'Too many requests'],
  ['ERR_SENDER_QUOTA', 'sender-quota-exceeded', 429, 'Sender quota exceeded'],
  ['ERR_NOT_LOGGED', 'not-logged', 404, 'Not in the log'],
  ['ERR_BEYOND_LOG', 'beyond-log', 422, 'Beyond the log'],
  ['ERR_AGREEMENT_MISSING', 'agreement-missing', 503, 'No agreement installed'],
  ['ERR_UNAVAILABLE', 'unavailable', 503, 'Service unavailable'],
  ['ERR_STORAGE_FULL', 'insufficient-storage', 507, 'Insufficient storage'],
  ['ERR_INTERNAL', 'internal', 500, 'Internal error'],
  ['ERR_CONFIG', 'invalid-config', 500, 'Invalid configuration'],
  ['ERR_RELAY', 'relay-refused', 502, 'Refused by the relay'],
  ['ERR_RELAY_UNREACHABLE', 'unreachable', 502, 'Relay unreachable'],
  ['ERR_CONSENT_MISSING', 'consent-missing', 422, 'Consent missing'],
  ['ERR_CONSENT_WITHDRAWN', 'consent-withdrawn', 422, 'Consent withdrawn'],
  ['ERR_CONSENT_SCOPE', 'consent-scope', 422, 'Consent does not cover this'],
  ['ERR_CONSENT_EXPIRED', 'consent-expired', 422, 'Consent not valid now'],
  ['ERR_POLICE_CONSULTATION_MISSING', 'police-consultation-missing', 422, 'Police consultation missing'],
  ['ERR_MOTIVATION_MISSING', 'motivation-missing', 422, 'Motivation not assessed'],
  ['ERR_CHILDREN_RESPONSIBILITY', 'children-responsibility', 422, 'Responsible for children'],
  ['ERR_HOUSING_NOT_ARRANGED', 'housing-not-arranged', 422, 'Housing not arranged'],
  ['ERR_PRECONDITION_DATE', 'precondition-date', 422, 'Precondition dated after the packet'],
  ['ERR_CATEGORY_NOT_ADMITTED', 'category-not-admitted', 422, 'Category not admitted'],
  ['ERR_THREAT_LEVEL_NOT_ADMITTED', 'threat-level-not-admitted', 422, 'Threat level not admitted'],
  ['ERR_SERVICE_NOT_IN_CATALOGUE', 'service-not-in-catalogue', 422, 'Service not in the catalogue'],
  ['ERR_SERVICE_NOT_IN_PLAN', 'service-not-in-plan', 422, 'Service not in the plan'],
  ['ERR_OUTSIDE_PERIOD', 'outside-period', 422, 'Outside the agreement period'],
  ['ERR_QUOTA_EXCEEDED', 'quota-exceeded', 422, 'Quota exceeded'],
  ['ERR_QUOTA_CLAIM', 'quota-claim-invalid', 422, 'Invalid quota claim'],
  ['ERR_INVALID_TRANSITION', 'invalid-transition', 409, 'Not allowed in this state'],
  ['ERR_WRONG_PARTY', 'wrong-party', 403, 'Wrong party'],
  ['ERR_CASE_FORK', 'case-fork', 409, 'Case log forked'],
  ['ERR_CASE_GAP', 'case-gap', 409, 'Gap in the case log'],
  ['ERR_CASE_ORDER', 'case-order', 409, 'Case log out of order'],
  ['ERR_CASE_SPLICE', 'case-splice', 422, 'Packet of another case'],
  ['ERR_PACKET_STALE', 'packet-stale', 422, 'Packet too old to send'],
  ['ERR_REPLAY', 'replayed', 409, 'Already received'],
  ['ERR_RECEIPT_MISMATCH', 'receipt-mismatch', 422, 'Receipt does not match'],
  ['ERR_UNKNOWN_CASE', 'unknown-case', 404, 'Unknown case'],
  ['ERR_RECONCILIATION_MISMATCH', 'reconciliation-mismatch', 422, 'Reconciliation differs from the records'],
  ['ERR_EVIDENCE_INVALID', 'evidence-invalid', 422, 'Invalid evidence'],
  ['ERR_FIGURES_INVALID', 'figures-invalid', 422, 'Unit figures do not match'],
  [
    'ERR_SERVICE_NOT_OFFERED',
    'service-not-offered',
    422,
    'Service not offered by the receiving municipality',
  ],
  ['ERR_OUTSIDE_CIRCLE', 'outside-circle', 403, "Outside the case's circle"],
  ['ERR_PLAN_NOT_AGREED', 'plan-not-agreed', 422, 'Plan not agreed'],
  ['ERR_STORE', 'store-failed', 500, 'Local store failed'],
  ['ERR_POLICE_APPROVAL_MISSING', 'police-approval-missing', 422, 'Police approval missing'],
  ['ERR_TARGET_GROUP_NOT_MET', 'target-group-not-met', 422, 'Not in the target group'],
  ['ERR_RELOCATION_NOT_NOTIFIED', 'relocation-not-notified', 422, 'Relocation area not notified'],
  ['ERR_RELOCATION_NOT_CLEARED', 'relocation-not-cleared', 422, 'Relocation area not cleared'],
  ['ERR_SPECIAL_CASE_NOT_ASSESSED', 'special-case-not-assessed', 422, 'Special case not assessed'],
  ['ERR_CHILD_NOTICE_UNSETTLED', 'child-notice-unsettled', 422, 'Responsibility for the child not settled'],
  ['ERR_CHILD_NOTICE_UNKNOWN', 'child-notice-unknown', 422, 'No open child notice to answer'],
  ['ERR_CHILD_NOTICE_OPEN', 'child-notice-open', 409, 'Child notice unanswered'],
  ['ERR_DEVIATION_NOT_ALLOWED', 'deviation-not-allowed', 422, 'Deviation not allowed'],
  ['ERR_GROUP_AFFILIATION_MISSING', 'group-affiliation-missing', 422, 'Group affiliation missing'],
  ['ERR_RIVAL_CHECK_MISSING', 'rival-check-missing', 422, 'Rival-group check missing'],
  ['ERR_RIVAL_CONFLICT_UNRECORDED', 'rival-conflict-unrecorded', 422, 'Rival-group conflict not recorded'],
  ['ERR_LOG_BAD_SIGNATURE', 'log-bad-signature', 502, 'Log checkpoint not signed'],
  ['ERR_LOG_ROLLBACK', 'log-rollback', 502, 'Log rolled back'],
  ['ERR_LOG_INCONSISTENT', 'log-inconsistent', 502, 'Log inconsistent'],
  ['ERR_LOG_OMISSION', 'log-omission', 502, 'Missing from the log'],
  ['ERR_LOG_UNEXPECTED_KEY', 'log-unexpected-key', 502, 'Unexpected key in the log'],
  ['ERR_LOG_DISCREPANCY', 'log-discrepancy', 502, 'Log does not match its checkpoint'],
  ['ERR_USAGE', 'usage', 400, 'Usage error'],
  ['ERR_INTERRUPTED', 'interrupted', 400, 'Interrupted'],
  ['ERR_FILE', 'file-unreadable', 400, 'File cannot be read'],
  ['ERR_EXISTS', 'already-exists', 409, 'Already exists'],
  ['ERR_NO_DEVICE', 'no-device', 404, 'No enrolled device'],
  ['ERR_NO_PASSPHRASE', 'passphrase-missing', 400, 'Passphrase missing'],
  ['ERR_WEAK_PASSPHRASE', 'weak-passphrase', 422, 'Passphrase too short'],
  ['ERR_PASSPHRASE_MISMATCH', 'passphrase-mismatch', 422, 'Passphrases differ'],
  ['ERR_NO_ADMIN_TOKEN', 'admin-token-missing', 400, 'Admin token missing'],
  ['ERR_NO_ANSWER', 'no-answer', 400, 'No answer'],
  ['ERR_NOT_CONFIRMED', 'not-confirmed', 400, 'Not confirmed'],
  ['ERR_NO_USERS', 'no-users', 409, 'No console users'],
  ['ERR_UNKNOWN_USER', 'unknown-user', 404, 'Unknown user'],
];

describe('the error table', () => {
  it('has exactly the expected row for every error code', () => {
    expect(ERROR_CODES).toEqual(EXPECTED.map(([code]) => code));
    for (const [code, problem, status, title] of EXPECTED) {
      expect(ERROR_TABLE[code], code).toEqual({ problem, status, title });
    }
  });

  it('is one-to-one, so a problem code reads back as its error code', () => {
    expect(new Set(PROBLEM_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) {
      const { problem } = ERROR_TABLE[code];
      expect(errorCodeOf(problem)).toBe(code);
      expect(problemType(code)).toBe(`urn:brygga:problem:${problem}`);
      expect(problemCodeOf(problemType(code))).toBe(problem);
    }
    expect(errorCodeOf('no-such-problem')).toBeUndefined();
    expect(problemCodeOf('urn:brygga:problem:no-such-problem')).toBeUndefined();
    expect(problemCodeOf('about:blank')).toBeUndefined();
    expect(problemCodeOf('malformed')).toBeUndefined();
  });

  it('has kebab-case problem codes, error statuses and titles', () => {
    expect(PROBLEM_TYPE_PREFIX).toBe('urn:brygga:problem:');
    for (const code of ERROR_CODES) {
      const { problem, status, title } = ERROR_TABLE[code];
      expect(problem, code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      expect(title.trim(), code).not.toBe('');
    }
  });
});

describe('isBryggaError', () => {
  it('narrows to the code checked, and to the class bound to it', () => {
    const err: unknown = new RelayError(429, problemType('ERR_RATE_LIMITED'), 'slow down');
    expect(isBryggaError(err)).toBe(true);
    expect(isBryggaError(err, 'ERR_MALFORMED')).toBe(false);
    if (!isBryggaError(err, 'ERR_RELAY')) throw new Error('expected a relay error');
    expectTypeOf(err.code).toEqualTypeOf<'ERR_RELAY'>();
    expectTypeOf(err).toEqualTypeOf<RelayError>();
    expect(err.status).toBe(429);
    expect(err.errorCode).toBe('ERR_RATE_LIMITED');

    const other: unknown = new BryggaError('ERR_QUOTA_EXCEEDED', 'full');
    if (!isBryggaError(other, 'ERR_QUOTA_EXCEEDED')) throw new Error('expected the quota code');
    expectTypeOf(other.code).toEqualTypeOf<'ERR_QUOTA_EXCEEDED'>();
    expect(other.code).toBe('ERR_QUOTA_EXCEEDED');
  });

  it('does not take an error of a bound code for the bound class when it is not one', () => {
    expect(isBryggaError(new BryggaError('ERR_RELAY', 'made by hand'), 'ERR_RELAY')).toBe(false);
    expect(isBryggaError(new Error('plain'))).toBe(false);
    expect(isBryggaError({ code: 'ERR_MALFORMED' }, 'ERR_MALFORMED')).toBe(false);
  });

  it('keeps the one fixed message of ERR_CRYPTO', () => {
    expect(new BryggaError('ERR_CRYPTO', 'the MAC of key 7 failed').message).toBe(
      'cryptographic verification failed',
    );
  });
});
