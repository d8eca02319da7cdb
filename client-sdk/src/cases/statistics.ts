/**
 * De-identified statistics of one unit (PROTOCOL.md §20): a pure function of its case states, the
 * agreement and a period of whole months. Göteborg's guideline has individual follow-up stay local and be
 * aggregated de-identified ("avidentifierat"), reported monthly and summed yearly to the city board; the
 * same figures, for the agreement's period, go into the joint evaluation report (§21).
 *
 * What is counted (each in the unit's own cases, as home or receiving unit):
 * - referrals sent and received in the period, per other municipality;
 * - uptake decisions made in the period, on referrals sent and on referrals received: accepted, and
 *   declined by reason; and the median days from referral to decision;
 * - cases active at some time in the period (from the first plan to the closure), by role;
 * - closures in the period by reason, and their outcome measures;
 * - services used (a cost line in the period, or in the plan of a case active in it), their costs paid by
 *   this municipality as receiving municipality, and the costs of this unit's cases paid by the others;
 * - this unit's own deviations (avsteg) in the period, by special reason.
 *
 * Nothing in the result names a case, a person or a day: only codes, counts, amounts and medians, each
 * suppressed as §20.3 says (suppression.ts).
 */
import { type Agreement, reportingTerms } from '../directory/agreement.js';
import { BryggaError } from '../errors.js';
import { date, dayOf, distinct, id, integer, list, malformed, members, oneOf, text } from './_fields.js';
import type { CaseState } from './case-state.js';
import type { ClosureReason } from './closure.js';
import type { OutcomeMeasures } from './common-fields.js';
import type { DeviationReason } from './deviation.js';
import {
  type PublishedTable,
  pinnedByMonths,
  published,
  type RawTable,
  type Suppressed,
  suppress,
} from './suppression.js';
import { DECLINE_REASONS } from './uptake-decision.js';

/** A statistics period: whole calendar months, `from` … `to` (YYYY-MM). */
export interface StatisticsPeriod {
  /** `YYYY-MM` (a month), `YYYY` (a year) or `YYYY-MM..YYYY-MM`. */
  label: string;
  /** First and last day. */
  from: string;
  to: string;
  /** Every month of it, oldest first. */
  months: string[];
}

/** The tables of the statistics, in the order they are published. */
export const STATISTICS_TABLES = [
  'referrals-sent',
  'referrals-received',
  'decisions-on-sent',
  'decisions-on-received',
  'decision-days',
  'active',
  'closures',
  'outcome-left-group',
  'outcome-no-new-suspected-crime',
  'outcome-own-housing',
  'outcome-self-sufficient',
  'services',
  'costs-paid',
  'costs-of-our-cases',
  'deviations',
] as const;

/** A table of the statistics. */
export type StatisticsTableId = (typeof STATISTICS_TABLES)[number];

/** The rows of a decisions table: accepted, then declined by each reason (`declined-no-capacity`, …). */
export const DECISION_ROWS = ['accepted', ...DECLINE_REASONS.map((r) => `declined-${r}`)] as const;

/** The closure reasons, in the order of the closure schema. */
export const CLOSURE_REASONS: readonly ClosureReason[] = [
  'completed',
  'consent-withdrawn',
  'discontinued',
  'relocated',
  'other',
];

/** The special reasons of a deviation. */
export const DEVIATION_REASONS: readonly DeviationReason[] = ['acute-time-pressure', 'safety', 'other'];

/** The rows of an outcome measure's table: the answers, and closures without outcome measures. */
export const OUTCOME_ROWS = ['yes', 'no', 'unknown', 'not-assessed'] as const;

/** Each outcome measure's table. */
export const OUTCOME_TABLES: Record<keyof OutcomeMeasures, StatisticsTableId> = {
  leftGroup: 'outcome-left-group',
  noNewSuspectedCrime: 'outcome-no-new-suspected-crime',
  ownHousing: 'outcome-own-housing',
  selfSufficient: 'outcome-self-sufficient',
};

/** A unit's published statistics for a period. JSON-serialisable; names no case, person or day. */
export interface StatisticsReport {
  v: 1;
  kind: 'brygga.statistics';
  unit: string;
  municipality: string;
  period: { label: string; from: string; to: string };
  /** The suppression threshold: a count from 1 to this minus 1 is `"<threshold"`. */
  threshold: number;
  tables: PublishedTable[];
}

/** What the statistics are computed from. */
export interface StatisticsInput {
  unit: string;
  /** The agreement whose municipalities, catalogue and threshold apply (the one in force, or the newest). */
  agreement: Agreement;
  /** The unit's cases (others are left out). */
  cases: readonly CaseState[];
  period: StatisticsPeriod;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const YEAR = /^\d{4}$/;

function lastDay(month: string): string {
  const [y, m] = [Number(month.slice(0, 4)), Number(month.slice(5, 7))];
  return `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
}

function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month > to) return out;
    out.push(month);
    if (++m === 13) {
      m = 1;
      y++;
    }
  }
}

/**
 * A statistics period: one month (`{month: '2026-11'}`), a year (`{year: '2026'}`), or whole months
 * `from` … `to` (`{from: '2025-01', to: '2025-12'}`). ERR_MALFORMED for anything else.
 */
export function statisticsPeriod(spec: {
  month?: string;
  year?: string;
  from?: string;
  to?: string;
}): StatisticsPeriod {
  if (spec.month !== undefined) {
    if (!MONTH.test(spec.month)) throw new BryggaError('ERR_MALFORMED', 'the month must be YYYY-MM');
    return { label: spec.month, from: `${spec.month}-01`, to: lastDay(spec.month), months: [spec.month] };
  }
  if (spec.year !== undefined) {
    if (!YEAR.test(spec.year)) throw new BryggaError('ERR_MALFORMED', 'the year must be YYYY');
    return {
      label: spec.year,
      from: `${spec.year}-01-01`,
      to: `${spec.year}-12-31`,
      months: monthsBetween(`${spec.year}-01`, `${spec.year}-12`),
    };
  }
  const { from, to } = spec;
  if (from === undefined || to === undefined || !MONTH.test(from) || !MONTH.test(to) || from > to) {
    throw new BryggaError('ERR_MALFORMED', 'a statistics period is a month, a year, or months from … to');
  }
  if (from === to) return statisticsPeriod({ month: from });
  if (from.endsWith('-01') && to === `${from.slice(0, 4)}-12`)
    return statisticsPeriod({ year: from.slice(0, 4) });
  return { label: `${from}..${to}`, from: `${from}-01`, to: lastDay(to), months: monthsBetween(from, to) };
}

/** The whole months that cover an agreement's period (PROTOCOL.md §21). */
export function agreementStatisticsPeriod(agreement: Agreement): StatisticsPeriod {
  const { from, to } = agreement.terms.period;
  return statisticsPeriod({ from: from.slice(0, 7), to: to.slice(0, 7) });
}

/** A table being counted: rows by key, with the cases each covers. */
class Tally {
  readonly #rows = new Map<string, { value: number; cases: Set<string> }>();
  readonly #all = { value: 0, cases: new Set<string>() };

  constructor(keys: readonly string[]) {
    for (const k of keys) this.#rows.set(k, { value: 0, cases: new Set() });
  }

  add(key: string, caseId: string, value = 1): void {
    let row = this.#rows.get(key);
    if (!row) this.#rows.set(key, (row = { value: 0, cases: new Set() }));
    row.value += value;
    row.cases.add(caseId);
    this.#all.value += value;
    this.#all.cases.add(caseId);
  }

  table(
    id: StatisticsTableId,
    kind: 'count' | 'amount',
    options: { total: boolean; additive: boolean; sumOf?: StatisticsTableId },
  ): RawTable {
    return {
      id,
      kind,
      rows: [...this.#rows.entries()].map(([key, r]) => ({
        key,
        value: r.value,
        cases: kind === 'count' ? r.value : r.cases.size,
      })),
      total: options.total
        ? { value: this.#all.value, cases: kind === 'count' ? this.#all.value : this.#all.cases.size }
        : null,
      ...(options.sumOf ? { sumOf: options.sumOf } : {}),
      additive: options.additive,
    };
  }
}

/** The median of whole numbers (the lower of the two middle ones' mean, rounded down), 0 for none. */
function median(values: number[]): number {
  if (values.length === 0) return 0;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid]! : Math.floor((v[mid - 1]! + v[mid]!) / 2);
}

/** Every table of one period, before suppression. */
function rawTables(input: StatisticsInput): RawTable[] {
  const { unit, agreement, period } = input;
  const own = agreement.municipalityOf(unit)?.id;
  if (!own) throw new BryggaError('ERR_NOT_IN_AGREEMENT', `unit ${unit} is not a party to the agreement`);
  const others = agreement.terms.municipalities.map((m) => m.id).filter((m) => m !== own);
  const catalogue = agreement.terms.catalogue.map((c) => c.code);
  const inPeriod = (day: string) => day >= period.from && day <= period.to;
  const months = new Set(period.months);

  const sent = new Tally(others);
  const received = new Tally(others);
  const decisions = { home: new Tally(DECISION_ROWS), receiving: new Tally(DECISION_ROWS) };
  const days = { home: [] as number[], receiving: [] as number[] };
  const active = new Tally(['home', 'receiving']);
  const closures = new Tally(CLOSURE_REASONS);
  const outcomes = Object.fromEntries(
    Object.keys(OUTCOME_TABLES).map((k) => [k, new Tally(OUTCOME_ROWS)]),
  ) as Record<keyof OutcomeMeasures, Tally>;
  const services = new Tally(catalogue);
  const paid = new Tally(catalogue);
  const ofOurs = new Tally(catalogue);
  const deviations = new Tally(DEVIATION_REASONS);

  for (const c of input.cases) {
    const role = c.home === unit ? 'home' : c.receiving === unit ? 'receiving' : null;
    if (!role) continue;
    const id = c.caseId;
    if (inPeriod(dayOf(c.referredAt))) {
      if (role === 'home') sent.add(c.receivingMunicipality, id);
      else received.add(c.homeMunicipality, id);
    }
    if (c.decision && inPeriod(dayOf(c.decision.at))) {
      const row = c.decision.decision === 'accept' ? 'accepted' : `declined-${c.decision.reason ?? 'other'}`;
      decisions[role].add(row, id);
      days[role].push(Math.floor((c.decision.at - c.referredAt) / 86_400));
    }
    const activeInPeriod =
      c.activeSince !== null &&
      dayOf(c.activeSince) <= period.to &&
      (c.closure === null || c.closure.closedOn >= period.from);
    if (activeInPeriod) active.add(role, id);
    if (c.closure && inPeriod(c.closure.closedOn)) {
      closures.add(c.closure.reason, id);
      for (const [measure, tally] of Object.entries(outcomes) as [keyof OutcomeMeasures, Tally][]) {
        tally.add(c.closure.outcomes ? c.closure.outcomes[measure] : 'not-assessed', id);
      }
    }
    const used = new Set<string>(activeInPeriod ? (c.plan?.services ?? []) : []);
    for (const line of c.costs) {
      if (!months.has(line.month)) continue;
      used.add(line.service);
      (role === 'receiving' ? paid : ofOurs).add(line.service, id, line.amountSek);
    }
    for (const s of used) services.add(s, id);
    for (const d of c.deviationLog) if (d.unit === unit && inPeriod(d.on)) deviations.add(d.reason, id);
  }

  const events = { total: true, additive: true };
  const decisionDays: RawTable = {
    id: 'decision-days',
    kind: 'median',
    rows: (['home', 'receiving'] as const).map((role) => ({
      key: role === 'home' ? 'sent' : 'received',
      value: median(days[role]),
      cases: days[role].length,
    })),
    total: null,
    additive: false,
  };
  return [
    sent.table('referrals-sent', 'count', events),
    received.table('referrals-received', 'count', events),
    decisions.home.table('decisions-on-sent', 'count', events),
    decisions.receiving.table('decisions-on-received', 'count', events),
    decisionDays,
    active.table('active', 'count', { total: true, additive: false }),
    closures.table('closures', 'count', events),
    ...(Object.entries(OUTCOME_TABLES) as [keyof OutcomeMeasures, StatisticsTableId][]).map(([measure, id]) =>
      outcomes[measure].table(id, 'count', { total: false, additive: true, sumOf: 'closures' }),
    ),
    services.table('services', 'count', { total: false, additive: false }),
    paid.table('costs-paid', 'amount', events),
    ofOurs.table('costs-of-our-cases', 'amount', events),
    deviations.table('deviations', 'count', events),
  ];
}

/**
 * Suppress one period; a period of several months is suppressed knowing what each of its months
 * publishes, so that no figure of the whole gives a monthly one back (PROTOCOL.md §20.3).
 */
function suppressPeriod(input: StatisticsInput, threshold: number): Suppressed {
  const raw = rawTables(input);
  if (input.period.months.length === 1) return suppress(raw, threshold);
  const months = input.period.months.map((m) =>
    suppressPeriod({ ...input, period: statisticsPeriod({ month: m }) }, threshold),
  );
  let forced = new Set<string>();
  for (;;) {
    const result = suppress(raw, threshold, forced);
    const more = pinnedByMonths(result, months);
    if ([...more].every((k) => forced.has(k))) return result;
    forced = new Set([...forced, ...more]);
  }
}

/**
 * A unit's de-identified statistics for a period (PROTOCOL.md §20), suppressed under the agreement's
 * threshold (`reporting.suppressionThreshold`, §5.3).
 *
 * @example
 * const report = computeStatistics({ unit: 'malmo', agreement, cases, period: statisticsPeriod({ month: '2026-11' }) });
 */
export function computeStatistics(input: StatisticsInput): StatisticsReport {
  const threshold = reportingTerms(input.agreement).suppressionThreshold;
  const municipality = input.agreement.municipalityOf(input.unit)?.id;
  if (!municipality) {
    throw new BryggaError('ERR_NOT_IN_AGREEMENT', `unit ${input.unit} is not a party to the agreement`);
  }
  const { label, from, to } = input.period;
  return {
    v: 1,
    kind: 'brygga.statistics',
    unit: input.unit,
    municipality,
    period: { label, from, to },
    threshold,
    tables: published(suppressPeriod(input, threshold)),
  };
}

/**
 * The statistics as CSV (RFC 4180): one line per figure, `unit,period,table,row,value` (a total's row is
 * `total`).
 */
export function statisticsCsv(report: StatisticsReport): string {
  const lines = ['unit,period,table,row,value'];
  for (const t of report.tables) {
    for (const r of t.rows) lines.push([report.unit, report.period.label, t.id, r.key, r.value].join(','));
    if (t.total !== null) lines.push([report.unit, report.period.label, t.id, 'total', t.total].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

const FIGURE_MARKER = /^(x|<\d{1,3})$/;

/** Validate a published figure: a whole number from 0, `"<t"` or `"x"`. */
function figure(value: unknown, path: string): number | string {
  if (typeof value === 'string') {
    if (!FIGURE_MARKER.test(value)) malformed(path, 'must be a number, "<n" or "x"');
    return value;
  }
  return integer(value, path, 0, Number.MAX_SAFE_INTEGER);
}

/** Validate a statistics report (as it travels in unit figures, PROTOCOL.md §21); ERR_MALFORMED naming the field. */
export function validateStatisticsReport(value: unknown): StatisticsReport {
  const o = members(value, 'statistics', [
    'v',
    'kind',
    'unit',
    'municipality',
    'period',
    'threshold',
    'tables',
  ]);
  if (o.v !== 1) throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported statistics version');
  if (o.kind !== 'brygga.statistics') malformed('statistics.kind', 'must be "brygga.statistics"');
  const p = members(o.period, 'statistics.period', ['label', 'from', 'to']);
  const tables = list(o.tables, 'statistics.tables', 0, STATISTICS_TABLES.length, (v, path) => {
    const t = members(v, path, ['id', 'kind', 'rows', 'total']);
    return {
      id: oneOf(t.id, `${path}.id`, STATISTICS_TABLES),
      kind: oneOf(t.kind, `${path}.kind`, ['count', 'amount', 'median'] as const),
      rows: list(t.rows, `${path}.rows`, 0, 1000, (r, rp) => {
        const row = members(r, rp, ['key', 'value']);
        return { key: id(row.key, `${rp}.key`), value: figure(row.value, `${rp}.value`) };
      }),
      total: t.total === null ? null : figure(t.total, `${path}.total`),
    };
  });
  distinct(tables, 'statistics.tables', (t) => t.id);
  return {
    v: 1,
    kind: 'brygga.statistics',
    unit: id(o.unit, 'statistics.unit'),
    municipality: id(o.municipality, 'statistics.municipality'),
    period: {
      label: text(p.label, 'statistics.period.label', 20),
      from: date(p.from, 'statistics.period.from'),
      to: date(p.to, 'statistics.period.to'),
    },
    threshold: integer(o.threshold, 'statistics.threshold', 3, 100),
    tables,
  };
}
