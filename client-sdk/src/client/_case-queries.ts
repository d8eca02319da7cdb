/**
 * Internal: the cases a device holds, read from its store for the case system (PROTOCOL.md §13.3,
 * §17): case views, a case's packets decrypted, the costs every case reported, and evidence bundles.
 */

import type { CaseState } from '../cases/case-state.js';
import { buildEvidenceBundle, type EvidenceBundle } from '../cases/evidence.js';
import { isCaseLogType, typedBody } from '../cases/packet-body.js';
import type { CaseCostRecord } from '../cases/reconciliation.js';
import { caseStatus } from '../cases/workflow.js';
import { fromBase64url } from '../crypto/bytes.js';
import { BryggaError } from '../errors.js';
import type { CaseRecord } from '../store/brygga-store.js';
import { claimsOf } from './_case-book.js';
import type { DeviceRuntime } from './_device-runtime.js';
import type { CaseLogEntry, CaseView } from './client-types.js';

/** A stored case as the case system sees it. */
export function caseView(record: CaseRecord): CaseView {
  const state = JSON.parse(record.state) as CaseState;
  return {
    caseId: record.caseId,
    status: caseStatus(state.status, record.delivered),
    delivered: record.delivered,
    state,
  };
}

/** The view of a case this device holds; ERR_UNKNOWN_CASE if it has none. */
export async function requireCase(d: DeviceRuntime, caseId: string): Promise<CaseView> {
  const record = await d.store.getCase(caseId);
  if (!record) throw new BryggaError('ERR_UNKNOWN_CASE', 'this device does not know the case');
  return caseView(record);
}

/** The packets of a case, decrypted: the applied log in order, then held and set-aside ones. */
export async function caseLogEntries(d: DeviceRuntime, caseId: string): Promise<CaseLogEntry[]> {
  const records = (await d.store.listCasePackets(caseId)).filter((r) => r.status !== 'stored');
  return records.map((r) => {
    const claims = claimsOf(r);
    if (!isCaseLogType(claims.type)) throw new BryggaError('ERR_MALFORMED', 'not a case log packet type');
    return {
      pid: r.pid,
      hash: r.hash,
      prev: r.prev,
      ...typedBody(claims.type, claims.body),
      from: { unit: r.unit, device: r.device },
      sentAt: new Date(r.iat * 1000).toISOString(),
      status: r.status,
      attachments: claims.att.map((a, i) => ({
        name: a.name,
        type: a.type,
        data: fromBase64url(r.attachments[i] ?? ''),
      })),
    };
  });
}

/** The costs of every case this unit holds, for reconciliation. */
export async function caseCosts(d: DeviceRuntime): Promise<CaseCostRecord[]> {
  return (await d.store.listCases()).map((r) => {
    const s = JSON.parse(r.state) as CaseState;
    return { caseId: s.caseId, home: s.home, receiving: s.receiving, lines: s.costs };
  });
}

/** A case as a self-contained evidence bundle (PROTOCOL.md §17), signed by this device. */
export async function evidenceBundle(d: DeviceRuntime, caseId: string): Promise<EvidenceBundle> {
  await requireCase(d, caseId);
  const chain = (await d.store.listCasePackets(caseId)).filter((r) => r.status === 'applied');
  const hashes = new Set(chain.map((r) => r.hash));
  const receipts = (await d.store.listReceipts({ caseId })).filter((r) => hashes.has(r.packetHash));
  return buildEvidenceBundle({
    caseId,
    agreements: d.directory.agreements,
    statements: d.directory.statements,
    packets: chain.map((r) => ({
      jws: r.jws,
      hash: r.hash,
      attachments: r.attachments.map((a) => fromBase64url(a)),
    })),
    receipts: receipts.map((r) => r.jws),
    unit: d.unit,
    device: d.identity.key,
    now: d.now(),
  });
}
