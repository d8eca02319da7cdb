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
import type { RelocationPreCheck } from '../cases/relocation.js';
import type { RivalCheck } from '../cases/rival-groups.js';
import type { SpecialCaseMark } from '../cases/special-case.js';
import type { CaseStatus } from '../cases/workflow.js';
import type { Rng } from '../crypto/bytes.js';
import type { GeneralJws } from '../crypto/jws.js';
import type { Agreement } from '../directory/agreement.js';
import type { RootPin } from '../directory/trust-chain.js';
import type { BryggaError } from '../errors.js';
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
  /**
   * The passphrase the device's keys are kept under in `store` (see `saveIdentity`). With it the client
   * rotates its HPKE key by itself during `sync()` before the key expires, and keeps each new private
   * key in the store, encrypted under it (PROTOCOL.md §6.2). Without it, keys are rotated by hand
   * (`brygga device rotate-key`).
   */
  passphrase?: string;
  /** How keys are rotated (with `passphrase`): each new key's lifetime, and when the next is made. */
  keyRotation?: {
    /** Lifetime of each new key, in seconds; default 90 days, at most 400. */
    lifetimeSeconds?: number;
    /** Rotate once the newest key has less than this share of its life left; default 1/3. */
    share?: number;
  };
  /**
   * Root key changes this device allows (PROTOCOL.md §5.2), besides those it keeps in its store
   * (`pinRootKey`, `acceptRootChange`): kept in the store too, and passed to the directory.
   */
  pins?: readonly RootPin[];
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
  /** Consent to the processing of the personal data (required for a referral; default true). */
  processing?: boolean;
}

/** What `BryggaClient.refer` needs: the referral without what the SDK adds (consent, quota). */
export interface ReferInput
  extends Omit<ReferralBody, 'consent' | 'quota' | 'note' | 'deviations' | 'affiliation'> {
  consent: ConsentDetails;
  note?: string | null;
  /** Documented deviations the referral relies on (PROTOCOL.md §14.8); none by default. */
  deviations?: ReferralBody['deviations'];
  /**
   * The person's group affiliation (PROTOCOL.md §14.6 (5)): required where the receiving
   * municipality's terms set `rivalCheck`; null by default.
   */
  affiliation?: ReferralBody['affiliation'];
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
  | {
      decision: 'accept';
      contacts: ContactPerson[];
      note?: string | null;
      /** The relocation pre-check (PROTOCOL.md §14.6 (3)): required where the terms name a body to notify. */
      relocation?: RelocationPreCheck | null;
      /** The special-case mark (PROTOCOL.md §14.6 (4)): with the assessment of the body the terms name. */
      special?: SpecialCaseMark | null;
      /**
       * The rival-group check (PROTOCOL.md §14.6 (5)): required where the terms set `rivalCheck`; "no
       * conflict" is refused while this unit's list of known groups shows one.
       */
      rivalCheck?: RivalCheck | null;
    }
  | {
      decision: 'decline';
      reason: PacketBodies['uptake-decision']['reason'] & string;
      note?: string | null;
      contacts?: ContactPerson[];
      relocation?: RelocationPreCheck | null;
      /** The special-case mark (PROTOCOL.md §14.6 (4)): with the assessment of the body the terms name. */
      special?: SpecialCaseMark | null;
      /** The rival-group check, if made (a conflict is then `declined`); a decline needs none. */
      rivalCheck?: RivalCheck | null;
    };

/**
 * What `BryggaClient.respondToPlan` takes: the answer to the case's current implementation plan
 * (PROTOCOL.md §14.6), which the client names itself. `date` defaults to today.
 */
export interface PlanResponseInput {
  decision: 'agree' | 'changes';
  /** Empty (or left out) when agreeing; what should change and why when asking for changes. */
  changes?: PacketBodies['plan-response']['changes'];
  date?: string;
  decidedBy: { name: string; role: string };
  note?: string | null;
  legalBasis?: PacketBodies['plan-response']['legalBasis'];
}

/** What `BryggaClient.close` takes; the costs per service come from the case's cost reports. */
export interface CloseInput {
  closedOn: string;
  reason: PacketBodies['closure']['reason'];
  outcomes: OutcomeMeasures | null;
  note?: string | null;
  legalBasis?: LegalBasis | null;
}

/** A packet this device signed, and what became of it. */
export interface SendResult {
  caseId: string | null;
  pid: string;
  /** Its hash as the relay has it (a packet sealed again after a refusal has a new one; PROTOCOL.md §13.5). */
  hash: string;
  type: PacketType;
  /** The relay has it. When false it waits in the outbox for the next `sync()`, or was refused. */
  submitted: boolean;
  /**
   * `submitted`: the relay has it; `queued`: it waits in the outbox (the relay out of reach) and goes
   * with the next `sync()`; `refused`: the relay refused it and it was undone (only in a
   * `PacketRefusedError`, which the use case throws).
   */
  status: 'submitted' | 'queued' | 'refused';
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
  /** Packets of this device the relay refused and that were sealed again to the current devices (PROTOCOL.md §13.5). */
  healed: string[];
  /** Packets of this device the relay refused for good and that were undone, with the code naming the cause. */
  voided: { pid: string; code: string; voided: string[] }[];
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

/** An alert for a person to judge (`BryggaClient.alerts`; PROTOCOL.md §19.7, §5.1). */
export interface AlertView {
  id: number;
  /** `log`: a failed check of the relay's transparency log; `root-key`: an extension refused over a root key. */
  kind: 'log' | 'root-key';
  /** The error code of the check (`ERR_LOG_UNEXPECTED_KEY`, `ERR_LOG_INCONSISTENT`, `ERR_AGREEMENT_INVALID`, …). */
  code: string;
  detail: string;
  /** The evidence: a `LogEvidence` document, or the `RootKeyAlert`. */
  evidence: unknown;
  /** When it was raised (ISO 8601). */
  at: string;
  /** Who acknowledged it and when, or null while it waits for someone. */
  acknowledged: { by: string; at: string } | null;
}

/** The state of `BryggaClient.watch`'s connection to the relay. */
export interface WatchConnection {
  /** True once a (re)connection synced; false when it broke. */
  connected: boolean;
  /** When broken: how long until the next try. */
  retryInMs?: number;
  /** When broken: why. */
  error?: BryggaError;
}

/** Options of `BryggaClient.watch`. */
export interface WatchOptions {
  /** Stops the watch (the iterator ends). */
  signal?: AbortSignal;
  /** Yield the events stored and not yet consumed first, then what happens. Default: from now. */
  fromStart?: boolean;
  /** Told when the connection syncs after (re)connecting, and when it breaks. */
  onConnection?: (state: WatchConnection) => void;
  /** The first pause before reconnecting, in ms (default 500); each next one doubles. */
  minPauseMs?: number;
  /** The longest pause, in ms (default 30000). */
  maxPauseMs?: number;
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
