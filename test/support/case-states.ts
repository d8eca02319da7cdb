/**
 * Case states made to order (PROTOCOL.md §14: the fold of a case log), for the pure reports of a unit:
 * statistics, reminders, the deviation register, retention. Each names only what it is about; the rest
 * is a case of Järva's (home) referred to Malmö.
 */
import type { CaseState } from '../../client-sdk/src/cases/case-state.js';

/** The NumericDate of 10:00 UTC on `day`. */
export const at = (day: string) => Date.parse(`${day}T10:00:00Z`) / 1000;

let n = 0;

/** A case with what is given; referred on `referredOn`. */
export function kase(over: Partial<CaseState> & { referredOn: string }): CaseState {
  const { referredOn, ...rest } = over;
  n++;
  return {
    caseId: `case${String(n).padStart(18, '0')}`,
    agreement: 'a'.repeat(43),
    home: 'stockholm-jarva',
    receiving: 'malmo',
    homeMunicipality: 'stockholm',
    receivingMunicipality: 'malmo',
    status: 'referred',
    category: 'avhoppare',
    threatLevel: 'low',
    referredAt: at(referredOn),
    referral: 'h'.repeat(43),
    head: 'h'.repeat(43),
    length: 1,
    consents: [],
    quota: { outgoing: 'c'.repeat(43), incoming: null },
    decision: null,
    relocation: null,
    special: null,
    affiliation: null,
    rivalCheck: null,
    activeSince: null,
    plan: null,
    plannedEver: [],
    planLog: [],
    costs: [],
    followUps: 0,
    lastFollowUpOn: null,
    deviations: 0,
    deviationLog: [],
    childNotices: 0,
    childNoticeLog: [],
    messages: 0,
    closure: null,
    lastActivity: at(referredOn),
    circle: { home: [], receiving: [], assigned: [] },
    ...rest,
  };
}

/** A case accepted on `decidedOn` and active from then, with krisstöd planned. */
export function accepted(referredOn: string, decidedOn: string, extra: Partial<CaseState> = {}): CaseState {
  return kase({
    referredOn,
    status: 'active',
    decision: { decision: 'accept', reason: null, in: 'd'.repeat(43), at: at(decidedOn) },
    activeSince: at(decidedOn),
    plan: { services: ['krisstod'], decidedOn, in: 'p'.repeat(43) },
    plannedEver: ['krisstod'],
    ...extra,
  });
}
