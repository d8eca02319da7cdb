/**
 * The data shapes of the client's API (PROTOCOL.md §12–17, §19): what `BryggaClient.open` takes, what
 * the use cases take and return, and the views of cases, case logs, reconciliations and the
 * transparency log. They live apart from the class so that the modules behind it (sending, receiving,
 * the transparency monitor) can name them without importing the client: the client layer has no import
 * cycle. One file for all of them rather than one per type: they are read together.
 */

import type { CaseState } from '../cases/case-state.js';
import type { ContactPerson, LegalBasis, OutcomeMeasures } from '../cases/common-fields.js';
import type { OralConsent, WrittenConsent } from '../cases/consent.js';
import type { CaseLogType, PacketBodies, PacketType, TypedBody } from '../cases/packet-body.js';
import type { ReferralBody } from '../cases/referral.js';
import type { CaseStatus } from '../cases/workflow.js';
import type { Rng } from '../crypto/bytes.js';
import type { GeneralJws } from '../crypto/jws.js';
import type { Agreement } from '../directory/agreement.js';
import type { BryggaStore, PacketRecord } from '../store/brygga-store.js';
import type { FetchFunction } from '../transport/relay-client.js';
import type { DeviceIdentity } from './device-identity.js';

/** Options of `BryggaClient.open`. */
export interface BryggaClientOptions {
  identity: DeviceIdentity;
  /** The agreement this device pins (its trust anchor; PROTOCOL.md §5). */
  agreement: Agreement;
  store: BryggaStore;
  /** The relay's base URL. */
  relayUrl: string;
  /** The relay's public URL (the token audience), when it differs from `relayUrl`. */
  relayAudience?: string;
  fetch?: FetchFunction;
  now?: () => Date;
  rng?: Rng;
  /**
   * The relay's transparency log key (`<origin>+<key id>+<base64 key>`, from `GET /v1/log/key`, compared
   * out of band). Without it the first key the relay shows is pinned (trust on first use).
   */
  logKey?: string;
  /**
   * How long (ms) the relay has to log what it accepted before it counts as omitted (PROTOCOL.md §19.4).
   * Default 5000: a few of the relay's default merge delays.
   */
  logBoundMs?: number;
  /**
   * How many other units must have cosigned a checkpoint before it is final; statements are applied
   * only once a final checkpoint includes them. Default 0 (every verified checkpoint is final).
   */
  witnessQuorum?: number;
  /**
   * Replay the log's entries at every sync, monitoring this unit's keys (default true). A device that
   * does not (a browser session beside a monitoring case system) proves inclusion by proofs alone.
   */
  logMonitor?: boolean;
}

/** A checkpoint as {@link TransparencyStatus} shows it. */
interface CheckpointView {
  size: number;
  /** The root hash, base64. */
  root: string;
  /** The other units that cosigned it. */
  cosigners: string[];
  /** The signed note. */
  note: string;
}

/** The transparency log as this device sees it (`BryggaClient.logStatus`). */
export interface TransparencyStatus {
  /** The pinned verifier key, once known. */
  logKey: string | null;
  /** The newest verified checkpoint. */
  latest: CheckpointView | null;
  /** The newest final checkpoint (witness quorum reached). */
  final: CheckpointView | null;
  /** Leaves replayed so far (0 when this device does not monitor). */
  monitored: number;
  /** Submitted envelopes not yet seen in the log. */
  pending: number;
}

/** How a consent was given, for `BryggaClient.refer` and `BryggaClient.attestConsent`. */
export interface ConsentDetails {
  form: 'written' | 'oral';
  written?: WrittenConsent;
  oral?: OralConsent;
  validFrom: string;
  validUntil?: string | null;
  /** Consent to lifting secrecy towards the police (required for a referral; default true). */
  police?: boolean;
}

/** What `BryggaClient.refer` needs: the referral without what the SDK adds (consent, quota). */
export interface ReferInput extends Omit<ReferralBody, 'consent' | 'quota' | 'note'> {
  consent: ConsentDetails;
  note?: string | null;
}

/** How the person withdrew consent, for `BryggaClient.withdrawConsent` (by default every consent standing). */
export interface WithdrawConsentInput {
  consentId?: string;
  withdrawnOn: string;
  form: 'written' | 'oral';
  note?: string | null;
}

/** The receiving unit's decision, for `BryggaClient.decideUptake`: an acceptance, or a decline with its reason. */
export type DecideUptakeInput =
  | { decision: 'accept'; contacts: ContactPerson[]; note?: string | null }
  | {
      decision: 'decline';
      reason: PacketBodies['uptake-decision']['reason'] & string;
      note?: string | null;
      contacts?: ContactPerson[];
    };

/** What `BryggaClient.close` takes; the costs per service come from the case's cost reports. */
export interface CloseInput {
  closedOn: string;
  reason: PacketBodies['closure']['reason'];
  outcomes: OutcomeMeasures | null;
  note?: string | null;
  legalBasis?: LegalBasis | null;
}

/** A packet this device signed. */
export interface SendResult {
  caseId: string | null;
  pid: string;
  hash: string;
  type: PacketType;
  /** The relay has it. When false it waits in the outbox for the next `sync()`. */
  submitted: boolean;
}

/** The outcome of one packet received. */
export interface ReceiveResult {
  pid: string | null;
  outcome: 'applied' | 'held' | 'rejected' | 'stored' | 'duplicate';
  code: string | null;
}

/** What one `sync()` did. */
export interface SyncReport {
  received: ReceiveResult[];
  /** Packets of this device the relay accepted. */
  sent: number;
  notices: number;
}

/** A case as the case system sees it. */
export interface CaseView {
  caseId: string;
  status: CaseStatus;
  delivered: boolean;
  state: CaseState;
}

/**
 * A packet of a case log, decrypted, for the case system. Checking `type` narrows `body` to that type's
 * body.
 */
export type CaseLogEntry = TypedBody<CaseLogType> & {
  pid: string;
  hash: string;
  prev: string | null;
  from: { unit: string; device: string };
  sentAt: string;
  status: PacketRecord['status'];
  attachments: { name: string; type: string; data: Uint8Array }[];
};

/** A reconciliation as stored. */
export interface ReconciliationView {
  id: string;
  units: string[];
  label: string;
  document: GeneralJws;
  complete: boolean;
}

/** What a purge removed (or, as a dry run, would remove). */
export interface PurgeResult {
  /** Case ids removed. */
  cases: string[];
  /** Reconciliation statements removed. */
  reconciliations: string[];
  /** HPKE key ids destroyed. */
  keys: string[];
  /** The signed purge record, or null when nothing was (or would be) removed, or on a dry run. */
  record: string | null;
}
