/**
 * The packet types of the workflow and their bodies (PROTOCOL.md §12.1): one validator per type, each
 * throwing ERR_MALFORMED naming the field, and the two facts the rules need about every type: whether it
 * belongs to a case's hash-chained log, and whether its body carries personal data.
 */
import { BryggaError } from '../errors.js';
import { type AgreementBody, validateAgreementBody } from './agreement-packet.js';
import { type AssignmentBody, validateAssignment } from './assignment.js';
import { type CaseHistoryBody, validateCaseHistory } from './case-history.js';
import { type ChildNoticeBody, validateChildNotice } from './child-notice.js';
import { type ClosureBody, validateClosure } from './closure.js';
import type { LegalBasis } from './common-fields.js';
import { type ConsentBody, validateConsentBody } from './consent.js';
import { type ConsentWithdrawalBody, validateWithdrawalBody } from './consent-withdrawal.js';
import { type CostReportBody, validateCostReport } from './cost-report.js';
import { type DeviationBody, validateDeviation } from './deviation.js';
import { type FollowUpBody, validateFollowUp } from './follow-up.js';
import { type ImplementationPlanBody, validateImplementationPlan } from './implementation-plan.js';
import { type MessageBody, validateMessage } from './message.js';
import { type PlanResponseBody, validatePlanResponse } from './plan-response.js';
import {
  type QuotaClaimBody,
  type QuotaReleaseBody,
  validateQuotaClaimBody,
  validateQuotaReleaseBody,
} from './quota-claim.js';
import { type ReceiptBody, validateReceiptBody } from './receipt.js';
import { type ReconciliationBody, validateReconciliationBody } from './reconciliation.js';
import { type ReferralBody, validateReferral } from './referral.js';
import { type UnitFiguresBody, validateUnitFiguresBody } from './unit-figures-body.js';
import { type UptakeDecisionBody, validateUptakeDecision } from './uptake-decision.js';

/** The body of each packet type. */
export interface PacketBodies {
  agreement: AgreementBody;
  referral: ReferralBody;
  consent: ConsentBody;
  'consent-withdrawal': ConsentWithdrawalBody;
  receipt: ReceiptBody;
  'uptake-decision': UptakeDecisionBody;
  'implementation-plan': ImplementationPlanBody;
  'plan-response': PlanResponseBody;
  'follow-up': FollowUpBody;
  'cost-report': CostReportBody;
  reconciliation: ReconciliationBody;
  deviation: DeviationBody;
  'child-notice': ChildNoticeBody;
  closure: ClosureBody;
  message: MessageBody;
  'quota-claim': QuotaClaimBody;
  'quota-release': QuotaReleaseBody;
  'unit-figures': UnitFiguresBody;
  assignment: AssignmentBody;
  'case-history': CaseHistoryBody;
}

/** A packet type of the workflow. */
export type PacketType = keyof PacketBodies;

const VALIDATORS: { [T in PacketType]: (body: unknown) => PacketBodies[T] } = {
  agreement: validateAgreementBody,
  referral: validateReferral,
  consent: validateConsentBody,
  'consent-withdrawal': validateWithdrawalBody,
  receipt: validateReceiptBody,
  'uptake-decision': validateUptakeDecision,
  'implementation-plan': validateImplementationPlan,
  'plan-response': validatePlanResponse,
  'follow-up': validateFollowUp,
  'cost-report': validateCostReport,
  reconciliation: validateReconciliationBody,
  deviation: validateDeviation,
  'child-notice': validateChildNotice,
  closure: validateClosure,
  message: validateMessage,
  'quota-claim': validateQuotaClaimBody,
  'quota-release': validateQuotaReleaseBody,
  'unit-figures': validateUnitFiguresBody,
  assignment: validateAssignment,
  'case-history': validateCaseHistory,
};

/** Every packet type, in the order of PROTOCOL.md §12.1. */
export const PACKET_TYPES = Object.keys(VALIDATORS) as PacketType[];

/** A packet type of a case's hash-chained log (PROTOCOL.md §12.1, §13). */
export type CaseLogType =
  | 'referral'
  | 'consent'
  | 'consent-withdrawal'
  | 'uptake-decision'
  | 'implementation-plan'
  | 'plan-response'
  | 'follow-up'
  | 'cost-report'
  | 'deviation'
  | 'child-notice'
  | 'closure'
  | 'message'
  | 'assignment';

/**
 * A packet type outside the case logs (PROTOCOL.md §12.1): each carries a signed document (a receipt,
 * a quota claim or release, a reconciliation, an agreement, a unit's figures) that is recorded rather
 * than chained.
 */
export type DocumentPacketType = Exclude<PacketType, CaseLogType>;

/**
 * A packet type paired with its body, as a union discriminated by `type`: checking `type` narrows
 * `body`. `TypedBody<'referral' | 'consent'>` is the union of just those two.
 *
 * @example
 * function noteOf(p: TypedBody): string | null {
 *   return p.type === 'uptake-decision' ? p.body.note : null; // p.body is an UptakeDecisionBody
 * }
 */
export type TypedBody<T extends PacketType = PacketType> = {
  [K in T]: { type: K; body: PacketBodies[K] };
}[T];

/**
 * One function per packet type, each taking that type's body: the shape of a per-type table, which
 * makes a switch over the type unnecessary (`table[p.type](p.body)` type-checks for a `TypedBody` `p`
 * through {@link byType}).
 */
export type PerType<T extends PacketType, A extends unknown[], R> = {
  [K in T]: (body: PacketBodies[K], ...args: A) => R;
};

/** Call the entry of `table` for `packet`'s type with its body (and `args`). */
export function byType<T extends PacketType, A extends unknown[], R>(
  table: PerType<T, A, R>,
  packet: TypedBody<T>,
  ...args: A
): R {
  return table[packet.type](packet.body, ...args);
}

const IN_CASE_LOG: { [T in PacketType]: T extends CaseLogType ? true : false } = {
  agreement: false,
  referral: true,
  consent: true,
  'consent-withdrawal': true,
  receipt: false,
  'uptake-decision': true,
  'implementation-plan': true,
  'plan-response': true,
  'follow-up': true,
  'cost-report': true,
  reconciliation: false,
  deviation: true,
  'child-notice': true,
  closure: true,
  message: true,
  'quota-claim': false,
  'quota-release': false,
  'unit-figures': false,
  assignment: true,
  'case-history': false,
};

/** The types that belong to a case's hash-chained log (PROTOCOL.md §13). */
export const CASE_LOG_TYPES: ReadonlySet<PacketType> = new Set<PacketType>(
  PACKET_TYPES.filter((t) => IN_CASE_LOG[t]),
);

/** Whether `type` is a workflow packet type. */
export function isPacketType(type: string): type is PacketType {
  return Object.hasOwn(VALIDATORS, type);
}

/** Whether `type` is a packet type of a case's log. */
export function isCaseLogType(type: string): type is CaseLogType {
  return isPacketType(type) && IN_CASE_LOG[type];
}

/**
 * Validate the body of a packet of `type`. An unknown type or a malformed body is ERR_MALFORMED naming
 * the field. Never throws anything but a BryggaError.
 */
export function validatePacketBody<T extends PacketType>(type: T, body: unknown): PacketBodies[T];
export function validatePacketBody(type: string, body: unknown): PacketBodies[PacketType];
export function validatePacketBody(type: string, body: unknown): PacketBodies[PacketType] {
  if (!isPacketType(type)) throw new BryggaError('ERR_MALFORMED', 'packet type is not a workflow type');
  return typedBody(type, body).body;
}

/**
 * Validate the body of a packet of `type` and pair the two ({@link TypedBody}). ERR_MALFORMED like
 * {@link validatePacketBody}.
 */
export function typedBody<T extends PacketType>(type: T, body: unknown): TypedBody<T> {
  try {
    return { type, body: VALIDATORS[type](body) };
  } catch (err) {
    if (err instanceof BryggaError) throw err;
    throw new BryggaError('ERR_MALFORMED', `${type} body could not be read`, { cause: err });
  }
}

/**
 * Whether a body carries personal data about the person (PROTOCOL.md §12.1, §14.1). Consent documents,
 * receipts, quota claims, reconciliations, unit figures, cost reports and bare decisions carry none: they hold
 * identifiers, codes and amounts that both units of the case already know. Everything with free text
 * about the person, outcomes, plans or follow-ups does.
 */
const PERSONAL_DATA: PerType<PacketType, [], boolean> = {
  agreement: () => false,
  referral: () => true,
  consent: () => false,
  'consent-withdrawal': () => false,
  receipt: () => false,
  'uptake-decision': (d) => d.note !== null || d.relocation !== null || d.special !== null,
  'implementation-plan': () => true,
  'plan-response': (r) => r.changes.length > 0 || r.note !== null,
  'follow-up': () => true,
  'cost-report': () => false,
  reconciliation: () => false,
  deviation: () => true,
  'child-notice': () => true,
  closure: (c) => c.outcomes !== null || c.note !== null,
  message: () => true,
  'quota-claim': () => false,
  'quota-release': () => false,
  'unit-figures': () => false,
  assignment: () => false,
  'case-history': () => true,
};

/** Whether a body of `type` carries personal data about the person (PROTOCOL.md §14.1). */
export function carriesPersonalData<T extends PacketType>(type: T, body: PacketBodies[T]): boolean {
  return PERSONAL_DATA[type](body);
}

/** The recorded legal basis a body carries, if its type can carry one. */
export function legalBasisOf(body: PacketBodies[PacketType]): LegalBasis | null {
  return 'legalBasis' in body ? body.legalBasis : null;
}
