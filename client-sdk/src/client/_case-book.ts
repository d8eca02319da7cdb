/**
 * Internal: case logs kept in the store (PROTOCOL.md §13.3). Loads a case's log from its stored packets,
 * and after a packet was offered writes back every packet whose standing changed, the case record and
 * the consent documents, all inside the caller's transaction.
 */

import { CaseLog } from '../cases/case-log.js';
import { toCasePacket } from '../cases/case-packet.js';
import { type CaseContext, type CasePacket, type CaseState, caseReducer } from '../cases/case-state.js';
import type { PacketBodies } from '../cases/packet-body.js';
import type { CaseStatus } from '../cases/workflow.js';
import { toBase64url } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { decodeCompact, decodeJsonPayload } from '../crypto/jws.js';
import { type PacketClaims, validateClaims } from '../envelope/packet.js';
import type { BryggaStore, PacketRecord } from '../store/brygga-store.js';

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
export interface LoadedLog {
  log: CaseLog<CasePacket, CaseState>;
  records: Map<string, PacketRecord>;
}

/** Load the log of `caseId` (empty when the store has none). */
export async function loadLog(tx: BryggaStore, ctx: CaseContext, caseId: string): Promise<LoadedLog> {
  const rows = (await tx.listCasePackets(caseId)).filter((r) => r.status !== 'stored');
  const records = new Map(rows.map((r) => [r.hash, r]));
  const entries = rows.map((r) => ({
    entry: toCasePacket(claimsOf(r), r.hash),
    status: r.status as 'applied' | 'held' | 'superseded',
  }));
  return { log: CaseLog.restore(caseId, caseReducer(ctx), entries), records };
}

/** A case's status as the case system sees it: `referred` becomes `delivered` once the receiving unit has it. */
export function caseStatus(state: CaseState, delivered: boolean): CaseStatus {
  return state.status === 'referred' && delivered ? 'delivered' : state.status;
}

/** What changed in the store after an offer. */
export interface LogChanges {
  /** Packets now applied that were not before (hash → position). */
  applied: PacketRecord[];
  /** Stored packets now set aside. */
  setAside: PacketRecord[];
  /** Stored packets the log no longer holds (released from hold, then refused by the rules). */
  dropped: PacketRecord[];
  statusBefore: CaseStatus | undefined;
  statusAfter: CaseStatus | undefined;
}

function docHash(jws: string): string {
  return toBase64url(sha256(new TextEncoder().encode(jws)));
}

/**
 * Write the log's standing back to the store: every packet (the stored ones and `offered`) gets the
 * status the log gives it; the case record and consent documents follow the applied chain.
 */
export async function saveLog(
  tx: BryggaStore,
  loaded: LoadedLog,
  offered: PacketRecord,
  me: string,
  now: Date,
): Promise<LogChanges> {
  const { log, records } = loaded;
  const before = await tx.getCase(log.caseId);
  const positions = new Map(log.chain.map((e, i) => [e.hash, i]));
  const held = new Set(log.held.map((e) => e.hash));
  const setAside = new Set(log.superseded.map((e) => e.hash));
  const changes: LogChanges = {
    applied: [],
    setAside: [],
    dropped: [],
    statusBefore: before
      ? before.status === 'referred' && before.delivered
        ? 'delivered'
        : (before.status as CaseStatus)
      : undefined,
    statusAfter: undefined,
  };
  const all = new Map(records);
  if (!all.has(offered.hash)) all.set(offered.hash, offered);
  for (const r of all.values()) {
    const position = positions.get(r.hash);
    const status =
      position !== undefined
        ? 'applied'
        : held.has(r.hash)
          ? 'held'
          : setAside.has(r.hash)
            ? 'superseded'
            : undefined;
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
    changes.statusAfter = caseStatus(state, delivered);
    for (const p of changes.applied) {
      const docs = consentDocuments(p);
      for (const d of docs) {
        await tx.putConsent({
          hash: docHash(d.jws),
          caseId: state.caseId,
          consentId: d.consentId,
          kind: d.kind,
          packetHash: p.hash,
          jws: d.jws,
        });
      }
    }
  }
  return changes;
}

function consentDocuments(
  p: PacketRecord,
): { jws: string; kind: 'attestation' | 'withdrawal'; consentId: string }[] {
  const claims = claimsOf(p);
  const idOf = (jws: string, member: 'id' | 'consent') =>
    (decodeJsonPayload(decodeCompact(jws).payloadBytes) as Record<string, string>)[member]!;
  switch (claims.type) {
    case 'referral': {
      const jws = (claims.body as PacketBodies['referral']).consent;
      return [{ jws, kind: 'attestation', consentId: idOf(jws, 'id') }];
    }
    case 'consent': {
      const jws = (claims.body as PacketBodies['consent']).attestation;
      return [{ jws, kind: 'attestation', consentId: idOf(jws, 'id') }];
    }
    case 'consent-withdrawal': {
      const jws = (claims.body as PacketBodies['consent-withdrawal']).withdrawal;
      return [{ jws, kind: 'withdrawal', consentId: idOf(jws, 'consent') }];
    }
    default:
      return [];
  }
}
