/**
 * Structures shared by several packet bodies (PROTOCOL.md §12.2): contact persons (kontaktpersoner),
 * a recorded legal basis (laga grund) and the outcome measures (utfallsmått) every unit measures the same
 * way.
 */
import { id, MAX_SHORT, members, oneOf, optionalText, text } from './_fields.js';
import { EMAIL_PATTERN, PHONE_PATTERN } from './field-patterns.js';

/** A contact person (kontaktperson) at a unit for the case. */
export interface ContactPerson {
  unit: string;
  name: string;
  /** For example "socialsekreterare", "avhopparsamordnare". */
  role: string;
  phone: string | null;
  email: string | null;
}

/**
 * A recorded legal basis (laga grund) for disclosing personal data without consent, such as
 * "SoL 14 kap. 1 §" for a concern about a child. It is signed into the packet, so whoever relied on it
 * is accountable for it.
 */
export interface LegalBasis {
  provision: string;
  note: string | null;
}

/** An outcome measure: yes, no, or not known. */
export type OutcomeValue = 'yes' | 'no' | 'unknown';

/** The outcome measures of DOMAIN.md, measured the same way by every unit (utfallsmått). */
export interface OutcomeMeasures {
  /** Has left the criminal group (lämnat gruppen). */
  leftGroup: OutcomeValue;
  /** Not suspected of new crime (inte misstänkt för nya brott). */
  noNewSuspectedCrime: OutcomeValue;
  /** Has own housing (egen bostad). */
  ownHousing: OutcomeValue;
  /** Self-sufficient (egen försörjning). */
  selfSufficient: OutcomeValue;
}

const OUTCOME_VALUES = ['yes', 'no', 'unknown'] as const;

/** Validate a contact person. */
export function validateContact(value: unknown, path: string): ContactPerson {
  const o = members(value, path, ['unit', 'name', 'role', 'phone', 'email']);
  const phone = optionalText(o.phone, `${path}.phone`, 30);
  const email = optionalText(o.email, `${path}.email`, 254);
  if (phone !== null) text(phone, `${path}.phone`, 30, PHONE_PATTERN);
  if (email !== null) text(email, `${path}.email`, 254, EMAIL_PATTERN);
  return {
    unit: id(o.unit, `${path}.unit`),
    name: text(o.name, `${path}.name`, MAX_SHORT),
    role: text(o.role, `${path}.role`, MAX_SHORT),
    phone,
    email,
  };
}

/** Validate a legal basis, or null. */
export function validateLegalBasis(value: unknown, path: string): LegalBasis | null {
  if (value === null) return null;
  const o = members(value, path, ['provision', 'note']);
  return {
    provision: text(o.provision, `${path}.provision`, MAX_SHORT),
    note: optionalText(o.note, `${path}.note`),
  };
}

/** Validate outcome measures, or null. */
export function validateOutcomes(value: unknown, path: string): OutcomeMeasures | null {
  if (value === null) return null;
  const o = members(value, path, ['leftGroup', 'noNewSuspectedCrime', 'ownHousing', 'selfSufficient']);
  return {
    leftGroup: oneOf(o.leftGroup, `${path}.leftGroup`, OUTCOME_VALUES),
    noNewSuspectedCrime: oneOf(o.noNewSuspectedCrime, `${path}.noNewSuspectedCrime`, OUTCOME_VALUES),
    ownHousing: oneOf(o.ownHousing, `${path}.ownHousing`, OUTCOME_VALUES),
    selfSufficient: oneOf(o.selfSufficient, `${path}.selfSufficient`, OUTCOME_VALUES),
  };
}
