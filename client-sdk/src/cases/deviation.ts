/**
 * Deviation record (avsteg; PROTOCOL.md §12.4.6, §14.8): a documented departure from the guideline,
 * allowed only for special reasons such as acute lack of time, and reported to the other unit of the
 * case. It names the rule it departs from by its stable id (§5.4), as a referral's deviation does, so
 * that the deviation register lists one kind of rule for both.
 */
import { DEVIABLE_RULES, type DeviableRule } from '../directory/precondition-terms.js';
import { date, MAX_SHORT, malformed, members, oneOf, optionalText, text } from './_fields.js';
import { type LegalBasis, validateLegalBasis } from './common-fields.js';

/** The special reason for a deviation (särskilda skäl). */
export type DeviationReason = 'acute-time-pressure' | 'safety' | 'other';

/**
 * The rules a `deviation` packet may name (PROTOCOL.md §12.4.6): the referral rules a deviation can
 * concern, and `guideline` for another part of a unit's guideline, named in words. Never
 * `consent-scope`: the consent cannot be deviated from (§14.1), so the register never records it.
 */
export const DEVIATION_RULES = [...DEVIABLE_RULES, 'guideline'] as const;

/** A rule a `deviation` packet may name. */
export type DeviationRule = DeviableRule | 'guideline';

/** Body of a `deviation` packet. */
export interface DeviationBody {
  date: string;
  reason: DeviationReason;
  /** The rule departed from, by its stable id (PROTOCOL.md §5.4). */
  rule: DeviationRule;
  /**
   * The part of the guideline departed from, in words: required when `rule` is `guideline`, otherwise
   * null or words that say more (e.g. the clause of the unit's guideline).
   */
  guideline: string | null;
  description: string;
  /** Who decided the deviation (name and role, e.g. enhetschef). */
  decidedBy: { name: string; role: string };
  legalBasis: LegalBasis | null;
}

/** Validate a `deviation` body; ERR_MALFORMED naming the field. */
export function validateDeviation(value: unknown): DeviationBody {
  const o = members(value, 'deviation', [
    'date',
    'reason',
    'rule',
    'guideline',
    'description',
    'decidedBy',
    'legalBasis',
  ]);
  const d = members(o.decidedBy, 'deviation.decidedBy', ['name', 'role']);
  const on = date(o.date, 'deviation.date');
  const reason = oneOf(o.reason, 'deviation.reason', ['acute-time-pressure', 'safety', 'other'] as const);
  const rule = oneOf(o.rule, 'deviation.rule', DEVIATION_RULES);
  const guideline = optionalText(o.guideline, 'deviation.guideline', MAX_SHORT);
  if (rule === 'guideline' && guideline === null)
    malformed('deviation.guideline', 'must name the part of the guideline when rule is guideline');
  return {
    date: on,
    reason,
    rule,
    guideline,
    description: text(o.description, 'deviation.description'),
    decidedBy: {
      name: text(d.name, 'deviation.decidedBy.name', MAX_SHORT),
      role: text(d.role, 'deviation.decidedBy.role', MAX_SHORT),
    },
    legalBasis: validateLegalBasis(o.legalBasis, 'deviation.legalBasis'),
  };
}
