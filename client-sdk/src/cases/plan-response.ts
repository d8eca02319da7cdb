/**
 * The receiving unit's answer to an implementation plan (svar på genomförandeplan; PROTOCOL.md
 * §12.4.14, §14.6): the home municipality decides services after consulting the receiving
 * municipality, so a plan takes effect only when the receiving unit agrees to it. It may instead ask
 * for changes, saying what and why; the home unit answers with a new version of the plan.
 */
import { date, hash, id, list, MAX_SHORT, malformed, members, oneOf, optionalText, text } from './_fields.js';
import { type LegalBasis, validateLegalBasis } from './common-fields.js';

/** One change asked for: the service it concerns (a catalogue code, or null for the plan as a whole), what and why. */
export interface PlanChange {
  service: string | null;
  what: string;
  why: string;
}

/** Body of a `plan-response` packet. */
export interface PlanResponseBody {
  /** Hash of the `implementation-plan` packet answered: the case's current plan. */
  plan: string;
  decision: 'agree' | 'changes';
  /** Empty when agreeing; at least one when asking for changes. */
  changes: PlanChange[];
  /** The day of the decision. */
  date: string;
  /** Who decided it at the receiving unit (name and role). */
  decidedBy: { name: string; role: string };
  note: string | null;
  legalBasis: LegalBasis | null;
}

const KEYS = ['plan', 'decision', 'changes', 'date', 'decidedBy', 'note', 'legalBasis'];

/** Validate a `plan-response` body; ERR_MALFORMED naming the field. */
export function validatePlanResponse(value: unknown): PlanResponseBody {
  const o = members(value, 'plan-response', KEYS);
  const decision = oneOf(o.decision, 'plan-response.decision', ['agree', 'changes'] as const);
  const changes = list(o.changes, 'plan-response.changes', 0, 32, (v, path) => {
    const c = members(v, path, ['service', 'what', 'why']);
    return {
      service: c.service === null ? null : id(c.service, `${path}.service`),
      what: text(c.what, `${path}.what`, 2000),
      why: text(c.why, `${path}.why`, 2000),
    };
  });
  if (decision === 'agree' && changes.length > 0)
    malformed('plan-response.changes', 'must be empty when agreeing');
  if (decision === 'changes' && changes.length === 0)
    malformed('plan-response.changes', 'must name at least one change');
  const by = members(o.decidedBy, 'plan-response.decidedBy', ['name', 'role']);
  return {
    plan: hash(o.plan, 'plan-response.plan'),
    decision,
    changes,
    date: date(o.date, 'plan-response.date'),
    decidedBy: {
      name: text(by.name, 'plan-response.decidedBy.name', MAX_SHORT),
      role: text(by.role, 'plan-response.decidedBy.role', MAX_SHORT),
    },
    note: optionalText(o.note, 'plan-response.note'),
    legalBasis: validateLegalBasis(o.legalBasis, 'plan-response.legalBasis'),
  };
}
