/**
 * Brygga client SDK: the public API, named one export at a time. Everything not listed here is
 * internal and may change without notice.
 */

// The case workflow (PROTOCOL.md §12–17), named export by export in cases/index.ts.
export * from './cases/index.js';
// The client over it (PROTOCOL.md §13.3–13.4, §19), named export by export in client/index.ts.
export * from './client/index.js';
// Keys, key files, JWS, strict JSON and the crypto provider, named export by export in crypto/index.ts.
export * from './crypto/index.js';
export {
  type AdmittedCases,
  AGREEMENT_TYP,
  Agreement,
  type AgreementTerms,
  type CatalogueService,
  type Municipality,
  type Party,
  RECONCILIATION_INTERVALS,
  REPORTING_DEFAULTS,
  type ReportingTerms,
  reportingTerms,
} from './directory/agreement.js';
export {
  AGREEMENT_TEMPLATES,
  type AgreementTemplate,
  agreementTemplate,
  isAgreementTemplate,
  rootKeyPlaceholder,
  TEMPLATE_CATALOGUE,
  templateUnits,
} from './directory/agreement-templates.js';
export {
  type DeviceRecord,
  Directory,
  type DirectoryOptions,
  type DirectorySnapshot,
  type HpkeKeyRecord,
  type RecipientDevice,
} from './directory/directory.js';
export { checkDisplayText, displayTextProblem, normalizeDisplayText } from './directory/display-text.js';
export {
  type DeviationTerms,
  deviableRules,
  type PreconditionTerms,
  preconditionTerms,
  RULE_IDS,
  RULE_SOURCES,
  type RuleId,
  TARGET_CRITERIA,
  type TargetCriterion,
} from './directory/precondition-terms.js';
export {
  offeredServices,
  RECEIVING_SOURCES,
  type ReceivingTerms,
  relocationNoticeOf,
  rivalCheckOf,
  specialCasesOf,
} from './directory/receiving-terms.js';
export {
  DEVICE_TYP,
  type DeviceClaims,
  designateIntake,
  enrolDevice,
  HPKE_KEY_TYP,
  type HpkeKeyClaims,
  INTAKE_TYP,
  type IntakeClaims,
  MAX_INTAKE_DEVICES,
  parseStatement,
  publishHpkeKey,
  REVOCATION_TYP,
  type RevocationClaims,
  revokeDevice,
  type Statement,
} from './directory/statements.js';
export {
  isRootKeyChange,
  ROOT_CHANGE_TYP,
  type RootChangeClaims,
  type RootKeyAlert,
  RootKeyChangeError,
  type RootPin,
  signRootChange,
} from './directory/trust-chain.js';
export { DATE_PATTERN, ID_PATTERN, KID_PATTERN } from './directory/validate.js';
export {
  ENVELOPE_VERSION,
  Envelope,
  type EnvelopeHeader,
  type HeaderRecipient,
  MAX_RECIPIENTS,
  PACKET_ID_PATTERN,
} from './envelope/envelope.js';
export { type AttachmentMeta, PACKET_TYP, type PacketClaims } from './envelope/packet.js';
export {
  type Attachment,
  type OpenedPacket,
  type OpenInput,
  openPacket,
  packetHash,
  type ReceivingDevice,
  type SealedPacket,
  type SealInput,
  sealPacket,
} from './envelope/seal.js';
export {
  BryggaError,
  type BryggaErrorClasses,
  type BryggaErrorOf,
  ERROR_CODES,
  ERROR_TABLE,
  type ErrorCode,
  type ErrorTableRow,
  errorCodeOf,
  isBryggaError,
  PROBLEM_CODES,
  PROBLEM_TYPE_PREFIX,
  type ProblemCode,
  problemCodeOf,
  problemType,
} from './errors.js';
// The local store (PROTOCOL.md §13.3), named export by export in store/index.ts.
export * from './store/index.js';
// The transparency log (PROTOCOL.md §18): Merkle proofs, signed notes, checkpoints, cosignatures.
export * from './transparency/index.js';
export {
  type ConsistencyProofAnswer,
  type CosignatureReceipt,
  type DirectoryListing,
  ENVELOPE_MEDIA_TYPE,
  type FetchFunction,
  type InboxItem,
  type InboxNotice,
  type InboxOptions,
  type InboxPacket,
  type InboxPage,
  type InclusionProofAnswer,
  LOG_ENTRIES_MEDIA_TYPE,
  type LogEntriesPage,
  type LogEntryAnswer,
  type LogKeyInfo,
  type Problem,
  RelayClient,
  type RelayClientOptions,
  RelayError,
  type RelayEvent,
  type RelayHealth,
  type SubmitReceipt,
} from './transport/relay-client.js';
export {
  createRelayToken,
  MAX_RELAY_TOKEN_LIFETIME_SECONDS,
  RELAY_AUDIENCE_PATTERN,
  RELAY_TOKEN_TYP,
  type RelayTokenClaims,
  type RelayTokenOptions,
} from './transport/relay-token.js';
