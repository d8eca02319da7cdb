/**
 * Internal: the unit's reports, read from its store (PROTOCOL.md §20–22): de-identified statistics, the
 * deviation register, reminders (and the `reminder.due` / `reminder.resolved` events a case system
 * follows), the agreed reconciliations and their totals, and the joint evaluation report from every
 * party's signed figures. The computations are the pure ones of cases/; this module only gathers their
 * inputs.
 */
import type { CaseState } from '../cases/case-state.js';
import { type DeviationEntry, deviationRegister } from '../cases/deviation-register.js';
import { buildEvaluationReport, type EvaluationReport } from '../cases/evaluation.js';
import {
  type MunicipalityCostTotals,
  type ReconciliationStatement,
  reconciliationTotals,
  verifyReconciliation,
} from '../cases/reconciliation.js';
import { computeReminders, type Reminder } from '../cases/reminders.js';
import { agreementAt } from '../cases/rules.js';
import { directoryResolver } from '../cases/signed-document.js';
import { computeStatistics, type StatisticsReport, statisticsPeriod } from '../cases/statistics.js';
import type { Agreement } from '../directory/agreement.js';
import type { BryggaStore } from '../store/brygga-store.js';
import { receivesCase } from './_circle.js';
import type { DeviceRuntime } from './_device-runtime.js';

/** The store key of the reminders standing at the last check. */
const REMINDERS_KEY = 'reminders.standing';

/** The UTC day of the device's clock. */
export function today(d: DeviceRuntime): string {
  return d.now().toISOString().slice(0, 10);
}

/** Every case state the store holds. */
export async function caseStates(d: DeviceRuntime): Promise<CaseState[]> {
  return (await d.store.listCases()).map((r) => JSON.parse(r.state) as CaseState);
}

/** The agreement whose terms apply on `day`: the one in force, or else the newest accepted. */
export function agreementOn(d: DeviceRuntime, day: string): Agreement {
  return agreementAt(d.directory.agreements, day) ?? d.directory.agreement;
}

/** The reconciliations both units signed, verified again (who signed is what the signatures say). */
export async function agreedReconciliations(
  d: DeviceRuntime,
): Promise<{ id: string; statement: ReconciliationStatement }[]> {
  const resolve = directoryResolver(d.directory);
  const out: { id: string; statement: ReconciliationStatement }[] = [];
  for (const r of await d.store.listReconciliations()) {
    if (!r.complete) continue;
    const verified = verifyReconciliation(JSON.parse(r.document), resolve);
    if (verified.complete) out.push({ id: r.id, statement: verified.statement });
  }
  return out;
}

/** Each municipality's totals across the agreed reconciliations this unit holds, optionally of one period. */
export async function costTotals(d: DeviceRuntime, label?: string): Promise<MunicipalityCostTotals[]> {
  const agreed = await agreedReconciliations(d);
  return reconciliationTotals(
    agreed.filter((r) => label === undefined || r.statement.period.label === label).map((r) => r.statement),
  );
}

/** The unit's statistics for a month, a year or whole months (PROTOCOL.md §20). */
export async function unitStatistics(
  d: DeviceRuntime,
  spec: { month?: string; year?: string; from?: string; to?: string },
): Promise<StatisticsReport> {
  const period = statisticsPeriod(spec);
  return computeStatistics({
    unit: d.unit,
    agreement: agreementOn(d, period.to),
    cases: await caseStates(d),
    period,
  });
}

/** The unit's deviation register (PROTOCOL.md §20.5), optionally of some days only. */
export async function deviations(
  d: DeviceRuntime,
  range: { from?: string; to?: string } = {},
): Promise<DeviationEntry[]> {
  return deviationRegister(d.unit, await caseStates(d), range);
}

/**
 * What is due today (PROTOCOL.md §22), under the newest agreement's terms, in the cases this device still
 * receives: one the case's circle left holds a state that no longer moves.
 */
export async function reminders(d: DeviceRuntime): Promise<Reminder[]> {
  const resolve = directoryResolver(d.directory);
  const held = [];
  for (const r of await d.store.listReconciliations()) {
    try {
      const v = verifyReconciliation(JSON.parse(r.document), resolve);
      held.push({ units: r.units.split(' '), label: r.label, complete: v.complete, signedBy: v.signedBy });
    } catch {
      // A statement that no longer verifies (its signer's unit left the agreement) counts as not held.
    }
  }
  return computeReminders({
    unit: d.unit,
    agreement: d.directory.agreement,
    cases: (await caseStates(d)).filter((s) => receivesCase(d, s.circle, s.home)),
    reconciliations: held,
    today: today(d),
  });
}

/**
 * Compare what is due now with what was due at the last check, and record a `reminder.due` event for
 * each new reminder and a `reminder.resolved` event for each that no longer stands, in one transaction
 * with the new list (PROTOCOL.md §13.4, §22). Returns what is due now.
 */
export async function checkReminders(d: DeviceRuntime): Promise<Reminder[]> {
  const now = await reminders(d);
  await d.recorder.record(async (tx, pending) => {
    const before = JSON.parse((await tx.getMeta(REMINDERS_KEY)) ?? '[]') as Reminder[];
    const nowKeys = new Set(now.map((r) => r.key));
    const beforeKeys = new Set(before.map((r) => r.key));
    for (const r of now) {
      if (!beforeKeys.has(r.key)) await d.recorder.emit(tx, pending, 'reminder.due', r.caseId, { ...r });
    }
    for (const r of before) {
      if (!nowKeys.has(r.key)) {
        await d.recorder.emit(tx, pending, 'reminder.resolved', r.caseId, { key: r.key, kind: r.kind });
      }
    }
    // An overdue flag that changed is not a new reminder; the list is kept as it stands now.
    await tx.setMeta(REMINDERS_KEY, JSON.stringify(now));
  });
  return now;
}

/**
 * Forget the standing reminders of purged cases, without `reminder.resolved` events: the purge's own
 * event says they are gone, and nothing of a purged case is written again (PROTOCOL.md §23).
 */
export async function forgetReminders(tx: BryggaStore, caseIds: ReadonlySet<string>): Promise<void> {
  const before = JSON.parse((await tx.getMeta(REMINDERS_KEY)) ?? '[]') as Reminder[];
  const after = before.filter((r) => r.caseId === null || !caseIds.has(r.caseId));
  if (after.length !== before.length) await tx.setMeta(REMINDERS_KEY, JSON.stringify(after));
}

/** The joint evaluation report of `agreement` from every party's figures this device holds (PROTOCOL.md §21.3). */
export async function evaluation(d: DeviceRuntime, agreement: Agreement): Promise<EvaluationReport> {
  const documents = (await d.store.listUnitFigures(agreement.digest)).map((r) => r.jws);
  return buildEvaluationReport({
    agreement,
    agreements: d.directory.agreements,
    documents,
    resolve: directoryResolver(d.directory),
  });
}
