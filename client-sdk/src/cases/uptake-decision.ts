/**
 * The uptake decision (beslut om mottagande; PROTOCOL.md §12.4.2): the receiving unit accepts the case,
 * with its contact persons and the proof of its incoming quota claim, or declines it with a reason. A
 * receiving SDK declines an over-quota referral by itself with reason `quota-exceeded`. It carries the
 * receiving unit's checks before accepting: the relocation pre-check, the special-case mark and the
 * rival-group check (§14.6).
 */
import { list, malformed, members, oneOf, optionalText } from './_fields.js';
import { type ContactPerson, validateContact } from './common-fields.js';
import { type QuotaProof, validateQuotaProof } from './quota-claim.js';
import { type RelocationPreCheck, validateRelocation } from './relocation.js';
import { type RivalCheck, validateRivalCheck } from './rival-groups.js';
import { type SpecialCaseMark, validateSpecial } from './special-case.js';

/** Why a referral is declined (skäl). */
export type DeclineReason = 'quota-exceeded' | 'no-capacity' | 'not-suitable' | 'safety' | 'other';

/** Body of an `uptake-decision` packet. */
export interface UptakeDecisionBody {
  decision: 'accept' | 'decline';
  /** Null when accepting. */
  reason: DeclineReason | null;
  /** Free text: personal data, so it needs consent or a legal basis. */
  note: string | null;
  /** The receiving unit's contact persons (when accepting). */
  contacts: ContactPerson[];
  /** Proof of the receiving municipality's incoming quota claim; required when accepting, else null. */
  quota: QuotaProof | null;
  /**
   * The relocation pre-check (PROTOCOL.md §14.6 (3)): the planned area, its advance notice to the body
   * the terms name, and the receiving unit's own check; null where the terms require none.
   */
  relocation: RelocationPreCheck | null;
  /**
   * The special-case mark (PROTOCOL.md §14.6 (4)): the body that assesses the case and its assessment;
   * null for a case not marked special.
   */
  special: SpecialCaseMark | null;
  /**
   * The rival-group check (PROTOCOL.md §14.6 (5)): no conflict, or a conflict and its decision, with who
   * checked and when; required in an acceptance where the terms set `rivalCheck`, else may be null.
   */
  rivalCheck: RivalCheck | null;
}

/** The decline reasons. */
export const DECLINE_REASONS = ['quota-exceeded', 'no-capacity', 'not-suitable', 'safety', 'other'] as const;

/** Validate an `uptake-decision` body; ERR_MALFORMED naming the field. */
export function validateUptakeDecision(value: unknown): UptakeDecisionBody {
  const o = members(value, 'uptake-decision', [
    'decision',
    'reason',
    'note',
    'contacts',
    'quota',
    'relocation',
    'special',
    'rivalCheck',
  ]);
  const relocation = validateRelocation(o.relocation, 'uptake-decision.relocation');
  const special = validateSpecial(o.special, 'uptake-decision.special');
  const decision = oneOf(o.decision, 'uptake-decision.decision', ['accept', 'decline'] as const);
  const rivalCheck = validateRivalCheck(o.rivalCheck, 'uptake-decision.rivalCheck', decision);
  const contacts = list(o.contacts, 'uptake-decision.contacts', 0, 10, validateContact);
  if (decision === 'accept') {
    if (o.reason !== null) malformed('uptake-decision.reason', 'must be null when accepting');
    if (contacts.length === 0)
      malformed('uptake-decision.contacts', 'must name a contact person when accepting');
    return {
      decision,
      reason: null,
      note: optionalText(o.note, 'uptake-decision.note'),
      contacts,
      quota: validateQuotaProof(o.quota, 'uptake-decision.quota'),
      relocation,
      special,
      rivalCheck,
    };
  }
  if (o.quota !== null) malformed('uptake-decision.quota', 'must be null when declining');
  return {
    decision,
    reason: oneOf(o.reason, 'uptake-decision.reason', DECLINE_REASONS),
    note: optionalText(o.note, 'uptake-decision.note'),
    contacts,
    quota: null,
    relocation,
    special,
    rivalCheck,
  };
}
