/**
 * The packet types of the workflow and their bodies (PROTOCOL.md §12.1): one validator per type, each
 * throwing ERR_MALFORMED naming the field, and the two facts the rules need about every type: whether it
 * belongs to a case's hash-chained log, and whether its body carries personal data.
 */
import { BryggaError } from '../errors.js';
import { type AgreementBody, validateAgreementBody } from './agreement-packet.js';
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
import {
  type QuotaClaimBody,
  type QuotaReleaseBody,
  validateQuotaClaimBody,
  validateQuotaReleaseBody,
} from './quota-claim.js';
import { type ReceiptBody, validateReceiptBody } from './receipt.js';
import { type ReconciliationBody, validateReconciliationBody } from './reconciliation.js';
import { type ReferralBody, validateReferral } from './referral.js';
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
  'follow-up': FollowUpBody;
  'cost-report': CostReportBody;
  reconciliation: ReconciliationBody;
  deviation: DeviationBody;
  'child-notice': ChildNoticeBody;
  closure: ClosureBody;
  message: MessageBody;
  'quota-claim': QuotaClaimBody;
  'quota-release': QuotaReleaseBody;
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
  'follow-up': validateFollowUp,
  'cost-report': validateCostReport,
  reconciliation: validateReconciliationBody,
  deviation: validateDeviation,
  'child-notice': validateChildNotice,
  closure: validateClosure,
  message: validateMessage,
  'quota-claim': validateQuotaClaimBody,
  'quota-release': validateQuotaReleaseBody,
};

/** Every packet type, in the order of PROTOCOL.md §12.1. */
export const PACKET_TYPES = Object.keys(VALIDATORS) as PacketType[];

/** The types that belong to a case's hash-chained log (PROTOCOL.md §13). */
export const CASE_LOG_TYPES: ReadonlySet<PacketType> = new Set<PacketType>([
  'referral',
  'consent',
  'consent-withdrawal',
  'uptake-decision',
  'implementation-plan',
  'follow-up',
  'cost-report',
  'deviation',
  'child-notice',
  'closure',
  'message',
]);

/** Whether `type` is a workflow packet type. */
export function isPacketType(type: string): type is PacketType {
  return Object.hasOwn(VALIDATORS, type);
}

/**
 * Validate the body of a packet of `type`. An unknown type or a malformed body is ERR_MALFORMED naming
 * the field. Never throws anything but a BryggaError.
 */
export function validatePacketBody<T extends PacketType>(type: T, body: unknown): PacketBodies[T];
export function validatePacketBody(type: string, body: unknown): PacketBodies[PacketType];
export function validatePacketBody(type: string, body: unknown): PacketBodies[PacketType] {
  if (!isPacketType(type)) throw new BryggaError('ERR_MALFORMED', 'packet type is not a workflow type');
  try {
    return VALIDATORS[type](body);
  } catch (err) {
    if (err instanceof BryggaError) throw err;
    throw new BryggaError('ERR_MALFORMED', `${type} body could not be read`, { cause: err });
  }
}

/**
 * Whether a body carries personal data about the person (PROTOCOL.md §14.1). Consent documents,
 * receipts, quota claims, reconciliations, cost reports and bare decisions carry none: they hold
 * identifiers, codes and amounts that both units of the case already know. Everything with free text
 * about the person, outcomes, plans or follow-ups does.
 */
export function carriesPersonalData(type: PacketType, body: PacketBodies[PacketType]): boolean {
  switch (type) {
    case 'referral':
    case 'implementation-plan':
    case 'follow-up':
    case 'deviation':
    case 'child-notice':
    case 'message':
      return true;
    case 'uptake-decision':
      return (body as UptakeDecisionBody).note !== null;
    case 'closure': {
      const c = body as ClosureBody;
      return c.outcomes !== null || c.note !== null;
    }
    default:
      return false;
  }
}

/** The recorded legal basis a body carries, if its type can carry one. */
export function legalBasisOf(body: PacketBodies[PacketType]): LegalBasis | null {
  const lb = (body as { legalBasis?: LegalBasis | null }).legalBasis;
  return lb ?? null;
}
