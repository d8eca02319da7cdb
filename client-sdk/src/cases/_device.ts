/**
 * Internal: one device's runtime for the client (PROTOCOL.md §13.3) — its keys, store, directory and
 * relay, and the steps every use case and every received packet share: one store transaction per change
 * with its events, the quota ledger, recipients, signing and queueing packets, and the outbox.
 */
import { fromBase64url, type Rng, toBase64url } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { decodeCompact, decodeJsonPayload } from '../crypto/jws.js';
import { Agreement } from '../directory/agreement.js';
import type { Directory, RecipientDevice } from '../directory/directory.js';
import { type Attachment, sealPacket } from '../envelope/seal.js';
import { BryggaError, isBryggaError } from '../errors.js';
import type { BryggaStore, PacketRecord } from '../store/brygga-store.js';
import { type FetchFunction, RelayClient, RelayError } from '../transport/relay-client.js';
import { type LoadedLog, loadLog, packetRecord, saveLog } from './_case-book.js';
import { DeviceLog, type DeviceLogOptions } from './_log.js';
import type { SendResult } from './brygga-client.js';
import { toCasePacket } from './case-packet.js';
import type { CaseContext, CaseState } from './case-state.js';
import type { ClientEvent, ClientEventListener, ClientEventType } from './client-events.js';
import type { DeviceIdentity } from './device-identity.js';
import { type PacketBodies, type PacketType, validatePacketBody } from './packet-body.js';
import { type QuotaClaimClaims, validateQuotaClaim } from './quota-claim.js';
import { QuotaLedger } from './quota-ledger.js';
import type { ReferralBody } from './referral.js';
import { directoryResolver } from './signed-document.js';

/** What one transaction produced that must wait for its commit: events to announce, in-memory updates. */
export interface Pending {
  events: ClientEvent[];
  after: (() => void)[];
}

const DIRECTORY_CURSOR = 'directory.cursor';

/** b64u(SHA-256(text)): the id of a stored document. */
export function docHash(text: string): string {
  return toBase64url(sha256(new TextEncoder().encode(text)));
}

/** The commitment fields of a quota claim or release. */
export function pick(
  c: Pick<QuotaClaimClaims, 'agreement' | 'municipality' | 'direction' | 'unit' | 'commitment'>,
) {
  return {
    agreement: c.agreement,
    municipality: c.municipality,
    direction: c.direction,
    unit: c.unit,
    commitment: c.commitment,
  };
}

/** The claims of a stored quota document. */
export function quotaClaimsOf(jws: string): QuotaClaimClaims {
  return validateQuotaClaim(decodeJsonPayload(decodeCompact(jws).payloadBytes));
}

/** A device's runtime; see the module header. */
export class DeviceRuntime {
  readonly identity: DeviceIdentity;
  readonly store: BryggaStore;
  readonly directory: Directory;
  readonly relay: RelayClient;
  readonly now: () => Date;
  readonly rng: Rng | undefined;
  readonly listeners = new Set<ClientEventListener>();
  readonly wakers = new Set<() => void>();
  /** The relay's transparency log as this device verifies it (PROTOCOL.md §19). */
  readonly log: DeviceLog;

  constructor(options: {
    identity: DeviceIdentity;
    store: BryggaStore;
    directory: Directory;
    relayUrl: string;
    relayAudience?: string | undefined;
    fetch?: FetchFunction | undefined;
    now?: (() => Date) | undefined;
    rng?: Rng | undefined;
    log?: DeviceLogOptions | undefined;
  }) {
    this.identity = options.identity;
    this.store = options.store;
    this.directory = options.directory;
    this.now = options.now ?? (() => new Date());
    this.rng = options.rng;
    this.relay = new RelayClient({
      baseUrl: options.relayUrl,
      key: options.identity.key,
      audience: options.relayAudience,
      fetch: options.fetch,
      now: this.now,
      rng: options.rng,
    });
    this.log = new DeviceLog(this, options.log);
  }

  /** This device's unit. */
  get unit(): string {
    return this.identity.unit;
  }

  /** This device's key id. */
  get device(): string {
    return this.identity.key.kid;
  }

  /** Run `work` in one transaction; emit its events and run its after-commit steps once committed. */
  async record<T>(work: (tx: BryggaStore, pending: Pending) => Promise<T>): Promise<T> {
    const pending: Pending = { events: [], after: [] };
    const result = await this.store.transaction((tx) => work(tx, pending));
    for (const f of pending.after) f();
    for (const e of pending.events) {
      for (const l of this.listeners) {
        try {
          l(e);
        } catch {
          // A listener's failure is its own; the event stays in the store.
        }
      }
    }
    if (pending.events.length > 0) for (const w of [...this.wakers]) w();
    return result;
  }

  async emit(
    tx: BryggaStore,
    pending: Pending,
    type: ClientEventType,
    caseId: string | null,
    data: Record<string, unknown>,
  ) {
    const at = this.now().toISOString();
    const seq = await tx.addEvent(type, caseId, JSON.stringify(data), at);
    pending.events.push({ seq, type, caseId, at, data });
  }

  async ledger(tx: BryggaStore): Promise<QuotaLedger> {
    const ledger = new QuotaLedger();
    for (const q of await tx.listQuota()) {
      const payload = JSON.parse(new TextDecoder().decode(decodeCompact(q.jws).payloadBytes));
      if (q.kind === 'claim') ledger.addClaim(validateQuotaClaim(payload));
      else ledger.addRelease({ ...payload });
    }
    return ledger;
  }

  /** Every device of `units` with a valid key, except this one; units without any are left out. */
  devicesOf(units: readonly string[]): RecipientDevice[] {
    const out: RecipientDevice[] = [];
    for (const unit of new Set(units)) {
      try {
        out.push(...this.directory.recipientsFor([unit], this.now()));
      } catch {
        // A unit with no device able to receive yet.
      }
    }
    return out.filter((d) => d.device !== this.device);
  }

  /** Recipients of a case packet: every device of the other unit (required), and this unit's other devices. */
  caseRecipients(counterpart: string): RecipientDevice[] {
    const others = this.directory.recipientsFor([counterpart], this.now());
    return [...others, ...this.devicesOf([this.unit])];
  }

  async assertReferralWithinQuota(tx: BryggaStore, state: CaseState, agreement: Agreement): Promise<void> {
    const ledger = await this.ledger(tx);
    const claim = (await tx.listQuota()).find(
      (q) => q.kind === 'claim' && q.direction === 'outgoing' && q.commitment === state.quota.outgoing,
    );
    const claims = claim ? quotaClaimsOf(claim.jws) : undefined;
    if (!claims || !ledger.holdsSlot(agreement, claims)) {
      throw new BryggaError(
        'ERR_QUOTA_EXCEEDED',
        `${state.homeMunicipality} has no outgoing quota left for this referral`,
      );
    }
    ledger.assertIncomingRoom(agreement, state.receivingMunicipality);
  }

  /**
   * Sign, store and queue a case packet: the rules run first on the case as this device holds it
   * (nothing is stored or sent when they refuse), then the packet is applied to the log, stored and put
   * in the outbox in one transaction, and finally submitted.
   */
  async sendCase<T extends PacketType>(
    caseId: string,
    type: T,
    rawBody: PacketBodies[T],
    attachments: readonly Attachment[] = [],
    extra?: (tx: BryggaStore, pending: Pending) => Promise<void>,
  ): Promise<SendResult> {
    const body = validatePacketBody(type, rawBody);
    const ctx = this.context();
    const now = this.now();
    const result = await this.record(async (tx, pending) => {
      const loaded = await loadLog(tx, ctx, caseId);
      const state = loaded.log.state;
      const counterpart =
        type === 'referral'
          ? (body as ReferralBody).to
          : state
            ? state.home === this.unit
              ? state.receiving
              : state.home
            : undefined;
      if (!counterpart) throw new BryggaError('ERR_UNKNOWN_CASE', 'this device does not know the case');
      const recipients = this.caseRecipients(counterpart);
      const aud = [...new Set(recipients.map((r) => r.unit))];
      loaded.log.preview({
        case: caseId,
        unit: this.unit,
        pid: '',
        type,
        device: this.device,
        aud,
        iat: Math.floor(now.getTime() / 1000),
        body,
      });
      const sealed = await sealPacket({
        sender: { unit: this.unit, key: this.identity.key },
        recipients,
        type,
        caseId,
        prev: loaded.log.head,
        body,
        attachments,
        checkpoint: this.log.claim(),
        now,
        rng: this.rng,
      });
      const record = packetRecord(
        sealed.claims,
        sealed.jws,
        sealed.hash,
        attachments.map((a) => a.data),
        'out',
      );
      const offer = loaded.log.offer(toCasePacket(sealed.claims, sealed.hash));
      if (offer.outcome !== 'applied')
        throw offer.error ?? new BryggaError('ERR_INVALID_TRANSITION', 'the packet could not be applied');
      await this.afterOffer(tx, pending, loaded, record);
      await tx.enqueueOutbox(sealed.claims.pid, toBase64url(sealed.envelope.serialize()), now.toISOString());
      if (extra) await extra(tx, pending);
      return { caseId, pid: sealed.claims.pid, hash: sealed.hash, type };
    });
    const submitted = await this.submitOne(result.pid);
    return { ...result, submitted };
  }

  /** Sign, store and queue a packet outside any case (quota claims, reconciliations, agreements). */
  async sendOther<T extends PacketType>(
    type: T,
    body: PacketBodies[T],
    units: readonly string[],
    extra: (tx: BryggaStore, pending: Pending) => Promise<void>,
  ): Promise<SendResult> {
    const result = await this.record(async (tx, pending) => {
      const r = await this.queueOther(tx, type, body, units);
      await extra(tx, pending);
      return r;
    });
    const submitted = await this.submitOne(result.pid);
    return { ...result, submitted };
  }

  async queueOther<T extends PacketType>(
    tx: BryggaStore,
    type: T,
    body: PacketBodies[T],
    units: readonly string[],
  ): Promise<Omit<SendResult, 'submitted'>> {
    const now = this.now();
    const recipients = this.devicesOf([...units, this.unit]);
    if (recipients.length === 0) throw new BryggaError('ERR_KEY_EXPIRED', 'no device can receive the packet');
    const sealed = await sealPacket({
      sender: { unit: this.unit, key: this.identity.key },
      recipients,
      type,
      caseId: null,
      prev: null,
      body,
      checkpoint: this.log.claim(),
      now,
      rng: this.rng,
    });
    await tx.putPacket({
      ...packetRecord(sealed.claims, sealed.jws, sealed.hash, [], 'out'),
      status: 'stored',
    });
    await tx.enqueueOutbox(sealed.claims.pid, toBase64url(sealed.envelope.serialize()), now.toISOString());
    return { caseId: null, pid: sealed.claims.pid, hash: sealed.hash, type };
  }

  /** Store this unit's own quota document and send it to every party. */
  async broadcastQuota(
    tx: BryggaStore,
    pending: Pending,
    type: 'quota-claim' | 'quota-release',
    body: PacketBodies['quota-claim'] | PacketBodies['quota-release'],
    claims: Pick<QuotaClaimClaims, 'agreement' | 'municipality' | 'direction' | 'unit' | 'commitment'>,
  ): Promise<void> {
    const jws = 'claim' in body ? body.claim : body.release;
    await tx.putQuota({
      hash: docHash(jws),
      kind: type === 'quota-claim' ? 'claim' : 'release',
      ...pick(claims),
      jws,
    });
    const units = this.directory.agreement.terms.parties.map((p) => p.unit);
    await this.queueOther(tx, type, body as never, units);
    await this.emit(tx, pending, 'quota.changed', null, {
      kind: type === 'quota-claim' ? 'claim' : 'release',
      municipality: claims.municipality,
      direction: claims.direction,
    });
  }

  /** Record the consequences of an offer to a case log: packets, case, events. */
  async afterOffer(tx: BryggaStore, pending: Pending, loaded: LoadedLog, offered: PacketRecord) {
    const changes = await saveLog(tx, loaded, offered, this.unit, this.now());
    for (const d of changes.dropped) {
      await tx.deletePacket(d.hash);
      await tx.putRejected({
        pid: d.pid,
        hash: d.hash,
        caseId: d.caseId,
        type: d.type,
        unit: d.unit,
        device: d.device,
        code: 'ERR_INVALID_TRANSITION',
        at: this.now().toISOString(),
      });
    }
    const caseId = loaded.log.caseId;
    for (const a of changes.applied) {
      await this.emit(tx, pending, 'packet.applied', caseId, {
        pid: a.pid,
        hash: a.hash,
        packetType: a.type,
        from: a.unit,
        direction: a.direction,
      });
    }
    if (changes.setAside.length > 0) {
      await this.emit(tx, pending, 'case.fork', caseId, {
        kept: loaded.log.head,
        setAside: changes.setAside.map((s) => s.hash),
      });
    }
    if (changes.statusAfter !== undefined && changes.statusAfter !== changes.statusBefore) {
      await this.emit(tx, pending, 'case.status', caseId, { status: changes.statusAfter });
    }
    return changes;
  }

  /**
   * Bring the directory up to date from the relay. Every agreement and statement is proven included in
   * the relay's log before it is applied (PROTOCOL.md §19.3); one that is logged but not yet in a final
   * checkpoint waits (the cursor stays before it) for a later sync.
   */
  async syncDirectory(): Promise<void> {
    await this.log.requireAgreements(this.directory.agreements.map((a) => a.digest));
    let cursor = Number((await this.store.getMeta(DIRECTORY_CURSOR)) ?? '0');
    for (;;) {
      const page = await this.relay.directory(cursor);
      for (const doc of page.agreements) {
        let next: Agreement;
        try {
          next = Agreement.deserialize(doc);
        } catch {
          continue;
        }
        const current = this.directory.agreement;
        if (next.terms.id !== current.terms.id || next.terms.sequence !== current.terms.sequence + 1)
          continue;
        try {
          this.directory.verifySuccessor(next);
        } catch {
          continue;
        }
        if (!(await this.log.requireLogged('agreement', next.digest))) continue;
        await this.record(async (tx, p) => {
          await tx.putAgreement(next.digest, next.terms.sequence, next.serialize());
          await this.emit(tx, p, 'agreement.accepted', null, {
            digest: next.digest,
            sequence: next.terms.sequence,
          });
          p.after.push(() => this.directory.addAgreement(next));
        });
      }
      for (const s of page.statements) {
        if (s.seq <= cursor) throw new BryggaError('ERR_MALFORMED', 'relay answer: statements out of order');
        if (!(await this.log.requireLogged('statement', s.jws))) return;
        try {
          this.directory.apply(s.jws);
          await this.store.addStatement(s.jws);
        } catch (err) {
          await this.record(async (tx, p) => {
            await this.emit(tx, p, 'directory.refused', null, {
              code: isBryggaError(err) ? err.code : 'ERR_MALFORMED',
            });
          });
        }
        cursor = s.seq;
        await this.store.setMeta(DIRECTORY_CURSOR, String(cursor));
      }
      if (page.statements.length === 0 || cursor >= page.latest) return;
    }
  }

  /** Submit everything queued (the packet and what went with it); whether `pid` reached the relay. */
  async submitOne(pid: string): Promise<boolean> {
    try {
      await this.flushOutbox();
    } catch {
      // Not reachable now: the outbox keeps it for the next sync.
    }
    return (await this.store.listOutbox()).every((o) => o.pid !== pid);
  }

  /** Submit queued envelopes (all, or one). Stops at the first transient failure; drops permanent refusals. */
  async flushOutbox(only?: string): Promise<number> {
    let sent = 0;
    for (const item of await this.store.listOutbox()) {
      if (only !== undefined && item.pid !== only) continue;
      const bytes = fromBase64url(item.envelope);
      try {
        const receipt = await this.relay.submit(bytes);
        await this.log.submitted(bytes, receipt);
      } catch (err) {
        if (
          err instanceof RelayError &&
          err.status >= 400 &&
          err.status < 500 &&
          err.status !== 429 &&
          err.status !== 401
        ) {
          await this.record(async (tx, p) => {
            await tx.removeOutbox(item.pid);
            await this.emit(tx, p, 'packet.rejected', null, {
              pid: item.pid,
              packetType: null,
              from: this.unit,
              code: 'ERR_RELAY',
              problem: err.problemCode,
            });
          });
          continue;
        }
        if (only !== undefined) throw err;
        return sent;
      }
      await this.store.removeOutbox(item.pid);
      sent++;
    }
    return sent;
  }

  context(): CaseContext {
    return { agreements: this.directory.agreements, resolve: directoryResolver(this.directory) };
  }
}
