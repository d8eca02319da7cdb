/**
 * The case workflow (PROTOCOL.md §14.2): which packet may follow in which state, and which of the case's
 * two units may send it. The states of the log are referred → accepted | declined, accepted → active
 * (when the receiving unit agrees to an implementation plan, PROTOCOL.md §14.6), and → closed. `delivered` is `referred` plus a receipt from the
 * receiving unit (receipts are not part of the chain; see {@link caseStatus}).
 */
import { BryggaError } from '../errors.js';
import type { PacketType } from './packet-body.js';

/** The state of a case as its log says. */
export type LogStatus = 'referred' | 'accepted' | 'declined' | 'active' | 'closed';

/** The state of a case, with delivery known from receipts (PROTOCOL.md §14.2). */
export type CaseStatus = 'referred' | 'delivered' | 'accepted' | 'declined' | 'active' | 'closed';

/** A case's status as the case system sees it: `referred` becomes `delivered` once the receiving unit has it. */
export function caseStatus(status: LogStatus, delivered: boolean): CaseStatus {
  return status === 'referred' && delivered ? 'delivered' : status;
}

/** Who may send a packet type: the home unit (hemkommun), the receiving unit, or either. */
export type Role = 'home' | 'receiving' | 'either';

/** One row of the workflow: who may send the type, from which states, and the state it leads to. */
export interface Transition {
  role: Role;
  from: readonly LogStatus[];
  /** The state after it; undefined when unchanged (or decided by the body, for uptake decisions). */
  to?: LogStatus;
}

const OPEN: readonly LogStatus[] = ['referred', 'accepted', 'active'];

/** The workflow table. A referral only starts a case. */
export const WORKFLOW: Readonly<Record<Exclude<PacketType, 'referral'>, Transition | undefined>> = {
  consent: { role: 'home', from: OPEN },
  'consent-withdrawal': { role: 'home', from: ['referred', 'accepted', 'declined', 'active', 'closed'] },
  'uptake-decision': { role: 'receiving', from: ['referred'] },
  'implementation-plan': { role: 'home', from: ['accepted', 'active'] },
  'plan-response': { role: 'receiving', from: ['accepted', 'active'] },
  // With an agreed plan (PROTOCOL.md §14.6), checked by the case state: ERR_PLAN_NOT_AGREED.
  'follow-up': { role: 'either', from: ['accepted', 'active'] },
  'cost-report': { role: 'receiving', from: ['accepted', 'active', 'closed'] },
  deviation: { role: 'either', from: OPEN },
  'child-notice': { role: 'either', from: OPEN },
  closure: { role: 'home', from: OPEN, to: 'closed' },
  message: { role: 'either', from: OPEN },
  assignment: { role: 'either', from: ['referred', 'accepted', 'declined', 'active', 'closed'] },
  // Not case-log types.
  agreement: undefined,
  receipt: undefined,
  reconciliation: undefined,
  'quota-claim': undefined,
  'quota-release': undefined,
  'unit-figures': undefined,
  'case-history': undefined,
};

/**
 * Check that `type` may be sent by `role` in `status`: ERR_WRONG_PARTY for the wrong unit,
 * ERR_INVALID_TRANSITION for the wrong state or a type that is not part of a case log.
 */
export function assertTransition(
  type: PacketType,
  status: LogStatus,
  role: 'home' | 'receiving',
): Transition {
  if (type === 'referral') refuseLaterReferral();
  const t = WORKFLOW[type];
  if (!t) throw new BryggaError('ERR_INVALID_TRANSITION', `a ${type} packet is not part of a case log`);
  if (t.role !== 'either' && t.role !== role) {
    throw new BryggaError('ERR_WRONG_PARTY', `only the ${t.role} unit may send a ${type} packet`);
  }
  if (!t.from.includes(status)) {
    throw new BryggaError('ERR_INVALID_TRANSITION', `a ${type} packet is not allowed in a ${status} case`);
  }
  return t;
}

/** ERR_INVALID_TRANSITION for a referral after the first packet: a referral only starts a case. */
export function refuseLaterReferral(): never {
  throw new BryggaError('ERR_INVALID_TRANSITION', 'a referral can only start a case');
}
