/**
 * Internal: retention (PROTOCOL.md §23). `purge` removes from the store every closed or declined case
 * whose retention under the newest agreement (`reporting.retentionYears`, 5 by default) has run out, the
 * reconciliation statements all of whose cases are gone, and this device's old HPKE private keys that
 * nothing kept needs any more; and keeps a purge record, signed by this device, that names the case ids,
 * the statements and the keys, when and by whom, and nothing else. The packets that carried a purged
 * statement go with it. All of it in one transaction, with a `retention.purged` event; the keys are
 * wiped from memory after it commits.
 */

import { reconciliationId } from '../cases/reconciliation.js';
import {
  expiredCases,
  hpkeKeysToDestroy,
  type PurgeRecord,
  reconciliationsOfPurged,
  signPurgeRecord,
  validatePurgeRecord,
} from '../cases/retention.js';
import { decodeCompact, decodeJsonPayload, type GeneralJws } from '../crypto/jws.js';
import { parseJson } from '../crypto/strict-json.js';
import { reportingTerms } from '../directory/agreement.js';
import { claimsOf } from './_case-book.js';
import type { DeviceRuntime } from './_device-runtime.js';
import { caseStates, forgetReminders, today } from './_reports.js';
import type { PurgeResult } from './client-types.js';

/** The payloads of the purge records kept. */
export async function purgeRecords(
  d: DeviceRuntime,
): Promise<{ seq: number; at: string; record: PurgeRecord; jws: string }[]> {
  return (await d.store.listPurgeRecords()).map((r) => ({
    seq: r.seq,
    at: r.at,
    record: validatePurgeRecord(decodeJsonPayload(decodeCompact(r.jws).payloadBytes)),
    jws: r.jws,
  }));
}

/** The key id a key file names (PROTOCOL.md §3.4). */
function kidOfKeyFile(file: string): string {
  return (parseJson(file) as { kid: string }).kid;
}

/**
 * Purge what retention allows today (see the module header). With `dryRun`, only say what would go.
 * `by` names who ran it, for the record.
 */
export async function purge(
  d: DeviceRuntime,
  options: { by?: string | null; dryRun?: boolean } = {},
): Promise<PurgeResult> {
  const years = reportingTerms(d.directory.agreement).retentionYears;
  const states = await caseStates(d);
  const expired = expiredCases(states, years, today(d)).map((c) => c.caseId);
  const gone = new Set(expired);
  for (const r of await purgeRecords(d)) for (const c of r.record.cases) gone.add(c);
  const reconciliations = reconciliationsOfPurged(
    (await d.store.listReconciliations()).map((r) => ({
      id: r.id,
      document: JSON.parse(r.document) as GeneralJws,
    })),
    gone,
  );
  // The case records kept after this purge, and when each packet received for them was signed.
  const received: number[] = [];
  for (const c of states) {
    if (gone.has(c.caseId)) continue;
    for (const p of await d.store.listCasePackets(c.caseId)) if (p.direction === 'in') received.push(p.iat);
  }
  const held = new Set(d.identity.hpkeKeys.map((k) => k.kid));
  const own = d.directory
    .snapshot()
    .hpkeKeys.filter((k) => k.device === d.device && held.has(k.kid))
    .map((k) => ({ kid: k.kid, nbf: k.nbf, exp: k.exp }));
  const keys = hpkeKeysToDestroy(own, received, d.now());
  const result: PurgeResult = { cases: expired, reconciliations, keys, record: null };
  if (options.dryRun || (expired.length === 0 && reconciliations.length === 0 && keys.length === 0)) {
    return result;
  }
  const now = d.now();
  const record = signPurgeRecord(d.identity.key, {
    unit: d.unit,
    retentionYears: years,
    cases: expired,
    reconciliations,
    keys,
    by: options.by ?? null,
    now,
  });
  const destroy = new Set(keys);
  await d.recorder.record(async (tx, pending) => {
    for (const caseId of expired) await tx.purgeCase(caseId);
    await forgetReminders(tx, new Set(expired));
    const statements = new Set(reconciliations);
    for (const id of reconciliations) await tx.deleteReconciliation(id);
    // The packets that carried those statements, kept as evidence of what was sent and received.
    for (const p of await tx.listDocumentPackets('reconciliation')) {
      const body = claimsOf(p).body as { document: GeneralJws };
      if (statements.has(reconciliationId(body.document))) await tx.deletePacket(p.hash);
    }
    if (destroy.size > 0) {
      const identity = await tx.loadIdentity();
      if (identity) {
        await tx.saveIdentity({
          ...identity,
          hpkeKeys: identity.hpkeKeys.filter((file) => !destroy.has(kidOfKeyFile(file))),
        });
      }
    }
    const seq = await tx.addPurgeRecord(record, now.toISOString());
    await d.recorder.emit(tx, pending, 'retention.purged', null, {
      record: seq,
      cases: expired.length,
      reconciliations: reconciliations.length,
      keys: keys.length,
    });
    pending.after.push(() => {
      for (let i = d.identity.hpkeKeys.length - 1; i >= 0; i--) {
        const k = d.identity.hpkeKeys[i]!;
        if (destroy.has(k.kid)) {
          k.destroy();
          d.identity.hpkeKeys.splice(i, 1);
        }
      }
    });
  });
  return { ...result, record };
}
