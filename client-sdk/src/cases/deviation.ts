/**
 * Deviation record (avsteg; PROTOCOL.md §12.4.6): a documented departure from the guideline, allowed
 * only for special reasons such as acute lack of time, and reported to the other unit of the case.
 */
import { date, MAX_SHORT, members, oneOf, text } from './_fields.js';
import { type LegalBasis, validateLegalBasis } from './common-fields.js';

/** The special reason for a deviation (särskilda skäl). */
export type DeviationReason = 'acute-time-pressure' | 'safety' | 'other';

/** Body of a `deviation` packet. */
export interface DeviationBody {
  date: string;
  reason: DeviationReason;
  /** Which part of the guideline or agreement was departed from. */
  guideline: string;
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
    'guideline',
    'description',
    'decidedBy',
    'legalBasis',
  ]);
  const d = members(o.decidedBy, 'deviation.decidedBy', ['name', 'role']);
  return {
    date: date(o.date, 'deviation.date'),
    reason: oneOf(o.reason, 'deviation.reason', ['acute-time-pressure', 'safety', 'other'] as const),
    guideline: text(o.guideline, 'deviation.guideline', MAX_SHORT),
    description: text(o.description, 'deviation.description'),
    decidedBy: {
      name: text(d.name, 'deviation.decidedBy.name', MAX_SHORT),
      role: text(d.role, 'deviation.decidedBy.role', MAX_SHORT),
    },
    legalBasis: validateLegalBasis(o.legalBasis, 'deviation.legalBasis'),
  };
}
