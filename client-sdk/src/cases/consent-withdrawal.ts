/**
 * Withdrawal of consent (återkallelse av samtycke; PROTOCOL.md §12.3.2): the home unit's signed record
 * that the person withdrew a consent. A compact JWS of type `brygga-consent-withdrawal+jws`. From the
 * withdrawal packet on, no personal data of the case may rely on that consent.
 */
import type { SigningKeyPair } from '../crypto/keys.js';
import { numericDate } from '../directory/validate.js';
import { BryggaError } from '../errors.js';
import { date, id, id16, integer, jws, malformed, members, oneOf, optionalText } from './_fields.js';
import {
  type DeviceResolver,
  signDocument,
  type VerifiedDocument,
  verifyDocument,
} from './signed-document.js';

/** The JWS `typ` of a consent withdrawal. */
export const CONSENT_WITHDRAWAL_TYP = 'brygga-consent-withdrawal+jws';

/** The signed payload of a withdrawal. */
export interface ConsentWithdrawalClaims {
  v: 1;
  kind: 'brygga.consent-withdrawal';
  /** Id of the consent withdrawn. */
  consent: string;
  case: string;
  /** The recording unit: the case's home unit. */
  unit: string;
  withdrawnOn: string;
  /** How the person withdrew it. */
  form: 'written' | 'oral';
  note: string | null;
  iat: number;
}

const KEYS = ['v', 'kind', 'consent', 'case', 'unit', 'withdrawnOn', 'form', 'note', 'iat'];

/** Validate withdrawal claims; ERR_MALFORMED naming the field. */
export function validateWithdrawalClaims(value: unknown): ConsentWithdrawalClaims {
  const o = members(value, 'withdrawal', KEYS);
  if (o.v !== 1) throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported withdrawal version');
  if (o.kind !== 'brygga.consent-withdrawal')
    malformed('withdrawal.kind', 'must be "brygga.consent-withdrawal"');
  return {
    v: 1,
    kind: 'brygga.consent-withdrawal',
    consent: id16(o.consent, 'withdrawal.consent'),
    case: id16(o.case, 'withdrawal.case'),
    unit: id(o.unit, 'withdrawal.unit'),
    withdrawnOn: date(o.withdrawnOn, 'withdrawal.withdrawnOn'),
    form: oneOf(o.form, 'withdrawal.form', ['written', 'oral'] as const),
    note: optionalText(o.note, 'withdrawal.note'),
    iat: integer(o.iat, 'withdrawal.iat', 0, Number.MAX_SAFE_INTEGER),
  };
}

/** Sign a withdrawal with a device of the home unit. */
export function recordWithdrawal(
  device: SigningKeyPair,
  input: {
    consentId: string;
    caseId: string;
    unit: string;
    withdrawnOn: string;
    form: 'written' | 'oral';
    note?: string | null;
    now?: Date;
  },
): string {
  const claims = validateWithdrawalClaims({
    v: 1,
    kind: 'brygga.consent-withdrawal',
    consent: input.consentId,
    case: input.caseId,
    unit: input.unit,
    withdrawnOn: input.withdrawnOn,
    form: input.form,
    note: input.note ?? null,
    iat: numericDate(input.now ?? new Date()),
  });
  return signDocument(CONSENT_WITHDRAWAL_TYP, claims, device);
}

/** Verify a withdrawal's signature and shape. */
export function verifyWithdrawal(
  jwsText: string,
  resolve: DeviceResolver,
): VerifiedDocument<ConsentWithdrawalClaims> {
  return verifyDocument(
    jws(jwsText, 'withdrawal'),
    CONSENT_WITHDRAWAL_TYP,
    resolve,
    validateWithdrawalClaims,
    (c) => c.unit,
    (c) => c.iat,
  );
}

/** Body of a `consent-withdrawal` packet. */
export interface ConsentWithdrawalBody {
  withdrawal: string;
}

/** Validate a `consent-withdrawal` packet body. */
export function validateWithdrawalBody(value: unknown): ConsentWithdrawalBody {
  const o = members(value, 'consent-withdrawal', ['withdrawal']);
  return { withdrawal: jws(o.withdrawal, 'consent-withdrawal.withdrawal') };
}
