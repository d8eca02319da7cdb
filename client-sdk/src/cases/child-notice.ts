/**
 * Urgent child notice (brådskande underrättelse om barn; PROTOCOL.md §12.4.7): children came up in a
 * case whose person must have no responsibility for children; both municipalities must at once settle
 * who is responsible (SoL). Either unit may send it, in any open state of the case.
 */
import { date, members, oneOf, optionalText, text } from './_fields.js';
import { type LegalBasis, validateLegalBasis } from './common-fields.js';

/** Body of a `child-notice` packet. */
export interface ChildNoticeBody {
  date: string;
  description: string;
  /** Which municipality the sender proposes takes responsibility (ansvarsfördelning). */
  proposedResponsibility: 'home' | 'receiving' | 'to-be-decided';
  measuresTaken: string | null;
  legalBasis: LegalBasis | null;
}

/** Validate a `child-notice` body; ERR_MALFORMED naming the field. */
export function validateChildNotice(value: unknown): ChildNoticeBody {
  const o = members(value, 'child-notice', [
    'date',
    'description',
    'proposedResponsibility',
    'measuresTaken',
    'legalBasis',
  ]);
  return {
    date: date(o.date, 'child-notice.date'),
    description: text(o.description, 'child-notice.description'),
    proposedResponsibility: oneOf(o.proposedResponsibility, 'child-notice.proposedResponsibility', [
      'home',
      'receiving',
      'to-be-decided',
    ] as const),
    measuresTaken: optionalText(o.measuresTaken, 'child-notice.measuresTaken'),
    legalBasis: validateLegalBasis(o.legalBasis, 'child-notice.legalBasis'),
  };
}
