/**
 * Internal: the transparency monitor, a device's watch on the relay's transparency log (PROTOCOL.md
 * §19). Each sync starts a *round*: the newest checkpoint is verified against the ones seen before, the
 * log's new entries are replayed (monitoring this unit's keys, §19.5) and the checkpoint is cosigned.
 * Within the round every agreement and directory statement is proven included before it is applied,
 * checkpoints that other devices carry in their packets are checked against this device's view, and
 * the envelopes this device submitted are found in the log or, after the bound, reported.
 *
 * Every failure is stored as evidence and as an alert for a person, and announced (`log.alert`), in a
 * transaction of its own, before it is thrown (a failed check of the relay's answers) or instead of
 * being thrown (a key of this unit it did not publish: PROTOCOL.md §19.9), so it survives the refusal it
 * causes and never fails unrelated work.
 *
 * The monitor sees only what it needs of its device ({@link MonitoredDevice}): not the client.
 */
import { toBase64, toBase64url } from '../crypto/bytes.js';
import { sha256Large } from '../crypto/hash.js';
import type { Directory } from '../directory/directory.js';
import type { BryggaStore, LogPendingRecord } from '../store/brygga-store.js';
import { LogError, type LogEvidence, type LogSubject } from '../transparency/log-evidence.js';
import {
  cosignerUnits,
  type LeafKind,
  type LogState,
  LogVerifier,
  leafOf,
  type MonitoredEntry,
  statementLogHash,
  type VerifiedCheckpoint,
  witnessName,
} from '../transparency/log-verifier.js';
import type { SubmitReceipt } from '../transport/relay-client.js';
import type { ChangeRecorder } from './_change-recorder.js';
import { type TransparencyRelay, transparencySource } from './_transparency-source.js';
import { type UnitKeyFindings, watchUnitKeys } from './_unit-key-watch.js';
import type { TransparencyStatus } from './client-types.js';
import type { DeviceIdentity } from './device-identity.js';

/** What the monitor needs of its device, and nothing more. */
export interface MonitoredDevice {
  /** The device: its unit and key id, its signing key (to cosign) and its HPKE keys (its own, expected). */
  readonly identity: DeviceIdentity;
  /** Where the verifier's state, the submissions awaiting the log, the evidence and the expected keys are kept. */
  readonly store: Pick<
    BryggaStore,
    | 'getMeta'
    | 'setMeta'
    | 'putLogPending'
    | 'listLogPending'
    | 'deleteLogPending'
    | 'listLogEvidence'
    | 'listExpectedKeys'
  >;
  /** The relay: its log's checkpoints, proofs and entries, and cosignatures. */
  readonly relay: TransparencyRelay;
  /** The verified directory: which devices may cosign as witnesses, which keys a root signature explains. */
  readonly directory: Pick<Directory, 'device' | 'devices' | 'verifyRootSigned'>;
  readonly now: () => Date;
  /** Records the evidence of a failed check and its `log.alert` event. */
  readonly recorder: Pick<ChangeRecorder, 'record' | 'emit'>;
}

/** How the device uses the log (the client's options). */
export interface TransparencyMonitorOptions {
  /** The log's verifier key; without it the first key the relay shows is pinned. */
  logKey?: string | undefined;
  /** How long (ms) the relay has to put something it accepted into a checkpoint. Default 5000. */
  logBoundMs?: number | undefined;
  /** Distinct other units whose cosignatures make a checkpoint final. Default 0. */
  witnessQuorum?: number | undefined;
  /** Replay the log's entries (monitor this unit, verify the whole tree). Default true. */
  monitor?: boolean | undefined;
  /** Waiting between looks at the log (tests pass a faster one). */
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

const STATE = 'log.state';
/** Set once the unit's administrator registers the unit's devices with this device (PROTOCOL.md §19.5). */
export const REGISTER_KEPT = 'log.register';
const PROVEN_AGREEMENTS = 'log.agreements';
/** The default bound: a few of the relay's default merge delays (1 s). */
const DEFAULT_LOG_BOUND_MS = 5000;
/** The first pause while waiting for the log; each next one doubles. */
const FIRST_PAUSE_MS = 10;

/** A device's transparency monitor; see the module header. */
export class TransparencyMonitor {
  readonly #d: MonitoredDevice;
  readonly #options: TransparencyMonitorOptions;
  readonly #bound: number;
  readonly #sleep: (ms: number) => Promise<void>;
  #verifier: LogVerifier | undefined;
  /** The checkpoint of the current round. */
  #round: VerifiedCheckpoint | undefined;
  /**
   * Leaves replayed in this process, by leaf hash: their index. Agreements and statements, and of the
   * envelopes this device's own submissions (those awaiting the log when the replay began).
   */
  readonly #seen = new Map<string, number>();
  /** The cosignature being posted. */
  #cosigning: Promise<void> = Promise.resolve();

  constructor(d: MonitoredDevice, options: TransparencyMonitorOptions = {}) {
    this.#d = d;
    this.#options = options;
    this.#bound = options.logBoundMs ?? DEFAULT_LOG_BOUND_MS;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The verifier, with its state loaded from the store. */
  async verifier(): Promise<LogVerifier> {
    if (!this.#verifier) {
      const saved = await this.#d.store.getMeta(STATE);
      const quorum = this.#options.witnessQuorum ?? 0;
      const store = this.#d.store;
      this.#verifier = new LogVerifier({
        source: transparencySource(this.#d.relay),
        state: saved ? (JSON.parse(saved) as LogState) : {},
        save: (state) => store.setMeta(STATE, JSON.stringify(state)),
        logKey: this.#options.logKey,
        ...(quorum > 0 ? { isFinal: (c: VerifiedCheckpoint) => this.cosigners(c).size >= quorum } : {}),
      });
    }
    return this.#verifier;
  }

  /** The units other than this one whose devices validly cosigned `checkpoint`. */
  cosigners(checkpoint: VerifiedCheckpoint): Set<string> {
    const directory = this.#d.directory;
    const units = cosignerUnits(checkpoint, (unit, kid) => {
      const device = directory.device(kid);
      return device && device.unit === unit && device.revokedAt === undefined ? device.key.bytes : undefined;
    });
    units.delete(this.#unit);
    return units;
  }

  /**
   * Whether the directory knows devices of enough other units to make the witness quorum. Witness keys
   * come from the directory, so until it does (a device bootstrapping its directory) inclusion in the
   * newest verified checkpoint is all that can be asked.
   */
  #quorumReachable(): boolean {
    const quorum = this.#options.witnessQuorum ?? 0;
    if (quorum <= 0) return false;
    const units = new Set(
      this.#d.directory
        .devices()
        .filter((d) => d.revokedAt === undefined && d.unit !== this.#unit)
        .map((d) => d.unit),
    );
    return units.size >= quorum;
  }

  get #unit(): string {
    return this.#d.identity.unit;
  }

  get #device(): string {
    return this.#d.identity.key.kid;
  }

  /** The checkpoint to carry in packets (PROTOCOL.md §19.6), once this device has verified one. */
  checkpointClaim(): string | undefined {
    return this.#verifier?.claim();
  }

  /**
   * Start a round: verify the relay's newest checkpoint against what this device saw before, replay the
   * new entries (finding submitted envelopes; announcing this unit's new devices, and keeping an
   * ERR_LOG_UNEXPECTED_KEY alert for a key of this unit no root signature or register explains, without
   * failing the round), and cosign it.
   */
  async refresh(): Promise<VerifiedCheckpoint> {
    const v = await this.verifier();
    await this.#cosigning;
    const monitor = this.#options.monitor !== false;
    // Of the envelopes replayed, only this device's own submissions awaiting the log are kept: a first
    // replay of a large log holds no more in memory than its statements.
    const envelopes = monitor
      ? new Set((await this.#d.store.listLogPending()).map((p) => p.leaf))
      : undefined;
    const { checkpoint, entries } = await this.#guard(() => v.refresh(monitor, { envelopes }));
    this.#round = checkpoint;
    if (monitor) {
      for (const e of entries) this.#seen.set(e.leaf, e.index);
      await this.#clearPending((p) => this.#seen.has(p.leaf));
      const findings = await this.#watchUnit(entries);
      // A key of this unit it did not publish is an alert for a person to judge, with its evidence: it
      // says nothing about the relay's answers this sync uses, so the sync goes on (PROTOCOL.md §19.9).
      for (const subject of findings.unexpected) {
        await this.#keep(
          v.fail('ERR_LOG_UNEXPECTED_KEY', 'the log holds a key of this unit that it did not publish', {
            checkpoints: [checkpoint.note],
            subject,
          }),
        );
      }
      if (findings.enrolled.length > 0) {
        await this.#d.recorder.record(async (tx, p) => {
          for (const e of findings.enrolled) {
            await this.#d.recorder.emit(tx, p, 'unit.device-enrolled', null, { ...e });
          }
        });
      }
    }
    // The cosignature travels while the sync goes on; `settle` (or the next round) waits for it.
    this.#cosigning = v
      .cosign(
        checkpoint,
        witnessName(this.#unit, this.#device),
        this.#d.identity.key,
        Math.floor(this.#d.now().getTime() / 1000),
      )
      .then(
        () => undefined,
        () => {
          // Witnessing helps others: a cosignature the relay would not take, or that could not be
          // recorded, costs this device nothing, and the next checkpoint is cosigned anyway.
        },
      );
    return checkpoint;
  }

  /**
   * Prove an agreement (by digest) or a statement (by its JWS) included before it is applied, waiting up
   * to the bound for the relay to log it: ERR_LOG_OMISSION after that. Resolves false when it is logged
   * but not yet in a final (witnessed) checkpoint: apply it later.
   */
  async requireLogged(kind: LeafKind, subject: string): Promise<boolean> {
    const v = await this.verifier();
    const leaf = leafOf(kind, subject);
    let budget = this.#bound;
    let pause = FIRST_PAUSE_MS;
    for (;;) {
      const checkpoint = this.#round ?? (await this.refresh());
      const index = this.#seen.get(leaf) ?? (await this.#guard(() => v.proveInclusion(leaf, checkpoint)));
      if (index !== undefined) {
        if (!this.#quorumReachable()) return true;
        const final = v.final;
        return final !== undefined && index < final.size;
      }
      if (budget <= 0) {
        const hash = kind === 'statement' ? toBase64url(statementLogHash(subject)) : subject;
        throw await this.#keep(
          v.fail('ERR_LOG_OMISSION', `an accepted ${kind} is not in the log within the bound`, {
            checkpoints: [checkpoint.note],
            subject: { kind, hash, ...(kind === 'statement' ? { jws: subject } : {}) },
            proof: { type: 'inclusion', leaf, index: null, size: checkpoint.size, proof: null },
          }),
        );
      }
      const wait = Math.min(pause, budget);
      await this.#sleep(wait);
      budget -= wait;
      pause *= 2;
      await this.refresh();
    }
  }

  /** Prove every accepted agreement included once (the pinned one included). */
  async requireAgreements(digests: readonly string[]): Promise<void> {
    const proven = new Set<string>(JSON.parse((await this.#d.store.getMeta(PROVEN_AGREEMENTS)) ?? '[]'));
    const missing = digests.filter((d) => !proven.has(d));
    if (missing.length === 0) return;
    for (const digest of missing) {
      if (await this.requireLogged('agreement', digest)) proven.add(digest);
    }
    await this.#d.store.setMeta(PROVEN_AGREEMENTS, JSON.stringify([...proven].sort()));
  }

  /**
   * Check a checkpoint carried in a packet against this device's view. Throws the LogError
   * (ERR_LOG_BAD_SIGNATURE, ERR_LOG_INCONSISTENT) after keeping its evidence.
   */
  async crossCheck(note: string): Promise<void> {
    const v = await this.verifier();
    if (!v.latest) await this.refresh();
    await this.#guard(() => v.crossCheck(note));
  }

  /** Remember an envelope the relay accepted, to find it in the log. */
  async submitted(envelope: Uint8Array, receipt: SubmitReceipt): Promise<void> {
    const digest = toBase64url(await sha256Large(envelope));
    const { created: _c, ...answer } = receipt;
    await this.#d.store.putLogPending({
      leaf: leafOf('envelope', digest),
      kind: 'envelope',
      subject: digest,
      since: this.#d.now().toISOString(),
      data: JSON.stringify(answer),
    });
  }

  /**
   * Check the submitted envelopes not yet seen in the log: a device that does not monitor proves each
   * included; any still absent after the bound (by this device's clock) gets the bound once more in
   * real time, then is ERR_LOG_OMISSION, with the relay's answer to the submission as evidence.
   */
  async settle(): Promise<void> {
    await this.#cosigning;
    let pending = await this.#d.store.listLogPending();
    if (pending.length === 0) return;
    const v = await this.verifier();
    const checkpoint = this.#round ?? (await this.refresh());
    if (this.#options.monitor === false) {
      for (const p of pending) {
        if ((await this.#guard(() => v.proveInclusion(p.leaf, checkpoint))) !== undefined) {
          await this.#d.store.deleteLogPending(p.leaf);
        }
      }
    } else {
      await this.#clearPending((p) => this.#seen.has(p.leaf));
    }
    const overdue = () => {
      const now = this.#d.now().getTime();
      return pending.filter((p) => now - Date.parse(p.since) >= this.#bound);
    };
    pending = await this.#d.store.listLogPending();
    if (overdue().length === 0) return;
    let budget = this.#bound;
    let pause = FIRST_PAUSE_MS;
    while (budget > 0) {
      const wait = Math.min(pause, budget);
      await this.#sleep(wait);
      budget -= wait;
      pause *= 2;
      const round = await this.refresh();
      for (const p of overdue()) {
        const found =
          this.#seen.has(p.leaf) || (await this.#guard(() => v.proveInclusion(p.leaf, round))) !== undefined;
        if (found) await this.#d.store.deleteLogPending(p.leaf);
      }
      pending = await this.#d.store.listLogPending();
      if (overdue().length === 0) return;
    }
    const round = this.#round!;
    let first: LogError | undefined;
    for (const p of overdue()) {
      const subject: LogSubject = { kind: p.kind, hash: p.subject, receipt: JSON.parse(p.data) };
      const err = v.fail(
        'ERR_LOG_OMISSION',
        'an envelope the relay accepted is not in the log within the bound',
        {
          checkpoints: [round.note],
          subject,
          proof: { type: 'inclusion', leaf: p.leaf, index: null, size: round.size, proof: null },
        },
      );
      await this.#keep(err);
      // Reported once: the evidence stays, the check does not repeat at every sync.
      await this.#d.store.deleteLogPending(p.leaf);
      first ??= err;
    }
    if (first) throw first;
  }

  /** The log as this device verified it. */
  async status(): Promise<TransparencyStatus> {
    const v = await this.verifier();
    const view = (c: VerifiedCheckpoint | undefined) =>
      c
        ? {
            size: c.size,
            root: toBase64(c.root),
            cosigners: [...this.cosigners(c)].sort(),
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

  /** Every piece of evidence kept, oldest first. */
  async evidence(): Promise<LogEvidence[]> {
    return (await this.#d.store.listLogEvidence()).map((r) => JSON.parse(r.evidence) as LogEvidence);
  }

  async #clearPending(found: (p: LogPendingRecord) => boolean): Promise<void> {
    for (const p of await this.#d.store.listLogPending()) {
      if (found(p)) await this.#d.store.deleteLogPending(p.leaf);
    }
  }

  /** What `entries` say about this unit's keys (PROTOCOL.md §19.5). */
  #watchUnit(entries: readonly MonitoredEntry[]): Promise<UnitKeyFindings> {
    return watchUnitKeys(entries, {
      unit: this.#unit,
      device: this.#device,
      ownKeys: new Set(this.#d.identity.hpkeKeys.map((k) => k.kid)),
      directory: this.#d.directory,
      register: async () => ({
        kept: (await this.#d.store.getMeta(REGISTER_KEPT)) !== undefined,
        kids: new Set(await this.#d.store.listExpectedKeys()),
      }),
    });
  }

  /** Run a log check; keep the evidence of a failure before passing it on. */
  async #guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof LogError) throw await this.#keep(err);
      throw err;
    }
  }

  /** Store the evidence of `err` (once) and announce it; returns `err`. */
  async #keep(err: LogError): Promise<LogError> {
    const evidence: LogEvidence = {
      ...err.evidence,
      observer: { unit: this.#unit, device: this.#device },
      at: this.#d.now().toISOString(),
    };
    const key = JSON.stringify({ ...evidence, at: undefined });
    const known = (await this.#d.store.listLogEvidence()).some(
      (r) => JSON.stringify({ ...(JSON.parse(r.evidence) as LogEvidence), at: undefined }) === key,
    );
    if (known) return err;
    await this.#d.recorder.record(async (tx, p) => {
      const seq = await tx.addLogEvidence(evidence.code, JSON.stringify(evidence), evidence.at!);
      const alert = await tx.addAlert({
        kind: 'log',
        code: evidence.code,
        key: `log|${seq}`,
        detail: evidence.detail,
        evidence: JSON.stringify(evidence),
        createdAt: evidence.at!,
      });
      await this.#d.recorder.emit(tx, p, 'log.alert', null, {
        code: evidence.code,
        evidence: seq,
        detail: evidence.detail,
        alert: alert ?? null,
      });
    });
    return err;
  }
}
