/**
 * Closure (avslut; PROTOCOL.md §12.4.8): the home unit closes the case, with a reason, the outcome
 * measures where known and the case's costs per service (which must equal the sum of its cost reports,
 * so both units close on the same figures). After a withdrawn consent, a closure without outcomes or
 * note carries no personal data and needs no consent.
 */
import { date, distinct, id, integer, list, members, oneOf, optionalText } from './_fields.js';
import {
  type LegalBasis,
  type OutcomeMeasures,
  validateLegalBasis,
  validateOutcomes,
} from './common-fields.js';
import { MAX_LINE_SEK } from './cost-report.js';

/** Why the case is closed (avslutsorsak). */
export type ClosureReason = 'completed' | 'consent-withdrawn' | 'discontinued' | 'relocated' | 'other';

/** Body of a `closure` packet. */
export interface ClosureBody {
  closedOn: string;
  reason: ClosureReason;
  outcomes: OutcomeMeasures | null;
  /** Total cost per service over the whole case (SEK). */
  costs: { service: string; amountSek: number }[];
  note: string | null;
  legalBasis: LegalBasis | null;
}

/** Validate a `closure` body; ERR_MALFORMED naming the field. */
export function validateClosure(value: unknown): ClosureBody {
  const o = members(value, 'closure', ['closedOn', 'reason', 'outcomes', 'costs', 'note', 'legalBasis']);
  const costs = list(o.costs, 'closure.costs', 0, 64, (v, path) => {
    const c = members(v, path, ['service', 'amountSek']);
    return {
      service: id(c.service, `${path}.service`),
      amountSek: integer(c.amountSek, `${path}.amountSek`, 0, MAX_LINE_SEK * 1000),
    };
  });
  distinct(costs, 'closure.costs', (c) => c.service);
  return {
    closedOn: date(o.closedOn, 'closure.closedOn'),
    reason: oneOf(o.reason, 'closure.reason', [
      'completed',
      'consent-withdrawn',
      'discontinued',
      'relocated',
      'other',
    ] as const),
    outcomes: validateOutcomes(o.outcomes, 'closure.outcomes'),
    costs,
    note: optionalText(o.note, 'closure.note'),
    legalBasis: validateLegalBasis(o.legalBasis, 'closure.legalBasis'),
  };
}
