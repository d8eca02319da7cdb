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
 *
 * The class is the public face: it runs one operation at a time per client and delegates each to the
 * internal modules of this folder (sending, receiving, syncing, the case actions and queries, the
 * transparency monitor), which share the device's runtime.
 */

import type { LegalBasis } from '../cases/common-fields.js';
import type { CostLine } from '../cases/cost-report.js';
import type { DeviationEntry } from '../cases/deviation-register.js';
import type { EvaluationReport } from '../cases/evaluation.js';
import type { EvidenceBundle } from '../cases/evidence.js';
import { type EvidenceReport, verifyEvidence } from '../cases/evidence-verification.js';
import type { PacketBodies } from '../cases/packet-body.js';
import type { QuotaDirection } from '../cases/quota-claim.js';
import type { QuotaUse } from '../cases/quota-ledger.js';
import type { MunicipalityCostTotals } from '../cases/reconciliation.js';
import type { Reminder } from '../cases/reminders.js';
import type { PurgeRecord } from '../cases/retention.js';
import { agreementAt } from '../cases/rules.js';
import type { StatisticsReport } from '../cases/statistics.js';
import type { UnitFigures } from '../cases/unit-figures.js';
import type { GeneralJws } from '../crypto/jws.js';
import { Agreement } from '../directory/agreement.js';
import { Directory } from '../directory/directory.js';
import type { Attachment } from '../envelope/seal.js';
import { BryggaError } from '../errors.js';
import type { RejectedRecord } from '../store/brygga-store.js';
import type { LogEvidence } from '../transparency/log-evidence.js';
import {
  attestCaseConsent,
  closeCase,
  decideCaseUptake,
  reconcileCosts,
  referCase,
  sendAgreementExtension,
  withdrawCaseConsent,
} from './_case-actions.js';
import { caseLogEntries, caseView, evidenceBundle, requireCase } from './_case-queries.js';
import { DeviceRuntime } from './_device-runtime.js';
import { receive } from './_inbound.js';
import { flushOutbox, sendCasePacket } from './_outbound.js';
import { quotaLedger } from './_quota-book.js';
import { checkReminders, costTotals, deviations, evaluation, reminders, unitStatistics } from './_reports.js';
import { purge, purgeRecords } from './_retention.js';
import { syncDevice } from './_sync.js';
import { ownFigures, sendUnitFigures } from './_unit-figures.js';
import type { ClientEvent, ClientEventListener } from './client-events.js';
import type {
  BryggaClientOptions,
  CaseLogEntry,
  CaseView,
  CloseInput,
  ConsentDetails,
  DecideUptakeInput,
  PurgeResult,
  ReceiveResult,
  ReconciliationView,
  ReferInput,
  SendResult,
  SyncReport,
  TransparencyStatus,
  WithdrawConsentInput,
} from './client-types.js';

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
        monitor: {
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
    return this.#d.unit;
  }

  /** This device's key id. */
  get device(): string {
    return this.#d.device;
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
      const report = await syncDevice(this.#d, options.signal);
      // What arrived may have made something due or done (PROTOCOL.md §22).
      await checkReminders(this.#d);
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
    return this.#exclusive(() => flushOutbox(this.#d));
  }

  // ------------------------------------------------------------------------------------------------
  // Use cases

  /**
   * Refer a case (uppdrag) to a unit of another municipality: checks the quota (ERR_QUOTA_EXCEEDED)
   * and every referral rule, attests the consent, claims the quota slot and sends the referral and the
   * content-free quota claim. Returns the new case's id.
   */
  refer(input: ReferInput): Promise<SendResult & { caseId: string }> {
    return this.#exclusive(() => referCase(this.#d, input));
  }

  /** Attest a further consent for a case (for example a renewal, or after a withdrawal). */
  attestConsent(caseId: string, details: ConsentDetails): Promise<SendResult> {
    return this.#exclusive(() => attestCaseConsent(this.#d, caseId, details));
  }

  /**
   * Record that the person withdrew a consent (by default every consent still standing). From then on no
   * personal data of the case may rely on it, at either end.
   */
  withdrawConsent(caseId: string, input: WithdrawConsentInput): Promise<SendResult[]> {
    return this.#exclusive(() => withdrawCaseConsent(this.#d, caseId, input));
  }

  /**
   * The receiving unit's uptake decision. Accepting checks the incoming quota and that the referral
   * holds an outgoing slot (ERR_QUOTA_EXCEEDED), and claims the incoming slot.
   */
  decideUptake(caseId: string, input: DecideUptakeInput): Promise<SendResult> {
    return this.#exclusive(() => decideCaseUptake(this.#d, caseId, input));
  }

  /** Send the implementation plan (genomförandeplan): catalogue services only. */
  sendPlan(caseId: string, plan: PacketBodies['implementation-plan']): Promise<SendResult> {
    return this.#exclusive(() => sendCasePacket(this.#d, caseId, 'implementation-plan', plan));
  }

  /** Send a follow-up (uppföljning). */
  sendFollowUp(caseId: string, followUp: PacketBodies['follow-up']): Promise<SendResult> {
    return this.#exclusive(() => sendCasePacket(this.#d, caseId, 'follow-up', followUp));
  }

  /** Report costs per planned service and month, in SEK. */
  reportCosts(caseId: string, lines: CostLine[]): Promise<SendResult> {
    return this.#exclusive(() => sendCasePacket(this.#d, caseId, 'cost-report', { lines }));
  }

  /** Record a deviation from the guideline (avsteg). */
  recordDeviation(caseId: string, deviation: PacketBodies['deviation']): Promise<SendResult> {
    return this.#exclusive(() => sendCasePacket(this.#d, caseId, 'deviation', deviation));
  }

  /** Send an urgent notice that children came up in the case. */
  sendChildNotice(caseId: string, notice: PacketBodies['child-notice']): Promise<SendResult> {
    return this.#exclusive(() => sendCasePacket(this.#d, caseId, 'child-notice', notice));
  }

  /** Send a message, with attachments, within a case. */
  sendMessage(
    caseId: string,
    message: { text: string; legalBasis?: LegalBasis | null; attachments?: Attachment[] },
  ): Promise<SendResult> {
    const body = { text: message.text, legalBasis: message.legalBasis ?? null };
    return this.#exclusive(() => sendCasePacket(this.#d, caseId, 'message', body, message.attachments));
  }

  /** Close the case with its outcome measures; the costs per service come from the case's cost reports. */
  close(caseId: string, input: CloseInput): Promise<SendResult> {
    return this.#exclusive(() => closeCase(this.#d, caseId, input));
  }

  /**
   * Reconcile the costs of a half-year (`2025-H1`) with a unit of another municipality. If that unit has
   * proposed a statement, this checks it against this unit's own records and countersigns it
   * (ERR_RECONCILIATION_MISMATCH if the figures differ); otherwise it proposes one.
   */
  reconcile(counterpart: string, label: string): Promise<ReconciliationView & { sent: SendResult }> {
    return this.#exclusive(() => reconcileCosts(this.#d, counterpart, label));
  }

  /**
   * Send an agreement extension (signed by every party) to all other parties, after accepting it here
   * as a valid successor of the current agreement (PROTOCOL.md §5).
   */
  sendAgreement(next: Agreement): Promise<SendResult> {
    return this.#exclusive(() => sendAgreementExtension(this.#d, next));
  }

  // ------------------------------------------------------------------------------------------------
  // Queries

  /** A case's state. ERR_UNKNOWN_CASE if this device has none. */
  getCase(caseId: string): Promise<CaseView> {
    return requireCase(this.#d, caseId);
  }

  /** Every case this device holds. */
  async listCases(): Promise<CaseView[]> {
    return (await this.#d.store.listCases()).map(caseView);
  }

  /** The packets of a case, decrypted: the applied log in order, then held and set-aside ones. */
  caseLog(caseId: string): Promise<CaseLogEntry[]> {
    return caseLogEntries(this.#d, caseId);
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
    const today = this.#d.now().toISOString().slice(0, 10);
    const under =
      agreement ?? agreementAt(this.#d.directory.agreements, today) ?? this.#d.directory.agreement;
    return (await quotaLedger(this.#d.store)).use(under, municipality, direction);
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
  rejected(): Promise<RejectedRecord[]> {
    return this.#d.store.listRejected();
  }

  // ------------------------------------------------------------------------------------------------
  // Reports (PROTOCOL.md §20–23)

  /**
   * This unit's de-identified statistics for a month, a year or whole months (PROTOCOL.md §20): counts,
   * amounts and medians of its cases, small cells suppressed; no case, person or day in it.
   *
   * @example const november = await client.statistics({ month: '2026-11' });
   */
  statistics(period: {
    month?: string;
    year?: string;
    from?: string;
    to?: string;
  }): Promise<StatisticsReport> {
    return unitStatistics(this.#d, period);
  }

  /** Every deviation (avsteg) this unit recorded, numbered in date order (PROTOCOL.md §20.5). */
  deviationRegister(range: { from?: string; to?: string } = {}): Promise<DeviationEntry[]> {
    return deviations(this.#d, range);
  }

  /** What is due today in this unit's cases and reconciliations (PROTOCOL.md §22). */
  reminders(): Promise<Reminder[]> {
    return reminders(this.#d);
  }

  /**
   * What is due today, recording a `reminder.due` event for each reminder new since the last check and a
   * `reminder.resolved` event for each that no longer stands. `sync()` does this too; a case system that
   * syncs rarely calls it daily, as deadlines come with the days.
   */
  checkReminders(): Promise<Reminder[]> {
    return this.#exclusive(() => checkReminders(this.#d));
  }

  /** Each municipality's costs across the agreed reconciliations this unit holds (PROTOCOL.md §16). */
  reconciliationTotals(label?: string): Promise<MunicipalityCostTotals[]> {
    return costTotals(this.#d, label);
  }

  /** This unit's figures for an agreement's period (default: the newest), computed now and not signed (PROTOCOL.md §21). */
  unitFigures(agreement: Agreement = this.#d.directory.agreement): Promise<UnitFigures> {
    return ownFigures(this.#d, agreement);
  }

  /**
   * Sign this unit's figures for an agreement's period (default: the newest) and send them to every
   * party, for the joint evaluation report (PROTOCOL.md §21). Sending again later replaces them.
   */
  sendFigures(agreement: Agreement = this.#d.directory.agreement): Promise<{
    figures: UnitFigures;
    jws: string;
    sent: SendResult;
  }> {
    return this.#exclusive(() => sendUnitFigures(this.#d, agreement));
  }

  /**
   * The joint evaluation report of an agreement (default: the newest) from every party's signed figures
   * this device holds, each verified (PROTOCOL.md §21.3); `complete` says whether all are here and agree.
   */
  evaluationReport(agreement: Agreement = this.#d.directory.agreement): Promise<EvaluationReport> {
    return evaluation(this.#d, agreement);
  }

  /**
   * Remove every closed or declined case whose retention has run out, the reconciliations of only such
   * cases, and the old HPKE keys nothing kept needs; keep a signed purge record (PROTOCOL.md §23).
   * `dryRun` only says what would go; `by` names who ran it.
   */
  purge(options: { by?: string | null; dryRun?: boolean } = {}): Promise<PurgeResult> {
    return this.#exclusive(() => purge(this.#d, options));
  }

  /** The purge records kept, oldest first: which cases, statements and keys went, when and by whom. */
  purgeRecords(): Promise<{ seq: number; at: string; record: PurgeRecord; jws: string }[]> {
    return purgeRecords(this.#d);
  }

  // ------------------------------------------------------------------------------------------------
  // Evidence

  /** Export a case as a self-contained evidence bundle (PROTOCOL.md §17), signed by this device. */
  exportEvidence(caseId: string): Promise<EvidenceBundle> {
    return evidenceBundle(this.#d, caseId);
  }

  /** Verify an evidence bundle offline against an agreement the verifier trusts. */
  static verifyEvidence(bundle: unknown, agreement: Agreement): EvidenceReport {
    return verifyEvidence(bundle, agreement);
  }

  // ------------------------------------------------------------------------------------------------
  // Key transparency (PROTOCOL.md §19)

  /**
   * Register device keys (device kids, or HPKE key ids) that this device's unit published, so the
   * transparency monitor does not report them (ERR_LOG_UNEXPECTED_KEY). This device's own keys are known
   * already; the unit's administrator registers every other device it enrols.
   */
  async expectUnitKeys(kids: readonly string[]): Promise<void> {
    await this.#d.store.addExpectedKeys(kids, this.#d.now().toISOString());
  }

  /** Every piece of evidence of the relay's misbehaviour this device kept, oldest first. */
  logEvidence(): Promise<LogEvidence[]> {
    return this.#d.monitor.evidence();
  }

  /** The transparency log as this device verified it. */
  logStatus(): Promise<TransparencyStatus> {
    return this.#d.monitor.status();
  }

  // ------------------------------------------------------------------------------------------------
  // Events

  /** Call `listener` with every event after the transaction that recorded it commits. Returns an unsubscribe. */
  onEvent(listener: ClientEventListener): () => void {
    return this.#d.recorder.subscribe(listener);
  }

  /** Events not yet consumed, oldest first. */
  pendingEvents(limit = 100): Promise<ClientEvent[]> {
    return this.#d.recorder.unconsumed(limit);
  }

  /** Mark events up to and including `seq` as consumed. */
  consumeEvents(seq: number): Promise<void> {
    return this.#d.recorder.consume(seq);
  }

  /**
   * The stored events as an async iterator, waiting for new ones until `signal` aborts. An event is
   * consumed (deleted) when the next one is asked for, so a case system that crashes while handling one
   * sees it again.
   *
   * @example for await (const e of client.events({ signal })) await caseSystem.handle(e);
   */
  events(options: { signal?: AbortSignal } = {}): AsyncGenerator<ClientEvent> {
    return this.#d.recorder.stream(options.signal);
  }

  // ------------------------------------------------------------------------------------------------
  // Internals

  /** Run one operation at a time: each waits for the one before, whether it succeeded or not. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => {});
    return run;
  }
}
