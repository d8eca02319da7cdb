/**
 * The implementation plan (genomförandeplan; PROTOCOL.md §12.4.3): the services the home municipality
 * decided, after consulting the receiving municipality, that the receiving municipality carries out and
 * pays for. Services come from the agreement's catalogue only. A later plan replaces the earlier one.
 */
import { date, distinct, id, list, malformed, members, optionalDate, optionalText } from './_fields.js';
import { type LegalBasis, validateLegalBasis } from './common-fields.js';

/** One planned service (insats). */
export interface PlannedService {
  /** Catalogue code. */
  code: string;
  description: string | null;
  from: string;
  to: string | null;
}

/** Body of an `implementation-plan` packet. */
export interface ImplementationPlanBody {
  decidedOn: string;
  services: PlannedService[];
  note: string | null;
  legalBasis: LegalBasis | null;
}

/** Validate an `implementation-plan` body; ERR_MALFORMED naming the field. */
export function validateImplementationPlan(value: unknown): ImplementationPlanBody {
  const o = members(value, 'implementation-plan', ['decidedOn', 'services', 'note', 'legalBasis']);
  const services = list(o.services, 'implementation-plan.services', 1, 32, (v, path) => {
    const s = members(v, path, ['code', 'description', 'from', 'to']);
    const from = date(s.from, `${path}.from`);
    const to = optionalDate(s.to, `${path}.to`);
    if (to !== null && to < from) malformed(`${path}.to`, 'is before from');
    return {
      code: id(s.code, `${path}.code`),
      description: optionalText(s.description, `${path}.description`, 2000),
      from,
      to,
    };
  });
  distinct(services, 'implementation-plan.services', (s) => s.code);
  return {
    decidedOn: date(o.decidedOn, 'implementation-plan.decidedOn'),
    services,
    note: optionalText(o.note, 'implementation-plan.note'),
    legalBasis: validateLegalBasis(o.legalBasis, 'implementation-plan.legalBasis'),
  };
}
