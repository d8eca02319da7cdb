/**
 * The Brygga client (PROTOCOL.md §12–17): one per device. It opens with the device's keys, the pinned
 * agreement, a store and the relay's URL, and offers the workflow's use cases (refer, attest and
 * withdraw consent, decide uptake, plan, follow up, report costs, reconcile, record deviations, send
 * child notices and messages, close) and `sync()`, which pulls the inbox, verifies and decrypts every
 * packet, applies it exactly once, sends a signed receipt and acknowledges it to the relay.
 *
 * Exactly once: everything one packet changes (its case log, case state, receipts, quota claims, events,
 * the outbox with the receipt to send, and the record that its id was processed) is written in one store
 * transaction; the relay is acknowledged only after that commits. A crash before the commit leaves
 * nothing, so the packet is processed again; a crash after it leaves the packet marked as processed, so
 * a second delivery is only acknowledged. Packets this device signs wait in the outbox until the relay
 * has them, and are re-sent as the same bytes (the relay is idempotent on the packet id).
 */
import { fromBase64url, type Rng, randomBytes, toBase64, toBase64url } from '../crypto/bytes.js';
import type { GeneralJws } from '../crypto/jws.js';
import { Agreement } from '../directory/agreement.js';
import { Directory } from '../directory/directory.js';
import type { Attachment } from '../envelope/seal.js';
import { BryggaError } from '../errors.js';
import type { BryggaStore, CaseRecord, PacketRecord } from '../store/brygga-store.js';
import type { LogEvidence } from '../transparency/log-evidence.js';
import type { VerifiedCheckpoint } from '../transparency/log-verifier.js';
import { type FetchFunction, RelayError } from '../transport/relay-client.js';
import { caseStatus, claimsOf } from './_case-book.js';
import { DeviceRuntime } from './_device.js';
import { dayOfDate } from './_fields.js';
import { receive } from './_inbound.js';
import { type CaseState, costTotals } from './case-state.js';
import type { ClientEvent, ClientEventListener, ClientEventType } from './client-events.js';
import type { ContactPerson, LegalBasis, OutcomeMeasures } from './common-fields.js';
import { attestConsent, type ConsentScope, type OralConsent, type WrittenConsent } from './consent.js';
import { recordWithdrawal } from './consent-withdrawal.js';
import type { CostLine } from './cost-report.js';
import type { DeviceIdentity } from './device-identity.js';
import { buildEvidenceBundle, type EvidenceReport, verifyEvidence } from './evidence.js';
import { type PacketBodies, type PacketType, validatePacketBody } from './packet-body.js';
import { makeQuotaClaim, type QuotaDirection } from './quota-claim.js';
import type { QuotaUse } from './quota-ledger.js';
import {
  type CaseCostRecord,
  computeReconciliation,
  countersignReconciliation,
  proposeReconciliation,
  reconciliationId,
  verifyReconciliation,
} from './reconciliation.js';
import type { ReferralBody } from './referral.js';
import { agreementAt, requireAgreementAt } from './rules.js';
import { directoryResolver } from './signed-document.js';
import type { CaseStatus } from './workflow.js';

/** Options of {@link BryggaClient.open}. */
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

/** The log as this device sees it ({@link BryggaClient.logStatus}). */
export interface TransparencyStatus {
  /** The pinned verifier key, once known. */
  logKey: string | null;
  /** The newest verified checkpoint: its size, root (base64) and the other units that cosigned it. */
  latest: { size: number; root: string; cosigners: string[]; note: string } | null;
  /** The newest final checkpoint (witness quorum reached). */
  final: { size: number; root: string; cosigners: string[]; note: string } | null;
  /** Leaves replayed so far (0 when this device does not monitor). */
  monitored: number;
  /** Submitted envelopes not yet seen in the log. */
  pending: number;
}

/** How a consent was given, for {@link BryggaClient.refer} and {@link BryggaClient.attestConsent}. */
export interface ConsentDetails {
  form: 'written' | 'oral';
  written?: WrittenConsent;
  oral?: OralConsent;
  validFrom: string;
  validUntil?: string | null;
  /** Consent to lifting secrecy towards the police (required for a referral; default true). */
  police?: boolean;
}

/** What {@link BryggaClient.refer} needs: the referral without what the SDK adds (consent, quota). */
export interface ReferInput extends Omit<ReferralBody, 'consent' | 'quota' | 'note'> {
  consent: ConsentDetails;
  note?: string | null;
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

/** A packet of a case log, decrypted, for the case system. */
export interface CaseLogEntry {
  pid: string;
  hash: string;
  prev: string | null;
  type: PacketType;
  from: { unit: string; device: string };
  sentAt: string;
  status: PacketRecord['status'];
  body: PacketBodies[PacketType];
  attachments: { name: string; type: string; data: Uint8Array }[];
}

/** A reconciliation as stored. */
export interface ReconciliationView {
  id: string;
  units: string[];
  label: string;
  document: GeneralJws;
  complete: boolean;
}

/** A device's client. Create with {@link BryggaClient.open}. */
export class BryggaClient {
  readonly #d: DeviceRuntime;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(d: DeviceRuntime) {
    this.#d = d;
  }

  /**
   * Open the client: pin the agreement, and rebuild the directory from what the store holds (accepted
   * extensions and statements), so a restarted device continues where it stopped.
   *
   * @example
   * const client = await BryggaClient.open({ identity, agreement, store, relayUrl: 'https://brygga.example.se' });
   * await client.sync();
   */
  static async open(options: BryggaClientOptions): Promise<BryggaClient> {
    const { agreement, store, identity } = options;
    if (!agreement.terms.parties.some((p) => p.unit === identity.unit)) {
      throw new BryggaError('ERR_NOT_IN_AGREEMENT', `unit ${identity.unit} is not a party to the agreement`);
    }
    const directory = new Directory(agreement);
    await store.putAgreement(agreement.digest, agreement.terms.sequence, agreement.serialize());
    for (const a of await store.listAgreements()) {
      if (a.sequence <= directory.agreement.terms.sequence) continue;
      const next = Agreement.deserialize(a.document);
      if (next.terms.id === agreement.terms.id) directory.addAgreement(next);
    }
    for (const jws of await store.listStatements()) {
      try {
        directory.apply(jws);
      } catch {
        // A statement that verified once and no longer does (its unit left the agreement): skip it.
      }
    }
    return new BryggaClient(
      new DeviceRuntime({
        identity,
        store,
        directory,
        relayUrl: options.relayUrl,
        relayAudience: options.relayAudience,
        fetch: options.fetch,
        now: options.now,
        rng: options.rng,
        log: {
          logKey: options.logKey,
          logBoundMs: options.logBoundMs,
          witnessQuorum: options.witnessQuorum,
          monitor: options.logMonitor,
        },
      }),
    );
  }

  /** This device's unit. */
  get unit(): string {
    return this.#d.identity.unit;
  }

  /** This device's key id. */
  get device(): string {
    return this.#d.identity.key.kid;
  }

  /** The verified directory (agreements, devices, keys). */
  get directory(): Directory {
    return this.#d.directory;
  }

  // ------------------------------------------------------------------------------------------------
  // Sync

  /**
   * Pull everything: send what waits in the outbox, verify the relay's log (its newest checkpoint, its
   * new entries) and witness it, update the directory (every statement proven logged), then list the
   * inbox and process every packet (verify, decrypt, apply once, receipt), acknowledging each after its
   * commit; finally check that what this device submitted reached the log.
   *
   * A failed log check (ERR_LOG_BAD_SIGNATURE, ERR_LOG_ROLLBACK, ERR_LOG_INCONSISTENT,
   * ERR_LOG_OMISSION, ERR_LOG_UNEXPECTED_KEY) is thrown after its evidence is kept and a `log.alert`
   * event recorded; a packet whose checkpoint does not join this device's view is refused with that code.
   */
  sync(options: { signal?: AbortSignal } = {}): Promise<SyncReport> {
    return this.#exclusive(async () => {
      const report: SyncReport = { received: [], sent: 0, notices: 0 };
      report.sent += await this.#d.flushOutbox();
      await this.#d.log.refresh();
      await this.#d.syncDirectory();
      let cursor: string | undefined;
      do {
        const page = await this.#d.relay.inbox({ cursor, limit: 100, signal: options.signal });
        for (const item of page.items) {
          if (item.kind === 'notice') {
            await this.#d.record(async (tx, p) => {
              await this.#d.emit(tx, p, 'packet.expired', null, {
                pid: item.packetId,
                recipient: item.recipient,
              });
            });
            await this.#d.relay.ackNotice(item.id);
            report.notices++;
            continue;
          }
          const done = await this.#d.store.getProcessed(item.id);
          if (done) {
            await this.#d.relay.ack(item.id);
            report.received.push({ pid: item.id, outcome: 'duplicate', code: 'ERR_REPLAY' });
            continue;
          }
          let bytes: Uint8Array;
          try {
            bytes = await this.#d.relay.fetchPacket(item.id);
          } catch (err) {
            if (err instanceof RelayError && err.status === 404) continue;
            throw err;
          }
          const result = await receive(this.#d, bytes, item.id, () => this.#d.syncDirectory());
          report.received.push(result);
          await this.#d.relay.ack(item.id);
        }
        cursor = page.next ?? undefined;
      } while (cursor !== undefined);
      report.sent += await this.#d.flushOutbox();
      await this.#d.log.settle();
      return report;
    });
  }

  /**
   * Process one envelope obtained outside the relay (an offline import, or a test): exactly as `sync()`
   * would, but without acknowledging anything. A packet already processed is ERR_REPLAY.
   */
  receiveEnvelope(bytes: Uint8Array): Promise<ReceiveResult> {
    return this.#exclusive(() => receive(this.#d, bytes));
  }

  /** Send what waits in the outbox. Returns how many the relay accepted. */
  flush(): Promise<number> {
    return this.#exclusive(() => this.#d.flushOutbox());
  }

  // ------------------------------------------------------------------------------------------------
  // Use cases

  /**
   * Refer a case (uppdrag) to a unit of another municipality: checks the quota (ERR_QUOTA_EXCEEDED)
   * and every referral rule, attests the consent, claims the quota slot and sends the referral and the
   * content-free quota claim. Returns the new case's id.
   */
  refer(input: ReferInput): Promise<SendResult & { caseId: string }> {
    return this.#exclusive(async () => {
      const now = this.#d.now();
      const caseId = newCaseId(this.#d.rng);
      const agreement = requireAgreementAt(this.#d.directory.agreements, dayOfDate(now), 'the referral');
      const from = agreement.municipalityOf(this.unit)?.id;
      const to = agreement.municipalityOf(input.to)?.id;
      if (!from || !to)
        throw new BryggaError('ERR_WRONG_PARTY', 'the receiving unit is not a party to the agreement');
      (await this.#d.ledger(this.#d.store)).assertRoom(agreement, from, to);
      const consent = attestConsent(this.#d.identity.key, {
        caseId,
        unit: this.unit,
        ...this.#consentInput(input.consent, [this.unit, input.to], input.consent.police ?? true),
        now,
        rng: this.#d.rng,
      });
      const { claims, proof } = makeQuotaClaim(this.#d.identity.key, {
        agreement,
        unit: this.unit,
        direction: 'outgoing',
        caseId,
        now,
        rng: this.#d.rng,
      });
      const { consent: _c, note, ...rest } = input;
      const body: ReferralBody = { ...rest, note: note ?? null, consent, quota: proof };
      const result = await this.#d.sendCase(caseId, 'referral', body, [], async (tx, p) => {
        await this.#d.broadcastQuota(tx, p, 'quota-claim', { claim: proof.claim }, claims);
      });
      return { ...result, caseId };
    });
  }

  /** Attest a further consent for a case (for example a renewal, or after a withdrawal). */
  attestConsent(caseId: string, details: ConsentDetails): Promise<SendResult> {
    return this.#exclusive(async () => {
      const { state } = await this.#requireCase(caseId);
      const attestation = attestConsent(this.#d.identity.key, {
        caseId,
        unit: this.unit,
        ...this.#consentInput(details, [state.home, state.receiving], details.police ?? true),
        now: this.#d.now(),
        rng: this.#d.rng,
      });
      return this.#d.sendCase(caseId, 'consent', { attestation });
    });
  }

  /**
   * Record that the person withdrew a consent (by default every consent still standing). From then on no
   * personal data of the case may rely on it, at either end.
   */
  withdrawConsent(
    caseId: string,
    input: { consentId?: string; withdrawnOn: string; form: 'written' | 'oral'; note?: string | null },
  ): Promise<SendResult[]> {
    return this.#exclusive(async () => {
      const { state } = await this.#requireCase(caseId);
      const ids = input.consentId
        ? [input.consentId]
        : state.consents.filter((c) => c.withdrawnIn === null).map((c) => c.id);
      if (ids.length === 0)
        throw new BryggaError('ERR_CONSENT_MISSING', 'the case has no consent left to withdraw');
      const results: SendResult[] = [];
      for (const consentId of ids) {
        const withdrawal = recordWithdrawal(this.#d.identity.key, {
          consentId,
          caseId,
          unit: this.unit,
          withdrawnOn: input.withdrawnOn,
          form: input.form,
          note: input.note ?? null,
          now: this.#d.now(),
        });
        results.push(await this.#d.sendCase(caseId, 'consent-withdrawal', { withdrawal }));
      }
      return results;
    });
  }

  /**
   * The receiving unit's uptake decision. Accepting checks the incoming quota and that the referral
   * holds an outgoing slot (ERR_QUOTA_EXCEEDED), and claims the incoming slot.
   */
  decideUptake(
    caseId: string,
    input:
      | { decision: 'accept'; contacts: ContactPerson[]; note?: string | null }
      | {
          decision: 'decline';
          reason: PacketBodies['uptake-decision']['reason'] & string;
          note?: string | null;
          contacts?: ContactPerson[];
        },
  ): Promise<SendResult> {
    return this.#exclusive(async () => {
      const { state } = await this.#requireCase(caseId);
      if (input.decision === 'decline') {
        return this.#d.sendCase(caseId, 'uptake-decision', {
          decision: 'decline',
          reason: input.reason,
          note: input.note ?? null,
          contacts: input.contacts ?? [],
          quota: null,
        });
      }
      const now = this.#d.now();
      const agreement = requireAgreementAt(this.#d.directory.agreements, dayOfDate(now), 'the acceptance');
      await this.#d.assertReferralWithinQuota(this.#d.store, state, agreement);
      const { claims, proof } = makeQuotaClaim(this.#d.identity.key, {
        agreement,
        unit: this.unit,
        direction: 'incoming',
        caseId,
        now,
        rng: this.#d.rng,
      });
      return this.#d.sendCase(
        caseId,
        'uptake-decision',
        {
          decision: 'accept',
          reason: null,
          note: input.note ?? null,
          contacts: input.contacts,
          quota: proof,
        },
        [],
        (tx, p) => this.#d.broadcastQuota(tx, p, 'quota-claim', { claim: proof.claim }, claims),
      );
    });
  }

  /** Send the implementation plan (genomförandeplan): catalogue services only. */
  sendPlan(caseId: string, plan: PacketBodies['implementation-plan']): Promise<SendResult> {
    return this.#exclusive(() => this.#d.sendCase(caseId, 'implementation-plan', plan));
  }

  /** Send a follow-up (uppföljning). */
  sendFollowUp(caseId: string, followUp: PacketBodies['follow-up']): Promise<SendResult> {
    return this.#exclusive(() => this.#d.sendCase(caseId, 'follow-up', followUp));
  }

  /** Report costs per planned service and month, in SEK. */
  reportCosts(caseId: string, lines: CostLine[]): Promise<SendResult> {
    return this.#exclusive(() => this.#d.sendCase(caseId, 'cost-report', { lines }));
  }

  /** Record a deviation from the guideline (avsteg). */
  recordDeviation(caseId: string, deviation: PacketBodies['deviation']): Promise<SendResult> {
    return this.#exclusive(() => this.#d.sendCase(caseId, 'deviation', deviation));
  }

  /** Send an urgent notice that children came up in the case. */
  sendChildNotice(caseId: string, notice: PacketBodies['child-notice']): Promise<SendResult> {
    return this.#exclusive(() => this.#d.sendCase(caseId, 'child-notice', notice));
  }

  /** Send a message, with attachments, within a case. */
  sendMessage(
    caseId: string,
    message: { text: string; legalBasis?: LegalBasis | null; attachments?: Attachment[] },
  ): Promise<SendResult> {
    return this.#exclusive(() =>
      this.#d.sendCase(
        caseId,
        'message',
        { text: message.text, legalBasis: message.legalBasis ?? null },
        message.attachments,
      ),
    );
  }

  /** Close the case with its outcome measures; the costs per service come from the case's cost reports. */
  close(
    caseId: string,
    input: {
      closedOn: string;
      reason: PacketBodies['closure']['reason'];
      outcomes: OutcomeMeasures | null;
      note?: string | null;
      legalBasis?: LegalBasis | null;
    },
  ): Promise<SendResult> {
    return this.#exclusive(async () => {
      const { state } = await this.#requireCase(caseId);
      return this.#d.sendCase(caseId, 'closure', {
        closedOn: input.closedOn,
        reason: input.reason,
        outcomes: input.outcomes,
        costs: costTotals(state.costs),
        note: input.note ?? null,
        legalBasis: input.legalBasis ?? null,
      });
    });
  }

  /**
   * Reconcile the costs of a half-year (`2025-H1`) with a unit of another municipality. If that unit has
   * proposed a statement, this checks it against this unit's own records and countersigns it
   * (ERR_RECONCILIATION_MISMATCH if the figures differ); otherwise it proposes one.
   */
  reconcile(counterpart: string, label: string): Promise<ReconciliationView & { sent: SendResult }> {
    return this.#exclusive(async () => {
      const now = this.#d.now();
      const mine = computeReconciliation({
        agreement: this.#d.directory.agreement,
        units: [this.unit, counterpart],
        label,
        cases: await this.#caseCosts(),
        now,
      });
      const units = mine.units.map((u) => u.unit);
      const existing = (await this.#d.store.listReconciliations()).find(
        (r) => r.units === units.join(' ') && r.label === label && !r.complete,
      );
      const resolve = directoryResolver(this.#d.directory);
      let document: GeneralJws;
      if (existing) {
        const proposal = JSON.parse(existing.document) as GeneralJws;
        document = countersignReconciliation(proposal, mine, this.#d.identity.key, this.unit, resolve);
      } else {
        document = proposeReconciliation(mine, this.#d.identity.key);
      }
      const verified = verifyReconciliation(document, resolve);
      const id = reconciliationId(document);
      const sent = await this.#d.sendOther('reconciliation', { document }, [counterpart], async (tx) => {
        await tx.putReconciliation({
          id,
          units: units.join(' '),
          label,
          document: JSON.stringify(document),
          complete: verified.complete,
          updatedAt: now.toISOString(),
        });
      });
      return { id, units, label, document, complete: verified.complete, sent };
    });
  }

  /**
   * Send an agreement extension (signed by every party) to all other parties, after accepting it here
   * as a valid successor of the current agreement (PROTOCOL.md §5).
   */
  sendAgreement(next: Agreement): Promise<SendResult> {
    return this.#exclusive(async () => {
      this.#d.directory.agreement.verifySuccessor(next);
      const units = next.terms.parties.map((p) => p.unit);
      return this.#d.sendOther('agreement', { document: next.jws }, units, async (tx, p) => {
        await tx.putAgreement(next.digest, next.terms.sequence, next.serialize());
        await this.#d.emit(tx, p, 'agreement.accepted', null, {
          digest: next.digest,
          sequence: next.terms.sequence,
        });
        p.after.push(() => this.#d.directory.addAgreement(next));
      });
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Queries

  /** A case's state. ERR_UNKNOWN_CASE if this device has none. */
  async getCase(caseId: string): Promise<CaseView> {
    const record = await this.#d.store.getCase(caseId);
    if (!record) throw new BryggaError('ERR_UNKNOWN_CASE', 'this device does not know the case');
    return this.#view(record);
  }

  /** Every case this device holds. */
  async listCases(): Promise<CaseView[]> {
    return (await this.#d.store.listCases()).map((r) => this.#view(r));
  }

  /** The packets of a case, decrypted: the applied log in order, then held and set-aside ones. */
  async caseLog(caseId: string): Promise<CaseLogEntry[]> {
    const records = (await this.#d.store.listCasePackets(caseId)).filter((r) => r.status !== 'stored');
    return records.map((r) => {
      const claims = claimsOf(r);
      return {
        pid: r.pid,
        hash: r.hash,
        prev: r.prev,
        type: claims.type as PacketType,
        from: { unit: r.unit, device: r.device },
        sentAt: new Date(r.iat * 1000).toISOString(),
        status: r.status,
        body: validatePacketBody(claims.type, claims.body),
        attachments: claims.att.map((a, i) => ({
          name: a.name,
          type: a.type,
          data: fromBase64url(r.attachments[i] ?? ''),
        })),
      };
    });
  }

  /** The signed receipts held for a case's packets. */
  async receipts(caseId: string): Promise<
    {
      pid: string;
      packetHash: string;
      unit: string;
      device: string;
      outcome: string;
      code: string | null;
      jws: string;
    }[]
  > {
    return (await this.#d.store.listReceipts({ caseId })).map(({ hash: _h, caseId: _c, ...r }) => r);
  }

  /** The consent attestations and withdrawals of a case (compact JWS, for the case system to archive). */
  async consents(
    caseId: string,
  ): Promise<{ consentId: string; kind: 'attestation' | 'withdrawal'; jws: string }[]> {
    return (await this.#d.store.listConsents(caseId)).map(({ consentId, kind, jws }) => ({
      consentId,
      kind,
      jws,
    }));
  }

  /**
   * The use of `municipality`'s quota as this device counts it: under the agreement in force today, or
   * under `agreement` (one of `directory.agreements`, for an earlier period).
   */
  async quotaUse(municipality: string, direction: QuotaDirection, agreement?: Agreement): Promise<QuotaUse> {
    const under =
      agreement ??
      agreementAt(this.#d.directory.agreements, dayOfDate(this.#d.now())) ??
      this.#d.directory.agreement;
    return (await this.#d.ledger(this.#d.store)).use(under, municipality, direction);
  }

  /** Every reconciliation statement held. */
  async reconciliations(): Promise<ReconciliationView[]> {
    return (await this.#d.store.listReconciliations()).map((r) => ({
      id: r.id,
      units: r.units.split(' '),
      label: r.label,
      document: JSON.parse(r.document) as GeneralJws,
      complete: r.complete,
    }));
  }

  /** Packets refused by the rules or the log (metadata only). */
  rejected() {
    return this.#d.store.listRejected();
  }

  // ------------------------------------------------------------------------------------------------
  // Evidence

  /** Export a case as a self-contained evidence bundle (PROTOCOL.md §17), signed by this device. */
  async exportEvidence(caseId: string) {
    await this.#requireCase(caseId);
    const chain = (await this.#d.store.listCasePackets(caseId)).filter((r) => r.status === 'applied');
    const hashes = new Set(chain.map((r) => r.hash));
    const receipts = (await this.#d.store.listReceipts({ caseId })).filter((r) => hashes.has(r.packetHash));
    return buildEvidenceBundle({
      caseId,
      agreements: this.#d.directory.agreements,
      statements: this.#d.directory.statements,
      packets: chain.map((r) => ({
        jws: r.jws,
        hash: r.hash,
        attachments: r.attachments.map((a) => fromBase64url(a)),
      })),
      receipts: receipts.map((r) => r.jws),
      unit: this.unit,
      device: this.#d.identity.key,
      now: this.#d.now(),
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Key transparency (PROTOCOL.md §19)

  /**
   * Register device keys (device kids, or HPKE key ids) that this device's unit published, so the log
   * monitor does not report them (ERR_LOG_UNEXPECTED_KEY). This device's own keys are known already;
   * the unit's administrator registers every other device it enrols.
   */
  async expectUnitKeys(kids: readonly string[]): Promise<void> {
    await this.#d.store.addExpectedKeys(kids, this.#d.now().toISOString());
  }

  /** Every piece of evidence of the relay's misbehaviour this device kept, oldest first. */
  logEvidence(): Promise<LogEvidence[]> {
    return this.#d.log.evidence();
  }

  /** The log as this device verified it. */
  async logStatus(): Promise<TransparencyStatus> {
    const v = await this.#d.log.verifier();
    const view = (c: VerifiedCheckpoint | undefined) =>
      c
        ? {
            size: c.size,
            root: toBase64(c.root),
            cosigners: [...this.#d.log.cosigners(c)].sort(),
            note: c.note,
          }
        : null;
    return {
      logKey: v.verifierKey ?? null,
      latest: view(v.latest),
      final: view(v.final),
      monitored: v.monitoredSize,
      pending: (await this.#d.store.listLogPending()).length,
    };
  }

  /** Verify an evidence bundle offline against an agreement the verifier trusts. */
  static verifyEvidence(bundle: unknown, agreement: Agreement): EvidenceReport {
    return verifyEvidence(bundle, agreement);
  }

  // ------------------------------------------------------------------------------------------------
  // Events

  /** Call `listener` with every event after the transaction that recorded it commits. Returns an unsubscribe. */
  onEvent(listener: ClientEventListener): () => void {
    this.#d.listeners.add(listener);
    return () => this.#d.listeners.delete(listener);
  }

  /** Events not yet consumed, oldest first. */
  async pendingEvents(limit = 100): Promise<ClientEvent[]> {
    return (await this.#d.store.listEvents(0, limit)).map((e) => ({
      seq: e.seq,
      type: e.type as ClientEventType,
      caseId: e.caseId,
      at: e.createdAt,
      data: JSON.parse(e.data) as Record<string, unknown>,
    }));
  }

  /** Mark events up to and including `seq` as consumed. */
  async consumeEvents(seq: number): Promise<void> {
    await this.#d.store.deleteEventsThrough(seq);
  }

  /**
   * The stored events as an async iterator, waiting for new ones until `signal` aborts. An event is
   * consumed (deleted) when the next one is asked for, so a case system that crashes while handling one
   * sees it again.
   *
   * @example for await (const e of client.events({ signal })) await caseSystem.handle(e);
   */
  async *events(options: { signal?: AbortSignal } = {}): AsyncGenerator<ClientEvent> {
    const { signal } = options;
    let last = 0;
    while (!signal?.aborted) {
      if (last > 0) await this.consumeEvents(last);
      const [next] = await this.pendingEvents(1);
      if (next) {
        last = next.seq;
        yield next;
        continue;
      }
      last = 0;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#d.wakers.delete(wake);
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.#d.wakers.add(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Internals

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => {});
    return run;
  }

  #view(record: CaseRecord): CaseView {
    const state = JSON.parse(record.state) as CaseState;
    return {
      caseId: record.caseId,
      status: caseStatus(state, record.delivered),
      delivered: record.delivered,
      state,
    };
  }

  #consentInput(details: ConsentDetails, units: string[], police: boolean) {
    const scope: ConsentScope = { units: [...new Set(units)], police };
    return {
      form: details.form,
      ...(details.written ? { written: details.written } : {}),
      ...(details.oral ? { oral: details.oral } : {}),
      scope,
      validFrom: details.validFrom,
      validUntil: details.validUntil ?? null,
    };
  }

  async #requireCase(caseId: string): Promise<CaseView> {
    return this.getCase(caseId);
  }

  /** The costs of every case this unit holds, for reconciliation. */
  async #caseCosts(): Promise<CaseCostRecord[]> {
    return (await this.#d.store.listCases()).map((r) => {
      const s = JSON.parse(r.state) as CaseState;
      return { caseId: s.caseId, home: s.home, receiving: s.receiving, lines: s.costs };
    });
  }
}

/**
 * A new case id: 16 random bytes, base64url, drawn again while it would begin with '-' or '_' (one
 * draw in 32). Coordinators type case ids as command-line arguments, where a leading '-' reads as an
 * option; the redraw costs a twentieth of a bit of the id's 128.
 */
function newCaseId(rng: Rng | undefined): string {
  for (;;) {
    const id = toBase64url(randomBytes(16, rng));
    if (id[0] !== '-' && id[0] !== '_') return id;
  }
}
