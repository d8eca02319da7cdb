/**
 * Follow-up (uppföljning; PROTOCOL.md §12.4.4): monthly, led by the home municipality with the
 * receiving municipality taking part; either may send it. It reports the status of each planned
 * service and, where known, the outcome measures.
 */
import { date, distinct, id, list, members, month, oneOf, text } from './_fields.js';
import {
  type LegalBasis,
  type OutcomeMeasures,
  validateLegalBasis,
  validateOutcomes,
} from './common-fields.js';

/** The status of a planned service at a follow-up. */
export type ServiceStatus = 'not-started' | 'ongoing' | 'paused' | 'completed' | 'cancelled';

/** Body of a `follow-up` packet. */
export interface FollowUpBody {
  date: string;
  /** The month followed up. */
  month: string;
  summary: string;
  services: { code: string; status: ServiceStatus }[];
  outcomes: OutcomeMeasures | null;
  legalBasis: LegalBasis | null;
}

const STATUSES = ['not-started', 'ongoing', 'paused', 'completed', 'cancelled'] as const;

/** Validate a `follow-up` body; ERR_MALFORMED naming the field. */
export function validateFollowUp(value: unknown): FollowUpBody {
  const o = members(value, 'follow-up', ['date', 'month', 'summary', 'services', 'outcomes', 'legalBasis']);
  const services = list(o.services, 'follow-up.services', 0, 32, (v, path) => {
    const s = members(v, path, ['code', 'status']);
    return { code: id(s.code, `${path}.code`), status: oneOf(s.status, `${path}.status`, STATUSES) };
  });
  distinct(services, 'follow-up.services', (s) => s.code);
  return {
    date: date(o.date, 'follow-up.date'),
    month: month(o.month, 'follow-up.month'),
    summary: text(o.summary, 'follow-up.summary'),
    services,
    outcomes: validateOutcomes(o.outcomes, 'follow-up.outcomes'),
    legalBasis: validateLegalBasis(o.legalBasis, 'follow-up.legalBasis'),
  };
}
