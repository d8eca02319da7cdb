/**
 * Reminders and deadlines (PROTOCOL.md §22): what is due in a unit's cases on a given day, from the case
 * states, the reconciliations held and the agreement's reporting terms (§5.3). Pure: both units of a
 * case see the same deadlines, and a reminder appears and disappears on days that follow from the signed
 * packets alone.
 *
 * | kind | appears | due | who acts |
 * |---|---|---|---|
 * | `decision` | the day after the decision limit, while the referral is undecided | referral day + `decisionDays` | the receiving unit |
 * | `follow-up` | on the due day, while the case is active | last follow-up (or the plan's day) + `followUpIntervalMonths` | the home unit (it leads); the receiving unit takes part |
 * | `consent-expiry` | `consentExpiryWarningDays` before the last standing consent runs out, while the case is open | that consent's last day | the home unit |
 * | `child-notice` | at once for the unit that must answer; for the sender, the day after the answer limit | notice day + `childNoticeAnswerDays` | the other unit |
 * | `reconciliation` | the day after a period with costs between two units ends, until agreed | the period's last day + 1 | whoever has not signed |
 * | `retention` | the day after a closed or declined case's last day kept | that day | this unit (purge) |
 */
import { type Agreement, reportingTerms } from '../directory/agreement.js';
import { addDays, addMonths } from './_days.js';
import { dayOf } from './_fields.js';
import type { CaseState } from './case-state.js';
import { reconciliationPeriod, reconciliationPeriodOf } from './reconciliation.js';
import { retainedUntil } from './retention.js';

/** The kinds of reminder. */
export type ReminderKind =
  | 'decision'
  | 'follow-up'
  | 'consent-expiry'
  | 'child-notice'
  | 'reconciliation'
  | 'retention';

/** Something due. */
export interface Reminder {
  /** Stable while the reminder stands: `kind:case-or-pair:due`. */
  key: string;
  kind: ReminderKind;
  /** The case, or null for a reconciliation. */
  caseId: string | null;
  /** The other unit (of the case, or of the reconciliation). */
  counterpart: string;
  /** The day by which it should be done (a deadline), YYYY-MM-DD. */
  dueOn: string;
  /** The deadline has passed. */
  overdue: boolean;
  /** This unit must act (`us`), or waits for the other unit (`them`). */
  actor: 'us' | 'them';
  /** A reconciliation's period label (`2025-H1`). */
  period?: string;
}

/** A reconciliation as the reminders need it. */
export interface ReconciliationState {
  /** The two units. */
  units: readonly string[];
  label: string;
  complete: boolean;
  /** Units whose signature it carries. */
  signedBy: readonly string[];
}

/** What the reminders are computed from. */
export interface ReminderInput {
  unit: string;
  /** The agreement whose reporting terms apply (the newest accepted one). */
  agreement: Agreement;
  cases: readonly CaseState[];
  reconciliations: readonly ReconciliationState[];
  /** The day (UTC), YYYY-MM-DD. */
  today: string;
}

const OPEN = new Set(['referred', 'accepted', 'active']);

/** Everything due for `unit` on `today`, sorted by due day, then kind and key. */
export function computeReminders(input: ReminderInput): Reminder[] {
  const { unit, today } = input;
  const terms = reportingTerms(input.agreement);
  const out: Reminder[] = [];
  const add = (r: Omit<Reminder, 'key' | 'overdue'>) =>
    out.push({
      ...r,
      key: `${r.kind}:${r.caseId ?? r.period}:${r.counterpart}:${r.dueOn}`,
      overdue: today > r.dueOn,
    });

  for (const c of input.cases) {
    const role = c.home === unit ? 'home' : c.receiving === unit ? 'receiving' : null;
    if (!role) continue;
    const counterpart = role === 'home' ? c.receiving : c.home;
    const caseId = c.caseId;
    if (c.status === 'referred') {
      const dueOn = addDays(dayOf(c.referredAt), terms.decisionDays);
      if (today > dueOn)
        add({ kind: 'decision', caseId, counterpart, dueOn, actor: role === 'receiving' ? 'us' : 'them' });
    }
    if (c.status === 'active') {
      const base = [c.lastFollowUpOn, c.plan?.decidedOn]
        .filter((d): d is string => !!d)
        .sort()
        .at(-1);
      if (base) {
        const dueOn = addMonths(base, terms.followUpIntervalMonths);
        if (today >= dueOn)
          add({ kind: 'follow-up', caseId, counterpart, dueOn, actor: role === 'home' ? 'us' : 'them' });
      }
    }
    if (OPEN.has(c.status)) {
      const standing = c.consents.filter((x) => x.withdrawnIn === null);
      if (standing.length > 0 && standing.every((x) => x.validUntil !== null)) {
        const dueOn = standing
          .map((x) => x.validUntil!)
          .sort()
          .at(-1)!;
        if (today >= addDays(dueOn, -terms.consentExpiryWarningDays)) {
          add({ kind: 'consent-expiry', caseId, counterpart, dueOn, actor: role === 'home' ? 'us' : 'them' });
        }
      }
      for (const n of c.childNoticeLog) {
        if (n.answeredAt !== null) continue;
        const dueOn = addDays(dayOf(n.at), terms.childNoticeAnswerDays);
        if (n.unit !== unit) add({ kind: 'child-notice', caseId, counterpart, dueOn, actor: 'us' });
        else if (today > dueOn) add({ kind: 'child-notice', caseId, counterpart, dueOn, actor: 'them' });
      }
    }
    const until = retainedUntil(c, terms.retentionYears);
    if (until !== null && today > until) {
      add({ kind: 'retention', caseId, counterpart, dueOn: addDays(until, 1), actor: 'us' });
    }
  }

  // Reconciliations: each period with costs between this unit and another that has ended, until agreed.
  const months = terms.reconciliationIntervalMonths;
  const due = new Map<string, { counterpart: string; label: string }>();
  for (const c of input.cases) {
    const counterpart = c.home === unit ? c.receiving : c.receiving === unit ? c.home : null;
    if (!counterpart) continue;
    for (const line of c.costs) {
      const label = reconciliationPeriodOf(line.month, months);
      if (reconciliationPeriod(label).to < today) due.set(`${counterpart} ${label}`, { counterpart, label });
    }
  }
  for (const { counterpart, label } of due.values()) {
    const pair = [unit, counterpart].sort().join(' ');
    const held = input.reconciliations.filter(
      (r) => r.label === label && [...r.units].sort().join(' ') === pair,
    );
    if (held.some((r) => r.complete)) continue;
    const signedByUs = held.some((r) => r.signedBy.includes(unit));
    add({
      kind: 'reconciliation',
      caseId: null,
      counterpart,
      dueOn: addDays(reconciliationPeriod(label).to, 1),
      actor: signedByUs ? 'them' : 'us',
      period: label,
    });
  }

  return out.sort(
    (a, b) =>
      (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : 0) ||
      (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) ||
      (a.key < b.key ? -1 : 1),
  );
}
