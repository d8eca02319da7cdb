/**
 * The special case (särskilt avhopparärende; PROTOCOL.md §14.6 (4)): a case a unit marks as one it
 * cannot handle with its ordinary resources. Where the unit's municipality's terms name the body that
 * assesses such cases (`specialCases`, §5.5; in Göteborg, stadsledningskontoret), the mark carries
 * that body's assessment: who assessed, when, the outcome and the body's reference.
 */
import { date, MAX_SHORT, members, oneOf, text } from './_fields.js';
import type { Officer } from './relocation.js';

/** The assessing body's outcome: whether the person's motivation to leave is assessed as genuine. */
export const SPECIAL_OUTCOMES = ['motivated', 'not-motivated'] as const;

/** The assessing body's assessment of a special case. */
export interface SpecialAssessment {
  assessedBy: Officer;
  assessedOn: string;
  outcome: (typeof SPECIAL_OUTCOMES)[number];
  /** The body's reference (diarienummer) for the assessment. */
  reference: string;
}

/** The mark of a special case: the body that assesses it, and its assessment once made. */
export interface SpecialCaseMark {
  /** The assessing body, as the terms name it (e.g. Stadsledningskontoret). */
  body: string;
  assessment: SpecialAssessment | null;
}

function officer(value: unknown, path: string): Officer {
  const o = members(value, path, ['name', 'role']);
  return { name: text(o.name, `${path}.name`, MAX_SHORT), role: text(o.role, `${path}.role`, MAX_SHORT) };
}

/** Validate a special-case mark, or null; ERR_MALFORMED naming the field. */
export function validateSpecial(value: unknown, path: string): SpecialCaseMark | null {
  if (value === null) return null;
  const o = members(value, path, ['body', 'assessment']);
  const body = text(o.body, `${path}.body`, MAX_SHORT);
  if (o.assessment === null) return { body, assessment: null };
  const a = members(o.assessment, `${path}.assessment`, ['assessedBy', 'assessedOn', 'outcome', 'reference']);
  return {
    body,
    assessment: {
      assessedBy: officer(a.assessedBy, `${path}.assessment.assessedBy`),
      assessedOn: date(a.assessedOn, `${path}.assessment.assessedOn`),
      outcome: oneOf(a.outcome, `${path}.assessment.outcome`, SPECIAL_OUTCOMES),
      reference: text(a.reference, `${path}.assessment.reference`, MAX_SHORT),
    },
  };
}
