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
 * What the client holds is what every receiver gets (PROTOCOL.md §13.5): a packet the relay refuses
 * over a stale directory is sealed again to the devices current now, at the same place in its case; one
 * that cannot heal is undone, with everything chained on it, and the use case that sent it throws a
 * `PacketRefusedError` naming the cause. Alerts (a failed log check, a refused root key change) are
 * records a person acknowledges; they never fail an unrelated call.
 *
 * The class is the public face: it checks every argument (only a `BryggaError` with a documented code
 * ever leaves it), runs one operation at a time per client and delegates each to the internal modules
 * of this folder (sending, receiving, syncing, healing, the case actions and queries, the transparency
 * monitor, key rotation, watching), which share the device's runtime.
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
import type { KnownGroup, KnownGroupInput, RivalCollision } from '../cases/rival-groups.js';
import { agreementAt } from '../cases/rules.js';
import type { StatisticsReport } from '../cases/statistics.js';
import type { UnitFigures } from '../cases/unit-figures.js';
import type { GeneralJws } from '../crypto/jws.js';
import { checkNewPassphrase } from '../crypto/key-file.js';
import { HpkeKeyPair, SigningKeyPair } from '../crypto/keys.js';
import { Agreement } from '../directory/agreement.js';
import { Directory } from '../directory/directory.js';
import type { RootPin } from '../directory/trust-chain.js';
import type { Attachment } from '../envelope/seal.js';
import { BryggaError } from '../errors.js';
import type { BryggaStore, RejectedRecord } from '../store/brygga-store.js';
import type { LogEvidence } from '../transparency/log-evidence.js';
import { acknowledge, alertView } from './_alerts.js';
import {
  arrayArg,
  bytesArg,
  caseIdArg,
  functionArg,
  instanceArg,
  integerArg,
  objectArg,
  optionsArg,
  signalArg,
  stringArg,
} from './_arguments.js';
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
import { DeviceRuntime, type KeyRotation } from './_device-runtime.js';
import { refreshDirectory } from './_directory-sync.js';
import { receive } from './_inbound.js';
import { addKnownGroup, removeKnownGroup, rivalCollisions } from './_known-groups.js';
import { flushOutbox, sendCasePacket } from './_outbound.js';
import { quotaLedger } from './_quota-book.js';
import { checkReminders, costTotals, deviations, evaluation, reminders, unitStatistics } from './_reports.js';
import { purge, purgeRecords } from './_retention.js';
import { syncDevice } from './_sync.js';
import { REGISTER_KEPT } from './_transparency-monitor.js';
import { ownFigures, sendUnitFigures } from './_unit-figures.js';
import { watchRelay } from './_watch.js';
import type { ClientEvent, ClientEventListener } from './client-events.js';
import type {
  AlertView,
  BryggaClientOptions,
  CaseLogEntry,
  CaseView,
  CloseInput,
  ConsentDetails,
  DecideUptakeInput,
  PlanResponseInput,
  PurgeResult,
  ReceiveResult,
  ReconciliationView,
  ReferInput,
  SendResult,
  SyncReport,
  TransparencyStatus,
  WatchOptions,
  WithdrawConsentInput,
} from './client-types.js';
import type { DeviceIdentity } from './device-identity.js';

/** A device's client. Create with {@link BryggaClient.open}. */
export class BryggaClient {
  readonly #d: DeviceRuntime;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(d: DeviceRuntime) {
    this.#d = d;
  }

  /**
   * Open the client: pin the agreement, and rebuild the directory from what the store holds (accepted
   * extensions, root pins and statements), so a restarted device continues where it stopped.
   *
   * @example
   * const client = await BryggaClient.open({ identity, agreement, store, relayUrl: 'https://brygga.example.se' });
   * await client.sync();
   */
  static async open(options: BryggaClientOptions): Promise<BryggaClient> {
    const o = objectArg(options, 'the options');
    const agreement = instanceArg(o.agreement, Agreement, 'options.agreement');
    const identity = identityArg(o.identity);
    const store = storeArg(o.store);
    const relayUrl = stringArg(o.relayUrl, 'options.relayUrl', 2000);
    if (!agreement.terms.parties.some((p) => p.unit === identity.unit)) {
      throw new BryggaError('ERR_NOT_IN_AGREEMENT', `unit ${identity.unit} is not a party to the agreement`);
    }
    const extraPins = o.pins === undefined ? [] : arrayArg(o.pins, 'options.pins', 1000).map(pinArg);
    const rotation = rotationOf(o);
    const now = optionalFunction<() => Date>(o.now, 'options.now') ?? (() => new Date());
    for (const pin of extraPins) await store.addRootPin(pin, now().toISOString());
    const pins = await store.listRootPins();
    const directory = new Directory(agreement, { pins });
    await store.putAgreement(agreement.digest, agreement.terms.sequence, agreement.serialize());
    for (const a of await store.listAgreements()) {
      if (a.sequence <= directory.agreement.terms.sequence) continue;
      const next = Agreement.deserialize(a.document);
      if (next.terms.id !== agreement.terms.id) continue;
      try {
        directory.addAgreement(next);
      } catch {
        // Accepted once under pins this device no longer holds: the chain stops before it.
        break;
      }
    }
    for (const jws of await store.listStatements()) {
      try {
        directory.apply(jws);
      } catch {
        // A statement that verified once and no longer does (its unit left the agreement): skip it.
      }
    }
    const runtime = new DeviceRuntime({
      identity,
      store,
      directory,
      relayUrl,
      relayAudience:
        o.relayAudience === undefined ? undefined : stringArg(o.relayAudience, 'options.relayAudience', 2000),
      fetch: optionalFunction(o.fetch, 'options.fetch'),
      now,
      rng: optionalFunction(o.rng, 'options.rng'),
      monitor: {
        logKey: o.logKey === undefined ? undefined : stringArg(o.logKey, 'options.logKey', 4096),
        logBoundMs:
          o.logBoundMs === undefined
            ? undefined
            : integerArg(o.logBoundMs, 'options.logBoundMs', 0, 86_400_000),
        witnessQuorum:
          o.witnessQuorum === undefined
            ? undefined
            : integerArg(o.witnessQuorum, 'options.witnessQuorum', 0, 1000),
        monitor: o.logMonitor === undefined ? undefined : o.logMonitor === true,
      },
      rotation,
    });
    await runtime.load();
    return new BryggaClient(runtime);
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
   * Pull everything: send what waits in the outbox (healing or undoing what the relay refuses), verify
   * the relay's log (its newest checkpoint, its new entries) and witness it, update the directory
   * (every statement proven logged), rotate this device's HPKE key when it is due, then list the inbox
   * and process every packet (verify, decrypt, apply once, receipt), acknowledging each after its
   * commit; finally check that what this device submitted reached the log.
   *
   * A failed check of the relay's answers (ERR_LOG_BAD_SIGNATURE, ERR_LOG_ROLLBACK, ERR_LOG_INCONSISTENT,
   * ERR_LOG_OMISSION) ends the sync with the error, after its evidence and an alert are kept and a
   * `log.alert` event recorded. A key of this unit that it did not publish (ERR_LOG_UNEXPECTED_KEY) is
   * an alert only: the sync goes on. A packet whose checkpoint does not join this device's view is
   * refused with that code.
   */
  sync(options: { signal?: AbortSignal } = {}): Promise<SyncReport> {
    return this.#exclusive(async () => {
      const signal = signalArg(optionsArg(options, 'the options').signal);
      const report = await syncDevice(this.#d, signal);
      // What arrived may have made something due or done (PROTOCOL.md §22).
      await checkReminders(this.#d);
      return report;
    });
  }

  /**
   * Stay connected to the relay's event stream and yield every event as it is recorded, once each: the
   * client syncs whenever the relay says something arrived, and after every (re)connection. A broken
   * stream is opened again after a pause that doubles (0.5 s up to 30 s). From now on, or with
   * `fromStart` the stored events first. Ends when `signal` aborts.
   *
   * @example
   * for await (const e of client.watch({ signal })) caseSystem.notify(e);
   */
  watch(options: WatchOptions = {}): AsyncGenerator<ClientEvent> {
    const o = optionsArg(options, 'the options') as WatchOptions;
    signalArg(o.signal);
    if (o.onConnection !== undefined) functionArg(o.onConnection, 'options.onConnection');
    if (o.minPauseMs !== undefined) integerArg(o.minPauseMs, 'options.minPauseMs', 1, 3_600_000);
    if (o.maxPauseMs !== undefined) integerArg(o.maxPauseMs, 'options.maxPauseMs', 1, 3_600_000);
    return watchRelay(
      {
        relay: this.#d.relay,
        sync: (signal) => this.sync({ signal }),
        subscribe: (listener) => this.#d.recorder.subscribe(listener),
        pendingEvents: (limit) => this.#d.recorder.unconsumed(limit),
      },
      o,
    );
  }

  /**
   * Process one envelope obtained outside the relay (an offline import, or a test): exactly as `sync()`
   * would, but without acknowledging anything. A packet already processed is ERR_REPLAY.
   */
  receiveEnvelope(bytes: Uint8Array): Promise<ReceiveResult> {
    return this.#exclusive(async () => receive(this.#d, bytesArg(bytes, 'the envelope')));
  }

  /** Send what waits in the outbox (healing or undoing what the relay refuses). Returns how many the relay accepted. */
  flush(): Promise<number> {
    return this.#exclusive(async () => (await flushOutbox(this.#d)).sent);
  }

  // ------------------------------------------------------------------------------------------------
  // Use cases
  //
  // Each reads the relay's directory first (best effort), checks the rules, signs and stores, and
  // submits. The result says whether the relay has the packet or it waits in the outbox; a packet the
  // relay refused for good was undone and the call throws a PacketRefusedError naming the cause.

  /**
   * Refer a case (uppdrag) to a unit of another municipality: checks the quota (ERR_QUOTA_EXCEEDED)
   * and every referral rule, attests the consent (ERR_CONSENT_MISSING without one), claims the quota
   * slot and sends the referral and the content-free quota claim. Returns the new case's id.
   */
  refer(input: ReferInput): Promise<SendResult & { caseId: string }> {
    return this.#send(() => referCase(this.#d, referArg(input)));
  }

  /** Attest a further consent for a case (for example a renewal, or after a withdrawal). */
  attestConsent(caseId: string, details: ConsentDetails): Promise<SendResult> {
    return this.#send(() =>
      attestCaseConsent(
        this.#d,
        caseIdArg(caseId),
        objectArg(details, 'the consent') as unknown as ConsentDetails,
      ),
    );
  }

  /**
   * Record that the person withdrew a consent (by default every consent still standing). From then on no
   * personal data of the case may rely on it, at either end.
   */
  withdrawConsent(caseId: string, input: WithdrawConsentInput): Promise<SendResult[]> {
    return this.#send(() => {
      const o = objectArg(input, 'the withdrawal');
      if (o.consentId !== undefined) stringArg(o.consentId, 'the consent id', 64);
      return withdrawCaseConsent(this.#d, caseIdArg(caseId), o as unknown as WithdrawConsentInput);
    });
  }

  /**
   * The receiving unit's uptake decision. Accepting checks the incoming quota and that the referral
   * holds an outgoing slot (ERR_QUOTA_EXCEEDED), and claims the incoming slot.
   */
  decideUptake(caseId: string, input: DecideUptakeInput): Promise<SendResult> {
    return this.#send(() => {
      const o = objectArg(input, 'the decision');
      if (o.decision !== 'accept' && o.decision !== 'decline') {
        throw new BryggaError('ERR_MALFORMED', 'the decision must be accept or decline');
      }
      return decideCaseUptake(this.#d, caseIdArg(caseId), o as unknown as DecideUptakeInput);
    });
  }

  /**
   * Add a group this unit knows to be present in its municipality or a neighbouring one, with the
   * groups it is a rival of, to the unit's list (PROTOCOL.md §14.6 (5)). The list stays in this
   * device's store: it is in no packet and the relay never sees it.
   *
   * @example
   * await client.addKnownGroup({ group: 'Nätverk A', presentIn: 'Kungälv', rivals: ['Nätverk B'], addedBy: 'Greta Gren' });
   */
  addKnownGroup(input: KnownGroupInput): Promise<KnownGroup> {
    return this.#exclusive(async () => addKnownGroup(this.#d, objectArg(input, 'the known group') as never));
  }

  /** The unit's list of known groups and their rivals, by the time each was added (then by id). */
  listKnownGroups(): Promise<KnownGroup[]> {
    return this.#exclusive(async () => this.#d.store.listKnownGroups());
  }

  /** Remove an entry of the list of known groups by its id (ERR_MALFORMED when there is none). */
  removeKnownGroup(id: string): Promise<void> {
    return this.#exclusive(async () => removeKnownGroup(this.#d, stringArg(id, 'the entry id', 64)));
  }

  /**
   * The collisions between a case's referral's group affiliation and this unit's list of known groups
   * (PROTOCOL.md §14.6 (5)): what the rival-group check of the acceptance records, as a conflict, when
   * there are any. For the coordinator's eyes only; the acceptance carries the result, not this.
   */
  rivalCollisions(caseId: string): Promise<RivalCollision[]> {
    return this.#exclusive(async () => rivalCollisions(this.#d, caseIdArg(caseId)));
  }

  /** Send the implementation plan (genomförandeplan): catalogue services only. */
  sendPlan(caseId: string, plan: PacketBodies['implementation-plan']): Promise<SendResult> {
    return this.#send(() => sendCasePacket(this.#d, caseIdArg(caseId), 'implementation-plan', plan));
  }

  /**
   * The receiving unit's answer to the case's current implementation plan (PROTOCOL.md §14.6): agree,
   * and the plan takes effect, or ask for changes, each with what and why. Follow-ups and cost reports
   * count only against a plan the receiving unit agreed to.
   */
  respondToPlan(caseId: string, input: PlanResponseInput): Promise<SendResult> {
    return this.#send(async () => {
      const id = caseIdArg(caseId);
      const o = objectArg(input, 'the answer') as unknown as PlanResponseInput;
      const { state } = await requireCase(this.#d, id);
      if (!state.plan) {
        throw new BryggaError('ERR_INVALID_TRANSITION', 'the case has no implementation plan to answer');
      }
      return sendCasePacket(this.#d, id, 'plan-response', {
        plan: state.plan.in,
        decision: o.decision,
        changes: o.changes ?? [],
        date: o.date ?? this.#d.now().toISOString().slice(0, 10),
        decidedBy: o.decidedBy,
        note: o.note ?? null,
        legalBasis: o.legalBasis ?? null,
      });
    });
  }

  /** Send a follow-up (uppföljning). */
  sendFollowUp(caseId: string, followUp: PacketBodies['follow-up']): Promise<SendResult> {
    return this.#send(() => sendCasePacket(this.#d, caseIdArg(caseId), 'follow-up', followUp));
  }

  /** Report costs per planned service and month, in SEK. */
  reportCosts(caseId: string, lines: CostLine[]): Promise<SendResult> {
    return this.#send(() => sendCasePacket(this.#d, caseIdArg(caseId), 'cost-report', { lines }));
  }

  /** Record a deviation from the guideline (avsteg). */
  recordDeviation(caseId: string, deviation: PacketBodies['deviation']): Promise<SendResult> {
    return this.#send(() => sendCasePacket(this.#d, caseIdArg(caseId), 'deviation', deviation));
  }

  /** Send an urgent notice that children came up in the case. */
  sendChildNotice(caseId: string, notice: PacketBodies['child-notice']): Promise<SendResult> {
    return this.#send(() => sendCasePacket(this.#d, caseIdArg(caseId), 'child-notice', notice));
  }

  /**
   * Assign the case to `devices` of this unit (PROTOCOL.md §13.6): its officers' devices that hold the
   * case from now on, replacing this unit's part of the circle. Only a device in the circle may assign
   * (ERR_OUTSIDE_CIRCLE). Devices it adds receive the case's history first; devices it drops receive
   * nothing further of the case.
   *
   * @example await client.assignCase(caseId, [officerDevice.kid]);
   */
  assignCase(caseId: string, devices: readonly string[]): Promise<SendResult> {
    return this.#send(() => {
      const kids = arrayArg(devices, 'the devices', 16).map((k) => stringArg(k, 'a device', 43));
      const body = { unit: this.#d.unit, devices: [...new Set(kids)].sort() } as PacketBodies['assignment'];
      return sendCasePacket(this.#d, caseIdArg(caseId), 'assignment', body);
    });
  }

  /** Send a message, with attachments, within a case. */
  sendMessage(
    caseId: string,
    message: { text: string; legalBasis?: LegalBasis | null; attachments?: Attachment[] },
  ): Promise<SendResult> {
    return this.#send(() => {
      const m = objectArg(message, 'the message');
      const body = { text: m.text, legalBasis: m.legalBasis ?? null } as PacketBodies['message'];
      const attachments = m.attachments === undefined ? [] : attachmentsArg(m.attachments);
      return sendCasePacket(this.#d, caseIdArg(caseId), 'message', body, attachments);
    });
  }

  /** Close the case with its outcome measures; the costs per service come from the case's cost reports. */
  close(caseId: string, input: CloseInput): Promise<SendResult> {
    return this.#send(() =>
      closeCase(this.#d, caseIdArg(caseId), objectArg(input, 'the closure') as unknown as CloseInput),
    );
  }

  /**
   * Reconcile the costs of a half-year (`2025-H1`) with a unit of another municipality. If that unit has
   * proposed a statement, this checks it against this unit's own records and countersigns it
   * (ERR_RECONCILIATION_MISMATCH if the figures differ); otherwise it proposes one.
   */
  reconcile(counterpart: string, label: string): Promise<ReconciliationView & { sent: SendResult }> {
    return this.#send(() =>
      reconcileCosts(
        this.#d,
        stringArg(counterpart, 'the counterpart unit', 64),
        stringArg(label, 'the label', 16),
      ),
    );
  }

  /**
   * Send an agreement extension (signed by every party) to all other parties, after accepting it here
   * as a valid successor of the current agreement (PROTOCOL.md §5). Refused over a root key, it is also
   * kept as an alert.
   */
  sendAgreement(next: Agreement): Promise<SendResult> {
    return this.#send(() => sendAgreementExtension(this.#d, instanceArg(next, Agreement, 'the agreement')));
  }

  // ------------------------------------------------------------------------------------------------
  // Queries

  /** A case's state. ERR_UNKNOWN_CASE if this device has none. */
  async getCase(caseId: string): Promise<CaseView> {
    return requireCase(this.#d, caseIdArg(caseId));
  }

  /** Every case this device holds. */
  async listCases(): Promise<CaseView[]> {
    return (await this.#d.store.listCases()).map(caseView);
  }

  /** The packets of a case, decrypted: the applied log in order, then held and set-aside ones. */
  async caseLog(caseId: string): Promise<CaseLogEntry[]> {
    return caseLogEntries(this.#d, caseIdArg(caseId));
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
    return (await this.#d.store.listReceipts({ caseId: caseIdArg(caseId) })).map(
      ({ hash: _h, caseId: _c, ...r }) => r,
    );
  }

  /** The consent attestations and withdrawals of a case (compact JWS, for the case system to archive). */
  async consents(
    caseId: string,
  ): Promise<{ consentId: string; kind: 'attestation' | 'withdrawal'; jws: string }[]> {
    return (await this.#d.store.listConsents(caseIdArg(caseId))).map(({ consentId, kind, jws }) => ({
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
    stringArg(municipality, 'the municipality', 64);
    if (direction !== 'outgoing' && direction !== 'incoming') {
      throw new BryggaError('ERR_MALFORMED', 'the direction must be outgoing or incoming');
    }
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
  async exportEvidence(caseId: string): Promise<EvidenceBundle> {
    return evidenceBundle(this.#d, caseIdArg(caseId));
  }

  /** Verify an evidence bundle offline against an agreement the verifier trusts. */
  static verifyEvidence(bundle: unknown, agreement: Agreement): EvidenceReport {
    return verifyEvidence(bundle, instanceArg(agreement, Agreement, 'the agreement'));
  }

  // ------------------------------------------------------------------------------------------------
  // Alerts, root pins, key transparency (PROTOCOL.md §5.2, §19)

  /**
   * Every alert kept (oldest first), or with `pending`, those nobody has acknowledged yet: failed checks
   * of the relay's log with their evidence, and agreement extensions refused over a root key.
   */
  async alerts(options: { pending?: boolean } = {}): Promise<AlertView[]> {
    const pending = optionsArg(options, 'the options').pending === true;
    const all = (await this.#d.store.listAlerts()).map(alertView);
    return pending ? all.filter((a) => a.acknowledged === null) : all;
  }

  /** Record that `by` (a person's name) has judged alert `id`; it stays kept, as acknowledged. */
  acknowledgeAlert(id: number, by: string): Promise<AlertView> {
    return this.#exclusive(async () =>
      acknowledge(this.#d, integerArg(id, 'the alert id', 1, MAX_SEQ), stringArg(by, 'by', 200)),
    );
  }

  /**
   * Allow `unit`'s root key to change from `from` to `to` in a later agreement (PROTOCOL.md §5.2): a hand
   * pin, after comparing the new key's safety number with the unit's administrator. Kept in the store
   * and passed to the directory whenever the client opens; an extension refused before is accepted at
   * the next sync.
   */
  pinRootKey(pin: RootPin): Promise<RootPin> {
    return this.#exclusive(async () => {
      const kept = this.#d.directory.pinRootKey(pinArg(pin));
      await this.#d.store.addRootPin(kept, this.#d.now().toISOString());
      return kept;
    });
  }

  /** Verify a root change signed by the unit's current root (PROTOCOL.md §5.2), pin it and keep the pin. */
  acceptRootChange(jws: string): Promise<RootPin> {
    return this.#exclusive(async () => {
      const pin = this.#d.directory.acceptRootChange(stringArg(jws, 'the root change', 8192));
      await this.#d.store.addRootPin(pin, this.#d.now().toISOString());
      return pin;
    });
  }

  /**
   * Register the devices (device kids, or HPKE key ids) this device's unit enrolled: the unit's
   * administrator keeps a register with this device. From then on the transparency monitor also
   * reports an enrolment of the unit, signed by its root, that the register lacks (ERR_LOG_UNEXPECTED_KEY:
   * the root key in other hands). Without a register, every enrolment the unit's root signed is the
   * unit's own and only announced (`unit.device-enrolled`).
   */
  async expectUnitKeys(kids: readonly string[]): Promise<void> {
    const list = arrayArg(kids, 'the key ids', 10_000).map((k) => stringArg(k, 'a key id', 64));
    await this.#d.store.transaction(async (tx) => {
      await tx.addExpectedKeys(list, this.#d.now().toISOString());
      await tx.setMeta(REGISTER_KEPT, 'kept');
    });
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
    return this.#d.recorder.subscribe(functionArg(listener, 'the listener'));
  }

  /** Events not yet consumed, oldest first. */
  async pendingEvents(limit = 100): Promise<ClientEvent[]> {
    return this.#d.recorder.unconsumed(integerArg(limit, 'the limit', 1, 100_000));
  }

  /** Mark events up to and including `seq` as consumed. */
  async consumeEvents(seq: number): Promise<void> {
    return this.#d.recorder.consume(integerArg(seq, 'the event seq', 0, MAX_SEQ));
  }

  /**
   * The stored events as an async iterator, waiting for new ones until `signal` aborts. An event is
   * consumed (deleted) when the next one is asked for, so a case system that crashes while handling one
   * sees it again. It does not sync: see {@link watch} for a client that stays connected to the relay.
   *
   * @example for await (const e of client.events({ signal })) await caseSystem.handle(e);
   */
  events(options: { signal?: AbortSignal } = {}): AsyncGenerator<ClientEvent> {
    return this.#d.recorder.stream(signalArg(optionsArg(options, 'the options').signal));
  }

  // ------------------------------------------------------------------------------------------------
  // Internals

  /**
   * Run a use case that sends: exclusively, after reading the relay's directory (best effort), so the
   * packet goes to the devices current now and the rules run under the agreement in force.
   */
  #send<T>(work: () => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      if (!this.#d.knowsPacketLifetime) {
        // Before the first sync: the relay's packet lifetime decides which keys may be sealed to.
        await this.#d.learnPacketLifetime().catch(() => undefined);
      }
      await refreshDirectory(this.#d);
      return work();
    });
  }

  /** Run one operation at a time: each waits for the one before, whether it succeeded or not. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => {});
    return run;
  }
}

/** The largest sequence number a store keeps (its columns are 32-bit integers, PROTOCOL.md §13.3). */
const MAX_SEQ = 2 ** 31 - 1;

/** The device identity of the options: a unit, a signing key pair, HPKE key pairs. */
function identityArg(value: unknown): DeviceIdentity {
  const o = objectArg(value, 'options.identity');
  const unit = stringArg(o.unit, 'options.identity.unit', 64);
  const key = instanceArg(o.key, SigningKeyPair, 'options.identity.key');
  const hpkeKeys = arrayArg(o.hpkeKeys, 'options.identity.hpkeKeys', 1000).map((k) =>
    instanceArg(k, HpkeKeyPair, 'options.identity.hpkeKeys[]'),
  );
  return { unit, key, hpkeKeys };
}

/** The store of the options: an object with the store's methods. */
function storeArg(value: unknown): BryggaStore {
  const o = objectArg(value, 'options.store');
  for (const m of ['transaction', 'listAgreements', 'listStatements', 'listRootPins', 'getMeta']) {
    if (typeof o[m] !== 'function')
      throw new BryggaError('ERR_MALFORMED', 'options.store is not a BryggaStore');
  }
  return value as BryggaStore;
}

/** A root pin: `{unit, from, to}`, strings. */
function pinArg(value: unknown): RootPin {
  const o = objectArg(value, 'the pin');
  return {
    unit: stringArg(o.unit, 'pin.unit', 64),
    from: stringArg(o.from, 'pin.from', 64),
    to: stringArg(o.to, 'pin.to', 64),
  };
}

/** An optional function of the options. */
function optionalFunction<T extends (...args: never[]) => unknown>(
  value: unknown,
  name: string,
): T | undefined {
  return value === undefined ? undefined : functionArg<T>(value, name);
}

/** The lifetime of a key the client makes when rotating (PROTOCOL.md §6.2): 90 days. */
const DEFAULT_KEY_LIFETIME_SECONDS = 90 * 24 * 3600;

/** Key rotation, when the options give the passphrase (see `BryggaClientOptions.passphrase`). */
function rotationOf(o: Record<string, unknown>): KeyRotation | undefined {
  if (o.passphrase === undefined) return undefined;
  // New keys are kept under it as key files are (PROTOCOL.md §3.4): it must be one a new key file may have.
  const passphrase = checkNewPassphrase(stringArg(o.passphrase, 'options.passphrase', 10_000));
  const r = optionsArg(o.keyRotation, 'options.keyRotation');
  const lifetimeSeconds =
    r.lifetimeSeconds === undefined
      ? DEFAULT_KEY_LIFETIME_SECONDS
      : integerArg(r.lifetimeSeconds, 'options.keyRotation.lifetimeSeconds', 3600, 400 * 24 * 3600);
  let share = 1 / 3;
  if (r.share !== undefined) {
    if (typeof r.share !== 'number' || !(r.share > 0 && r.share < 1)) {
      throw new BryggaError('ERR_MALFORMED', 'options.keyRotation.share must be a number between 0 and 1');
    }
    share = r.share;
  }
  return { passphrase, lifetimeSeconds, share };
}

/** A referral input: an object; its consent is required (ERR_CONSENT_MISSING). */
function referArg(value: unknown): ReferInput {
  const o = objectArg(value, 'the referral');
  if (o.consent === undefined || o.consent === null) {
    throw new BryggaError(
      'ERR_CONSENT_MISSING',
      'a referral needs the consent it relies on (referral.consent)',
    );
  }
  objectArg(o.consent, 'referral.consent', 'ERR_CONSENT_MISSING');
  return o as unknown as ReferInput;
}

/** Attachments: `{name, type, data}` with bytes. */
function attachmentsArg(value: unknown): Attachment[] {
  return arrayArg(value, 'the attachments', 32).map((a, i) => {
    const o = objectArg(a, `attachments[${i}]`);
    return {
      name: stringArg(o.name, `attachments[${i}].name`, 255),
      type: stringArg(o.type, `attachments[${i}].type`, 255),
      data: bytesArg(o.data, `attachments[${i}].data`),
    };
  });
}
