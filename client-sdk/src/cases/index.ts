/**
 * The case workflow (PROTOCOL.md §12–17): packet types and their validators, signed case documents
 * (consent, withdrawal, receipt, quota claims, reconciliation, evidence), the hash-chained case log, the
 * workflow and its rules, quota accounting, costs and reconciliation, and evidence bundles. Pure: nothing
 * here does I/O (no store, relay or clock of its own); the client over it is in client/.
 * Named one export at a time; everything else in this folder is internal.
 */
export { type AgreementBody, validateAgreementBody } from './agreement-packet.js';
export {
  CaseLog,
  type CaseReducer,
  type ChainLink,
  type LinkStatus,
  type OfferResult,
  verifyChain,
} from './case-log.js';
export { type CasePacket, toCasePacket, verifyPacketJws } from './case-packet.js';
export {
  type AffiliationRecord,
  type CaseContext,
  type CaseState,
  type ChildNoticeRecord,
  caseReducer,
  costTotals,
  type DeviationRecord,
  type RivalCheckRecord,
} from './case-state.js';
export {
  type ChildNoticeBody,
  type ChildResponsibility,
  validateChildNotice,
} from './child-notice.js';
export { type ClosureBody, type ClosureReason, validateClosure } from './closure.js';
export {
  type ContactPerson,
  type LegalBasis,
  type OutcomeMeasures,
  type OutcomeValue,
  validateContact,
  validateLegalBasis,
  validateOutcomes,
} from './common-fields.js';
export {
  attestConsent,
  CONSENT_TYP,
  type ConsentBody,
  type ConsentClaims,
  type ConsentForm,
  type ConsentInput,
  type ConsentScope,
  hashConsentForm,
  type OralConsent,
  validateConsentBody,
  validateConsentClaims,
  verifyConsent,
  type WrittenConsent,
} from './consent.js';
export {
  type ConsentFormInput,
  type ConsentFormParty,
  consentFormBytes,
  consentFormSha256,
  consentFormText,
} from './consent-form.js';
export {
  CONSENT_WITHDRAWAL_TYP,
  type ConsentWithdrawalBody,
  type ConsentWithdrawalClaims,
  recordWithdrawal,
  validateWithdrawalBody,
  validateWithdrawalClaims,
  verifyWithdrawal,
} from './consent-withdrawal.js';
export { type CostLine, type CostReportBody, MAX_LINE_SEK, validateCostReport } from './cost-report.js';
export {
  DEVIATION_RULES,
  type DeviationBody,
  type DeviationReason,
  type DeviationRule,
  validateDeviation,
} from './deviation.js';
export {
  csvField,
  type DeviationEntry,
  type DeviationRegisterExport,
  deviationRegister,
  deviationRegisterCsv,
  exportDeviationRegister,
} from './deviation-register.js';
export {
  buildEvaluationReport,
  combineFigures,
  type EvaluationInput,
  type EvaluationReconciliation,
  type EvaluationReport,
  type EvaluationSignature,
  type QuotaBalance,
  requireCompleteEvaluation,
} from './evaluation.js';
export {
  buildEvidenceBundle,
  EVIDENCE_TYP,
  type EvidenceBundle,
  type EvidenceManifest,
  type EvidencePacket,
  validateEvidenceBundle,
} from './evidence.js';
export { type EvidenceEntry, type EvidenceReport, verifyEvidence } from './evidence-verification.js';
export {
  EMAIL_PATTERN,
  HALF_YEAR_PATTERN,
  HASH_PATTERN,
  isCalendarDate,
  PERSONAL_IDENTITY_NUMBER_PATTERN,
  PHONE_PATTERN,
  RECONCILIATION_PERIOD_PATTERN,
} from './field-patterns.js';
export { type FollowUpBody, type ServiceStatus, validateFollowUp } from './follow-up.js';
export {
  type ImplementationPlanBody,
  type PlannedService,
  validateImplementationPlan,
} from './implementation-plan.js';
export { type MessageBody, validateMessage } from './message.js';
export {
  CASE_LOG_TYPES,
  type CaseLogType,
  carriesPersonalData,
  type DocumentPacketType,
  isCaseLogType,
  isPacketType,
  legalBasisOf,
  PACKET_TYPES,
  type PacketBodies,
  type PacketType,
  type TypedBody,
  typedBody,
  validatePacketBody,
} from './packet-body.js';
export { type PlanChange, type PlanResponseBody, validatePlanResponse } from './plan-response.js';
export {
  makeQuotaClaim,
  QUOTA_CLAIM_TYP,
  QUOTA_RELEASE_TYP,
  type QuotaClaimBody,
  type QuotaClaimClaims,
  type QuotaDirection,
  type QuotaProof,
  type QuotaReleaseBody,
  type QuotaReleaseClaims,
  quotaCommitment,
  releaseQuotaClaim,
  validateQuotaClaim,
  validateQuotaRelease,
  verifyQuotaClaim,
  verifyQuotaProof,
  verifyQuotaRelease,
} from './quota-claim.js';
export { QuotaLedger, type QuotaUse } from './quota-ledger.js';
export {
  matchReceipt,
  RECEIPT_TYP,
  type ReceiptBody,
  type ReceiptClaims,
  type ReceiptInput,
  type ReceiptOutcome,
  type SentPacketRecord,
  signReceipt,
  validateReceiptClaims,
  verifyReceipt,
} from './receipt.js';
export {
  assertAgreedPeriod,
  type CaseCostRecord,
  computeReconciliation,
  countersignReconciliation,
  type HalfYear,
  halfYearBounds,
  type MunicipalityCostTotals,
  proposeReconciliation,
  RECONCILIATION_TYP,
  type ReconciliationBody,
  type ReconciliationLine,
  type ReconciliationPeriod,
  type ReconciliationStatement,
  reconciliationId,
  reconciliationPeriod,
  reconciliationPeriodOf,
  reconciliationPeriodsBetween,
  reconciliationTotals,
  sameFigures,
  type VerifiedReconciliation,
  validateReconciliationStatement,
  verifyReconciliation,
} from './reconciliation.js';
export {
  type Category,
  type ChildrenCheck,
  type PoliceApproval,
  type PoliceConsultation,
  type PoliceOfficer,
  type ReferralBody,
  type ReferredPerson,
  type TargetGroupAssessment,
  type TemporaryHousing,
  type ThreatKind,
  type ThreatLevel,
  validateReferral,
} from './referral.js';
export {
  type Officer,
  RELOCATION_RESULTS,
  type RelocationCheck,
  type RelocationNotice,
  type RelocationPreCheck,
  validateRelocation,
} from './relocation.js';
export {
  computeReminders,
  type ReconciliationState,
  type Reminder,
  type ReminderInput,
  type ReminderKind,
} from './reminders.js';
export {
  caseEndDay,
  expiredCases,
  hpkeKeysToDestroy,
  IN_FLIGHT_SECONDS,
  type OwnHpkeKey,
  PURGE_TYP,
  type PurgeRecord,
  purgeableOn,
  reconciliationsOfPurged,
  retainedUntil,
  signPurgeRecord,
  validatePurgeRecord,
  verifyPurgeRecord,
} from './retention.js';
export {
  findRivalCollisions,
  type GroupAffiliation,
  groupKey,
  type KnownGroup,
  type KnownGroupInput,
  MAX_GROUPS,
  RIVAL_DECISIONS,
  RIVAL_RESULTS,
  type RivalCheck,
  type RivalCollision,
  validateAffiliation,
  validateKnownGroupInput,
  validateRivalCheck,
} from './rival-groups.js';
export {
  agreementAt,
  assertAffiliationStated,
  assertConsentFits,
  assertDatedBy,
  assertInCatalogue,
  assertPersonalDataCovered,
  assertPolice,
  assertReferralPreconditions,
  assertRivalChecked,
  assertTargetGroup,
  type ConsentRecord,
  requireAgreementAt,
} from './rules.js';
export {
  type DeviceResolver,
  directoryResolver,
  type SignerRecord,
  signDocument,
  type VerifiedDocument,
  verifyDocument,
} from './signed-document.js';
export {
  SPECIAL_OUTCOMES,
  type SpecialAssessment,
  type SpecialCaseMark,
  validateSpecial,
} from './special-case.js';
export {
  agreementStatisticsPeriod,
  CLOSURE_REASONS,
  computeStatistics,
  DECISION_ROWS,
  DEVIATION_REASONS,
  OUTCOME_ROWS,
  OUTCOME_TABLES,
  STATISTICS_TABLES,
  type StatisticsInput,
  type StatisticsPeriod,
  type StatisticsReport,
  type StatisticsTableId,
  statisticsCsv,
  statisticsPeriod,
  validateStatisticsReport,
} from './statistics.js';
export { type Figure, type FigureKind, HIDDEN, type PublishedTable, smallMarker } from './suppression.js';
export {
  computeUnitFigures,
  type ReconciliationSummary,
  signUnitFigures,
  UNIT_FIGURES_TYP,
  type UnitFigures,
  type UnitFiguresInput,
  validateUnitFigures,
  verifyUnitFigures,
} from './unit-figures.js';
export { type UnitFiguresBody, validateUnitFiguresBody } from './unit-figures-body.js';
export {
  DECLINE_REASONS,
  type DeclineReason,
  type UptakeDecisionBody,
  validateUptakeDecision,
} from './uptake-decision.js';
export {
  assertTransition,
  type CaseStatus,
  type LogStatus,
  type Role,
  type Transition,
  WORKFLOW,
} from './workflow.js';
