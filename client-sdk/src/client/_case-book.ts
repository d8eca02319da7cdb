/**
 * Internal: the case book, the case logs kept in the store (PROTOCOL.md §13.3). Loads a case's log from
 * its stored packets, and after a packet was offered writes back every packet whose standing changed,
 * the case record and the consent documents, with the events they make, all inside the caller's
 * transaction. When a packet of this device is sealed again or undone (§13.5), the log is rebuilt from
 * its packets as they are then ({@link rewriteCaseLog}).
 */
import { CaseLog } from '../cases/case-log.js';
import { type CasePacket, toCasePacket } from '../cases/case-packet.js';
import { type CaseContext, type CaseState, caseReducer } from '../cases/case-state.js';
import { consentDocuments } from '../cases/consent-documents.js';
import { documentHash } from '../cases/signed-document.js';
import { type CaseStatus, caseStatus, type LogStatus } from '../cases/workflow.js';
import { toBase64url } from '../crypto/bytes.js';
import { decodeCompact, decodeJsonPayload } from '../crypto/jws.js';
import { type PacketClaims, validateClaims } from '../envelope/packet.js';
import type { BryggaStore, PacketRecord } from '../store/brygga-store.js';
import type { Pending } from './_change-recorder.js';
import type { DeviceRuntime } from './_device-runtime.js';

/** A stored packet's claims (the store holds only packets that verified when they arrived). */
export function claimsOf(record: Pick<PacketRecord, 'jws'>): PacketClaims {
  return validateClaims(decodeJsonPayload(decodeCompact(record.jws).payloadBytes));
}

/** The record of a packet. */
export function packetRecord(
  claims: PacketClaims,
  jws: string,
  hash: string,
  attachments: readonly Uint8Array[],
  direction: 'in' | 'out',
): PacketRecord {
  return {
    hash,
    pid: claims.pid,
    caseId: claims.case,
    type: claims.type,
    prev: claims.prev,
    unit: claims.iss,
    device: claims.dev,
    iat: claims.iat,
    aud: [...claims.aud],
    rcp: [...claims.rcp],
    jws,
    attachments: attachments.map((a) => toBase64url(a)),
    direction,
    status: 'stored',
    position: null,
  };
}

/** A case log loaded from the store, with the stored record of every packet in it. */
export interface LoadedCaseLog {
  caseLog: CaseLog<CasePacket, CaseState>;
  records: Map<string, PacketRecord>;
}

/** Load the case log of `caseId` (empty when the store has none). */
export async function loadCaseLog(tx: BryggaStore, ctx: CaseContext, caseId: string): Promise<LoadedCaseLog> {
  const rows = (await tx.listCasePackets(caseId)).filter((r) => r.status !== 'stored');
  const records = new Map(rows.map((r) => [r.hash, r]));
  const entries = rows.map((r) => ({
    entry: toCasePacket(claimsOf(r), r.hash),
    status: r.status as 'applied' | 'held' | 'superseded',
  }));
  return { caseLog: CaseLog.restore(caseId, caseReducer(ctx), entries), records };
}

/** What changed in the store after an offer. */
export interface CaseLogChanges {
  /** Packets now applied that were not before (hash → position). */
  applied: PacketRecord[];
  /** Stored packets now set aside. */
  setAside: PacketRecord[];
  /** Stored packets the log no longer holds (released from hold, then refused by the rules). */
  dropped: PacketRecord[];
  statusBefore: CaseStatus | undefined;
  statusAfter: CaseStatus | undefined;
}

/** Where each packet stands in `log`: applied at a position, held, set aside, or not in it (refused). */
function standingIn(log: CaseLog<CasePacket, CaseState>): (hash: string) => {
  position: number | undefined;
  status: 'applied' | 'held' | 'superseded' | undefined;
} {
  const positions = new Map(log.chain.map((e, i) => [e.hash, i]));
  const held = new Set(log.held.map((e) => e.hash));
  const setAside = new Set(log.superseded.map((e) => e.hash));
  return (hash) => {
    const position = positions.get(hash);
    if (position !== undefined) return { position, status: 'applied' };
    return {
      position,
      status: held.has(hash) ? 'held' : setAside.has(hash) ? 'superseded' : undefined,
    };
  };
}

/** A case's changes before any is found, from its stored record (if any). */
function noChanges(before: Awaited<ReturnType<BryggaStore['getCase']>>): CaseLogChanges {
  return {
    applied: [],
    setAside: [],
    dropped: [],
    statusBefore: before ? caseStatus(before.status as LogStatus, before.delivered) : undefined,
    statusAfter: undefined,
  };
}

/**
 * Write the case log's standing back to the store: every packet (the stored ones and `offered`) gets
 * the status the log gives it; the case record and consent documents follow the applied chain.
 */
async function saveCaseLog(
  tx: BryggaStore,
  loaded: LoadedCaseLog,
  offered: PacketRecord,
  me: string,
  now: Date,
): Promise<CaseLogChanges> {
  const { caseLog: log, records } = loaded;
  const before = await tx.getCase(log.caseId);
  const standing = standingIn(log);
  const changes = noChanges(before);
  const all = new Map(records);
  if (!all.has(offered.hash)) all.set(offered.hash, offered);
  for (const r of all.values()) {
    const { position, status } = standing(r.hash);
    const stored = records.get(r.hash);
    if (status === undefined) {
      if (stored) changes.dropped.push(stored);
      continue;
    }
    if (stored && stored.status === status && stored.position === (position ?? null)) continue;
    const next: PacketRecord = { ...r, status, position: position ?? null };
    await tx.putPacket(next);
    if (status === 'applied' && stored?.status !== 'applied') changes.applied.push(next);
    if (status === 'superseded' && stored?.status === 'applied') changes.setAside.push(next);
  }
  changes.applied.sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  const state = log.state;
  if (state) {
    changes.statusAfter = await saveCase(tx, state, me, now);
    for (const p of changes.applied) await fileConsents(tx, state.caseId, p);
  }
  return changes;
}

/**
 * Write the case record after its log's last applied packet; returns its status as the case system
 * sees it. The case is delivered once the receiving unit has applied the referral (for the receiving
 * unit itself, at once).
 */
async function saveCase(tx: BryggaStore, state: CaseState, me: string, now: Date): Promise<CaseStatus> {
  const delivered =
    state.receiving === me ||
    (await tx.listReceipts({ packetHash: state.referral })).some(
      (x) => x.unit === state.receiving && x.outcome === 'applied',
    );
  await tx.putCase({
    caseId: state.caseId,
    home: state.home,
    receiving: state.receiving,
    status: state.status,
    delivered,
    head: state.head,
    length: state.length,
    state: JSON.stringify(state),
    updatedAt: now.toISOString(),
  });
  return caseStatus(state.status, delivered);
}

/** File the consent documents a newly applied packet carries, for the case system to archive. */
async function fileConsents(tx: BryggaStore, caseId: string, p: PacketRecord): Promise<void> {
  for (const d of consentDocumentsOf(p)) {
    await tx.putConsent({
      hash: documentHash(d.jws),
      caseId,
      consentId: d.consentId,
      kind: d.kind,
      packetHash: p.hash,
      jws: d.jws,
    });
  }
}

/** The consent documents a stored case packet carries, with the consent id each attests or withdraws. */
function consentDocumentsOf(
  p: PacketRecord,
): { jws: string; kind: 'attestation' | 'withdrawal'; consentId: string }[] {
  return consentDocuments(toCasePacket(claimsOf(p), p.hash)).map((d) => {
    const payload = decodeJsonPayload<Record<string, string>>(decodeCompact(d.jws).payloadBytes);
    return { ...d, consentId: payload[d.kind === 'attestation' ? 'id' : 'consent']! };
  });
}

/**
 * Record what an offer to a case log changed: the packets' standing, the case record and its consent
 * documents (see {@link saveCaseLog}); a packet the log dropped (released from hold, then refused by the
 * rules) is recorded as rejected; and the events: `packet.applied` for each newly applied packet,
 * `case.fork` when a branch was set aside, `case.status` when the status changed.
 */
export async function recordOffer(
  d: DeviceRuntime,
  tx: BryggaStore,
  pending: Pending,
  loaded: LoadedCaseLog,
  offered: PacketRecord,
): Promise<CaseLogChanges> {
  const changes = await saveCaseLog(tx, loaded, offered, d.unit, d.now());
  for (const r of changes.dropped) {
    await tx.deletePacket(r.hash);
    await tx.putRejected({
      pid: r.pid,
      hash: r.hash,
      caseId: r.caseId,
      type: r.type,
      unit: r.unit,
      device: r.device,
      code: 'ERR_INVALID_TRANSITION',
      at: d.now().toISOString(),
    });
  }
  const caseId = loaded.caseLog.caseId;
  for (const a of changes.applied) {
    await d.recorder.emit(tx, pending, 'packet.applied', caseId, {
      pid: a.pid,
      hash: a.hash,
      packetType: a.type,
      from: a.unit,
      direction: a.direction,
    });
  }
  if (changes.setAside.length > 0) {
    await d.recorder.emit(tx, pending, 'case.fork', caseId, {
      kept: loaded.caseLog.head,
      setAside: changes.setAside.map((s) => s.hash),
    });
  }
  if (changes.statusAfter !== undefined && changes.statusAfter !== changes.statusBefore) {
    await d.recorder.emit(tx, pending, 'case.status', caseId, { status: changes.statusAfter });
  }
  return changes;
}

/** How a case's stored packets change when a refused packet is sealed again or undone (PROTOCOL.md §13.5). */
export interface CaseLogEdit {
  /** Packets (by hash) that leave the case: undone. */
  remove?: ReadonlySet<string>;
  /** Packets (by old hash) sealed again: the new record takes the old one's place. */
  replace?: ReadonlyMap<string, PacketRecord>;
}

const byHash = (a: PacketRecord, b: PacketRecord) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0);

/**
 * Rebuild the log of `caseId` from its stored packets after `edit`, as if the removed packets had never
 * been offered and the replaced ones had been offered as they are now: the applied chain in order,
 * then every held and set-aside packet by signing time, each offered to a fresh log (the fork rule makes
 * the outcome independent of the order). A packet that a removed one had set aside comes back; one
 * that waited for a removed one stays held. Writes every standing, the case record (deleted when the
 * log is empty again) and the consent documents, with `packet.applied` for packets newly applied and
 * `case.status` when the status changed.
 */
export async function rewriteCaseLog(
  d: DeviceRuntime,
  tx: BryggaStore,
  pending: Pending,
  caseId: string,
  edit: CaseLogEdit,
): Promise<CaseLogChanges> {
  const stored = (await tx.listCasePackets(caseId)).filter((r) => r.status !== 'stored');
  const before = await tx.getCase(caseId);
  const kept: PacketRecord[] = [];
  const fresh = new Set<string>();
  for (const r of stored) {
    const replacement = edit.replace?.get(r.hash);
    if (edit.remove?.has(r.hash) || replacement) await tx.deletePacket(r.hash);
    if (edit.remove?.has(r.hash)) continue;
    if (replacement) {
      kept.push({ ...replacement, status: r.status, position: r.position });
      fresh.add(replacement.hash);
    } else {
      kept.push(r);
    }
  }
  const applied = kept
    .filter((r) => r.status === 'applied')
    .sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  const others = kept.filter((r) => r.status !== 'applied').sort((a, b) => a.iat - b.iat || byHash(a, b));
  const log = new CaseLog<CasePacket, CaseState>(caseId, caseReducer(d.context()));
  for (const r of [...applied, ...others]) log.offer(toCasePacket(claimsOf(r), r.hash));
  const standing = standingIn(log);
  const changes = noChanges(before);
  for (const r of kept) {
    const { position, status } = standing(r.hash);
    if (status === undefined) {
      // Refused by the rules now (nothing a removal can cause in practice): out of the log, as on arrival.
      if (!fresh.has(r.hash)) await tx.deletePacket(r.hash);
      changes.dropped.push(r);
      continue;
    }
    if (!fresh.has(r.hash) && r.status === status && r.position === (position ?? null)) continue;
    const next: PacketRecord = { ...r, status, position: position ?? null };
    await tx.putPacket(next);
    if (status === 'applied' && r.status !== 'applied') changes.applied.push(next);
    if (status === 'superseded' && r.status === 'applied') changes.setAside.push(next);
  }
  changes.applied.sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  await tx.deleteConsents(caseId);
  const state = log.state;
  if (state) {
    changes.statusAfter = await saveCase(tx, state, d.unit, d.now());
    for (const e of log.chain) {
      const record = kept.find((r) => r.hash === e.hash);
      if (record) await fileConsents(tx, caseId, record);
    }
  } else if (before) {
    await tx.deleteCase(caseId);
  }
  for (const r of changes.dropped) {
    await tx.putRejected({
      pid: r.pid,
      hash: r.hash,
      caseId: r.caseId,
      type: r.type,
      unit: r.unit,
      device: r.device,
      code: 'ERR_INVALID_TRANSITION',
      at: d.now().toISOString(),
    });
  }
  for (const a of changes.applied) {
    await d.recorder.emit(tx, pending, 'packet.applied', caseId, {
      pid: a.pid,
      hash: a.hash,
      packetType: a.type,
      from: a.unit,
      direction: a.direction,
    });
  }
  if (changes.statusAfter !== changes.statusBefore) {
    await d.recorder.emit(tx, pending, 'case.status', caseId, { status: changes.statusAfter ?? null });
  }
  return changes;
}
