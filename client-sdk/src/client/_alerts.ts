/**
 * Internal: alerts, the records a person judges (PROTOCOL.md §19.7, §5.1): a failed check of the relay's
 * transparency log with its evidence (kept by the monitor, _transparency-monitor.ts), and an agreement
 * extension refused over a root key with what the administrator must compare (kept here). An alert is
 * stored with an event in one transaction, once per what it is about; it never fails the command that
 * found it, and it stays until someone acknowledges it, by name.
 */
import type { RootKeyAlert } from '../directory/trust-chain.js';
import { BryggaError } from '../errors.js';
import type { AlertRecord } from '../store/brygga-store.js';
import type { DeviceRuntime } from './_device-runtime.js';
import type { AlertView } from './client-types.js';

/** The alert as the case system sees it. */
export function alertView(r: AlertRecord): AlertView {
  let evidence: unknown;
  try {
    evidence = JSON.parse(r.evidence);
  } catch {
    evidence = null;
  }
  return {
    id: r.seq,
    kind: r.kind as AlertView['kind'],
    code: r.code,
    detail: r.detail,
    evidence,
    at: r.createdAt,
    acknowledged: r.acknowledgedBy === null ? null : { by: r.acknowledgedBy, at: r.acknowledgedAt ?? '' },
  };
}

/** Keep an extension refused over a root key as an alert, once, with its `directory.alert` event. */
export async function recordRootKeyAlert(
  d: DeviceRuntime,
  alert: RootKeyAlert,
  detail: string,
): Promise<void> {
  await d.recorder.record(async (tx, p) => {
    const id = await tx.addAlert({
      kind: 'root-key',
      code: 'ERR_AGREEMENT_INVALID',
      key: `root-key|${alert.agreement}|${alert.unit}|${alert.offeredRoot}`,
      detail,
      evidence: JSON.stringify(alert),
      createdAt: d.now().toISOString(),
    });
    if (id !== undefined) {
      await d.recorder.emit(tx, p, 'directory.alert', null, {
        alert: id,
        code: 'ERR_AGREEMENT_INVALID',
        detail,
      });
    }
  });
}

/** Record that `by` acknowledged alert `id`; ERR_MALFORMED when there is no such alert. */
export async function acknowledge(d: DeviceRuntime, id: number, by: string): Promise<AlertView> {
  const view = await d.recorder.record(async (tx, p) => {
    const at = d.now().toISOString();
    if (!(await tx.acknowledgeAlert(id, by, at))) return undefined;
    await d.recorder.emit(tx, p, 'alert.acknowledged', null, { alert: id, by });
    return (await tx.listAlerts()).find((a) => a.seq === id);
  });
  if (!view) throw new BryggaError('ERR_MALFORMED', `there is no alert ${id}`);
  return alertView(view);
}
