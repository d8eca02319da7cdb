/**
 * The deviation register (avstegsregister; PROTOCOL.md §20.5): every deviation a unit recorded, with the
 * rule it departed from (its stable id, PROTOCOL.md §5.4, and for a unit's guideline the words naming the
 * part), the special reason and who decided it. Göteborg's guideline allows deviations
 * only for special reasons, documented and reported to the city management office so that it can follow
 * up their reasons; the register is that report.
 *
 * The register a unit keeps names the case (for the coordinators who may open it); the export for the
 * oversight body does not: a number, the day, the rule and its words, the reason and the decision-maker, and nothing of
 * the case or the person (the deviation's description is personal data and stays in the case).
 */
import type { CaseState } from './case-state.js';
import type { DeviationReason, DeviationRule } from './deviation.js';

/** One deviation of the register. */
export interface DeviationEntry {
  /** Its number in the register: 1 for the earliest. */
  number: number;
  /** The day of the deviation. */
  on: string;
  /** The rule departed from, by its stable id (PROTOCOL.md §5.4). */
  rule: DeviationRule;
  /** The part of the guideline departed from, in words, or null. */
  guideline: string | null;
  reason: DeviationReason;
  decidedBy: { name: string; role: string };
  /** The case, for the unit's own use; never exported. */
  caseId: string;
  /** The other unit of the case. */
  counterpart: string;
  /** Hash of the deviation packet. */
  packet: string;
}

/** The register as exported for the oversight body. */
export interface DeviationRegisterExport {
  v: 1;
  kind: 'brygga.deviation-register';
  unit: string;
  /** The days covered, when the register was cut to them. */
  from: string | null;
  to: string | null;
  entries: {
    number: number;
    date: string;
    rule: DeviationRule;
    guideline: string | null;
    reason: DeviationReason;
    decidedBy: { name: string; role: string };
  }[];
}

/**
 * Every deviation `unit` recorded in `cases`, and every deviation a referral it received relied on
 * (PROTOCOL.md §14.8: it accepted the referral on that ground, so the deviation is in its register too), oldest first (by day, then by when it was signed), numbered
 * from 1; with `from` and `to`, only those of those days (numbers stay those of the whole register).
 */
export function deviationRegister(
  unit: string,
  cases: readonly CaseState[],
  range: { from?: string; to?: string } = {},
): DeviationEntry[] {
  const all = cases
    .flatMap((c) =>
      c.deviationLog
        .filter((d) => d.unit === unit || (d.inReferral && c.receiving === unit))
        .map((d) => ({ d, c })),
    )
    .sort((a, b) =>
      a.d.on < b.d.on ? -1 : a.d.on > b.d.on ? 1 : a.d.at - b.d.at || (a.d.in < b.d.in ? -1 : 1),
    );
  return all
    .map(({ d, c }, i) => ({
      number: i + 1,
      on: d.on,
      rule: d.rule,
      guideline: d.guideline,
      reason: d.reason,
      decidedBy: { ...d.decidedBy },
      caseId: c.caseId,
      counterpart: c.home === unit ? c.receiving : c.home,
      packet: d.in,
    }))
    .filter(
      (e) => (range.from === undefined || e.on >= range.from) && (range.to === undefined || e.on <= range.to),
    );
}

/** The register for the oversight body: without the cases. */
export function exportDeviationRegister(
  unit: string,
  entries: readonly DeviationEntry[],
  range: { from?: string; to?: string } = {},
): DeviationRegisterExport {
  return {
    v: 1,
    kind: 'brygga.deviation-register',
    unit,
    from: range.from ?? null,
    to: range.to ?? null,
    entries: entries.map((e) => ({
      number: e.number,
      date: e.on,
      rule: e.rule,
      guideline: e.guideline,
      reason: e.reason,
      decidedBy: { ...e.decidedBy },
    })),
  };
}

/**
 * A CSV field (RFC 4180): quoted, with quotes doubled, when it holds a comma, a quote or a line break.
 * Text that a spreadsheet would read as a formula (beginning with `=`, `+`, `-`, `@`, a tab or a carriage
 * return) gets a leading `'`, so a rule or a name typed by a coordinator stays text when the oversight
 * body opens the file.
 */
export function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The exported register as CSV (RFC 4180): `number,date,rule,guideline,reason,decided_by,role`, the
 * guideline's words empty when there are none.
 */
export function deviationRegisterCsv(register: DeviationRegisterExport): string {
  const lines = ['number,date,rule,guideline,reason,decided_by,role'];
  for (const e of register.entries) {
    lines.push(
      [e.number, e.date, e.rule, e.guideline ?? '', e.reason, e.decidedBy.name, e.decidedBy.role]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
