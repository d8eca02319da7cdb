/**
 * The reconciliation of costs (avstämning av kostnadsutfallet) and the settlement (utjämning) between two
 * units of different municipalities (PROTOCOL.md §16), every quarter, half-year or year as the agreement
 * says (`reporting.reconciliationIntervalMonths`, six months by default; PROTOCOL.md §5.3).
 *
 * From the cost reports of every case between the two units (whoever was home), each side computes the
 * same statement: every cost line of the period, what each municipality paid for the other's cases, and
 * the settlement that evens it out. The costs are shared equally: if A paid `a` for B's cases and B paid
 * `b` for A's, B transfers ⌊(a − b) / 2⌋ SEK to A (or the other way round), so that each bears half of the
 * total, when that transfer is a deviation of significance (`reporting.notableDeviationSek`). One unit
 * proposes by signing the statement; the other recomputes it from its own records and, if the figures
 * are the same, signs the very same payload bytes. The result is a general JWS with one signature from
 * each unit (`brygga-reconciliation+jws`).
 *
 * A municipality's totals across every pair of units are {@link reconciliationTotals}.
 */
import { fromBase64url, toBase64url, utf8 } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import {
  addGeneralSignature,
  decodeJsonPayload,
  type GeneralJws,
  jsonBytes,
  verifyGeneral,
} from '../crypto/jws.js';
import type { SigningKeyPair } from '../crypto/keys.js';
import { type Agreement, reportingTerms } from '../directory/agreement.js';
import { numericDate } from '../directory/validate.js';
import { BryggaError } from '../errors.js';
import { date, hash, id, id16, integer, list, malformed, members, month, object, text } from './_fields.js';
import { MAX_LINE_SEK } from './cost-report.js';
import { RECONCILIATION_PERIOD_PATTERN } from './field-patterns.js';
import type { DeviceResolver } from './signed-document.js';

/** The JWS `typ` of a reconciliation signature. */
export const RECONCILIATION_TYP = 'brygga-reconciliation+jws';

/** A half-year, `YYYY-H1` (January–June) or `YYYY-H2` (July–December). */
export type HalfYear = `${number}-H${1 | 2}`;

/** One cost line of a case in the statement. */
export interface ReconciliationLine {
  case: string;
  home: string;
  receiving: string;
  service: string;
  month: string;
  amountSek: number;
}

/** The signed statement. */
export interface ReconciliationStatement {
  v: 1;
  kind: 'brygga.reconciliation';
  agreement: string;
  period: { label: string; from: string; to: string };
  /** The two units and their municipalities, ordered by unit id. */
  units: { unit: string; municipality: string }[];
  lines: ReconciliationLine[];
  /** What each municipality paid (as receiving municipality) for the other's cases. */
  paid: { municipality: string; amountSek: number }[];
  /** Who pays whom to even the costs out; null when they are even. */
  settlement: { from: string; to: string; amountSek: number } | null;
  iat: number;
}

/** The costs of one case, as a unit's records hold them. */
export interface CaseCostRecord {
  caseId: string;
  home: string;
  receiving: string;
  lines: { service: string; month: string; amountSek: number }[];
}

/** A reconciliation period: its label, first and last day, and length in months. */
export interface ReconciliationPeriod {
  label: string;
  from: string;
  to: string;
  months: 3 | 6 | 12;
}

function lastDayOf(year: string, month: number): string {
  const day = new Date(Date.UTC(Number(year), month, 0)).getUTCDate();
  return `${year}-${String(month).padStart(2, '0')}-${day}`;
}

/**
 * The period a label names (PROTOCOL.md §16): `YYYY-Q1` … `YYYY-Q4` (quarters), `YYYY-H1` (January–June),
 * `YYYY-H2` (July–December) or `YYYY` (the whole year). ERR_MALFORMED for anything else.
 */
export function reconciliationPeriod(label: string): ReconciliationPeriod {
  const m = RECONCILIATION_PERIOD_PATTERN.exec(label);
  if (!m) malformed('reconciliation.period.label', 'must be YYYY-Q1…Q4, YYYY-H1, YYYY-H2 or YYYY');
  const year = m[1]!;
  const part = m[2];
  const months = part === undefined ? 12 : part[0] === 'H' ? 6 : 3;
  const index = part === undefined ? 0 : Number(part.slice(1)) - 1;
  const first = index * months + 1;
  return {
    label,
    from: `${year}-${String(first).padStart(2, '0')}-01`,
    to: lastDayOf(year, first + months - 1),
    months: months as 3 | 6 | 12,
  };
}

/** First and last day of a half-year (`YYYY-H1`, `YYYY-H2`). */
export function halfYearBounds(label: string): { from: string; to: string } {
  const p = reconciliationPeriod(label);
  if (p.months !== 6) malformed('reconciliation.period.label', 'must be YYYY-H1 or YYYY-H2');
  return { from: p.from, to: p.to };
}

/** The label of the reconciliation period of `months` months that holds `month` (YYYY-MM). */
export function reconciliationPeriodOf(month: string, months: 3 | 6 | 12): string {
  const year = month.slice(0, 4);
  const index = Math.floor((Number(month.slice(5, 7)) - 1) / months) + 1;
  return months === 12 ? year : months === 6 ? `${year}-H${index}` : `${year}-Q${index}`;
}

/** The labels of every period of `months` months that overlaps the days `from` … `to`, oldest first. */
export function reconciliationPeriodsBetween(from: string, to: string, months: 3 | 6 | 12): string[] {
  const out: string[] = [];
  if (from > to) return out;
  let label = reconciliationPeriodOf(from.slice(0, 7), months);
  for (;;) {
    const p = reconciliationPeriod(label);
    if (p.from > to) return out;
    out.push(label);
    const next = new Date(`${p.to}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    label = reconciliationPeriodOf(next.toISOString().slice(0, 7), months);
  }
}

/**
 * Refuse (ERR_MALFORMED) a period whose length is not the agreement's reconciliation interval
 * (PROTOCOL.md §5.3): under a half-yearly agreement a reconciliation is `YYYY-H1` or `YYYY-H2`.
 */
export function assertAgreedPeriod(agreement: Agreement, period: ReconciliationPeriod): void {
  const months = reportingTerms(agreement).reconciliationIntervalMonths;
  if (period.months !== months) {
    malformed('reconciliation.period.label', `must be a period of ${months} months, as the agreement says`);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compute the statement between `unitA` and `unitB` for `label` from the cases' cost records. Pure: two
 * units with the same records compute the same statement (apart from `iat`).
 */
export function computeReconciliation(input: {
  agreement: Agreement;
  units: [string, string];
  label: string;
  cases: readonly CaseCostRecord[];
  now: Date;
}): ReconciliationStatement {
  const { agreement } = input;
  const [u1, u2] = [...input.units].sort(compare) as [string, string];
  if (u1 === u2) throw new BryggaError('ERR_WRONG_PARTY', 'a reconciliation is between two units');
  const m1 = agreement.municipalityOf(u1)?.id;
  const m2 = agreement.municipalityOf(u2)?.id;
  if (!m1 || !m2)
    throw new BryggaError('ERR_NOT_IN_AGREEMENT', 'both units must be parties to the agreement');
  if (m1 === m2) throw new BryggaError('ERR_WRONG_PARTY', 'a reconciliation is between two municipalities');
  const period = reconciliationPeriod(input.label);
  assertAgreedPeriod(agreement, period);
  const { from, to } = period;
  const lines: ReconciliationLine[] = [];
  for (const c of input.cases) {
    const between = (c.home === u1 && c.receiving === u2) || (c.home === u2 && c.receiving === u1);
    if (!between) continue;
    for (const l of c.lines) {
      const first = `${l.month}-01`;
      if (first < from || first > to) continue;
      lines.push({
        case: c.caseId,
        home: c.home,
        receiving: c.receiving,
        service: l.service,
        month: l.month,
        amountSek: l.amountSek,
      });
    }
  }
  lines.sort((a, b) => compare(a.case, b.case) || compare(a.month, b.month) || compare(a.service, b.service));
  const paidBy = (unit: string) =>
    lines.filter((l) => l.receiving === unit).reduce((s, l) => s + l.amountSek, 0);
  const a = paidBy(u1);
  const b = paidBy(u2);
  const transfer = Math.floor(Math.abs(a - b) / 2);
  // Only a deviation of significance is evened out (PROTOCOL.md §5.3, §16).
  const notable = transfer >= reportingTerms(agreement).notableDeviationSek;
  return {
    v: 1,
    kind: 'brygga.reconciliation',
    agreement: agreement.digest,
    period: { label: input.label, from, to },
    units: [
      { unit: u1, municipality: m1 },
      { unit: u2, municipality: m2 },
    ],
    lines,
    paid: [
      { municipality: m1, amountSek: a },
      { municipality: m2, amountSek: b },
    ],
    settlement:
      transfer === 0 || !notable
        ? null
        : a > b
          ? { from: m2, to: m1, amountSek: transfer }
          : { from: m1, to: m2, amountSek: transfer },
    iat: numericDate(input.now),
  };
}

/** Validate a statement; ERR_MALFORMED naming the field. */
export function validateReconciliationStatement(value: unknown): ReconciliationStatement {
  const o = members(value, 'reconciliation', [
    'v',
    'kind',
    'agreement',
    'period',
    'units',
    'lines',
    'paid',
    'settlement',
    'iat',
  ]);
  if (o.v !== 1) throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported reconciliation version');
  if (o.kind !== 'brygga.reconciliation') malformed('reconciliation.kind', 'must be "brygga.reconciliation"');
  const p = members(o.period, 'reconciliation.period', ['label', 'from', 'to']);
  const label = text(p.label, 'reconciliation.period.label', 7);
  const { from: boundFrom, to: boundTo } = reconciliationPeriod(label);
  const bounds = { from: boundFrom, to: boundTo };
  if (
    date(p.from, 'reconciliation.period.from') !== bounds.from ||
    date(p.to, 'reconciliation.period.to') !== bounds.to
  ) {
    malformed('reconciliation.period', 'does not match its label');
  }
  const units = list(o.units, 'reconciliation.units', 2, 2, (v, path) => {
    const u = members(v, path, ['unit', 'municipality']);
    return { unit: id(u.unit, `${path}.unit`), municipality: id(u.municipality, `${path}.municipality`) };
  });
  const lines = list(o.lines, 'reconciliation.lines', 0, 10_000, (v, path) => {
    const l = members(v, path, ['case', 'home', 'receiving', 'service', 'month', 'amountSek']);
    return {
      case: id16(l.case, `${path}.case`),
      home: id(l.home, `${path}.home`),
      receiving: id(l.receiving, `${path}.receiving`),
      service: id(l.service, `${path}.service`),
      month: month(l.month, `${path}.month`),
      amountSek: integer(l.amountSek, `${path}.amountSek`, 0, MAX_LINE_SEK),
    };
  });
  const paid = list(o.paid, 'reconciliation.paid', 2, 2, (v, path) => {
    const x = members(v, path, ['municipality', 'amountSek']);
    return {
      municipality: id(x.municipality, `${path}.municipality`),
      amountSek: integer(x.amountSek, `${path}.amountSek`, 0, Number.MAX_SAFE_INTEGER),
    };
  });
  let settlement: ReconciliationStatement['settlement'] = null;
  if (o.settlement !== null) {
    const s = members(o.settlement, 'reconciliation.settlement', ['from', 'to', 'amountSek']);
    settlement = {
      from: id(s.from, 'reconciliation.settlement.from'),
      to: id(s.to, 'reconciliation.settlement.to'),
      amountSek: integer(s.amountSek, 'reconciliation.settlement.amountSek', 1, Number.MAX_SAFE_INTEGER),
    };
  }
  return {
    v: 1,
    kind: 'brygga.reconciliation',
    agreement: hash(o.agreement, 'reconciliation.agreement'),
    period: { label, ...bounds },
    units,
    lines,
    paid,
    settlement,
    iat: integer(o.iat, 'reconciliation.iat', 0, Number.MAX_SAFE_INTEGER),
  };
}

/** Whether two statements agree on every figure (everything but `iat`). */
export function sameFigures(a: ReconciliationStatement, b: ReconciliationStatement): boolean {
  const strip = (s: ReconciliationStatement) => JSON.stringify({ ...s, iat: 0 });
  return strip(a) === strip(b);
}

/** Propose a statement: sign it as the first of the two signatures. */
export function proposeReconciliation(
  statement: ReconciliationStatement,
  device: SigningKeyPair,
): GeneralJws {
  return addGeneralSignature(
    jsonBytes(validateReconciliationStatement(statement)),
    RECONCILIATION_TYP,
    device,
  );
}

/** A verified statement and which of its units have signed it. */
export interface VerifiedReconciliation {
  document: GeneralJws;
  statement: ReconciliationStatement;
  /** Units that signed, in signature order. */
  signedBy: string[];
  /** Both units signed. */
  complete: boolean;
}

/**
 * Verify a statement document: its shape, and that every signature is from a device of one of its two
 * units, at most one per unit. ERR_CRYPTO for a bad signature, ERR_WRONG_PARTY for a signer of another
 * unit, ERR_MALFORMED for shape.
 */
export function verifyReconciliation(document: unknown, resolve: DeviceResolver): VerifiedReconciliation {
  const d = members(document, 'reconciliation document', ['payload', 'signatures']);
  const sigs = list(d.signatures, 'reconciliation document.signatures', 1, 2, (v, path) => object(v, path));
  const doc: GeneralJws = {
    payload: text(d.payload, 'reconciliation document.payload', 4 * 1024 * 1024, /^[A-Za-z0-9_-]+$/),
    signatures: sigs as unknown as GeneralJws['signatures'],
  };
  const statement = validateReconciliationStatement(decodeJsonPayload(fromBase64url(doc.payload)));
  const units = statement.units.map((u) => u.unit);
  const signedBy: string[] = [];
  const { signers } = verifyGeneral(doc, RECONCILIATION_TYP, (kid) => resolve(kid)?.key);
  for (const kid of signers) {
    const signer = resolve(kid)!;
    if (!units.includes(signer.unit))
      throw new BryggaError('ERR_WRONG_PARTY', 'a reconciliation is signed by another unit');
    if (signer.revokedAt !== undefined && statement.iat >= signer.revokedAt) {
      throw new BryggaError('ERR_KEY_REVOKED', 'a reconciliation is signed by a revoked device');
    }
    if (signedBy.includes(signer.unit))
      throw new BryggaError('ERR_WRONG_PARTY', 'a unit signed the reconciliation twice');
    signedBy.push(signer.unit);
  }
  return { document: doc, statement, signedBy, complete: signedBy.length === 2 };
}

/**
 * Countersign a proposal: verify it, check that `mine` (this unit's own computation) has the same figures,
 * and add this device's signature over the same payload. ERR_RECONCILIATION_MISMATCH when the figures differ.
 */
export function countersignReconciliation(
  proposal: GeneralJws,
  mine: ReconciliationStatement,
  device: SigningKeyPair,
  unit: string,
  resolve: DeviceResolver,
): GeneralJws {
  const verified = verifyReconciliation(proposal, resolve);
  if (verified.complete || verified.signedBy.includes(unit)) return verified.document;
  if (!verified.statement.units.some((u) => u.unit === unit)) {
    throw new BryggaError('ERR_WRONG_PARTY', 'this unit is not a party to the reconciliation');
  }
  if (!sameFigures(verified.statement, mine)) {
    throw new BryggaError(
      'ERR_RECONCILIATION_MISMATCH',
      "the proposed figures differ from this unit's records",
    );
  }
  return addGeneralSignature(verified.document, RECONCILIATION_TYP, device);
}

/** Body of a `reconciliation` packet: a proposal (one signature) or the agreed statement (two). */
export interface ReconciliationBody {
  document: GeneralJws;
}

/** Validate a `reconciliation` packet body's shape (the document is verified on receipt). */
export function validateReconciliationBody(value: unknown): ReconciliationBody {
  const o = members(value, 'reconciliation', ['document']);
  const d = members(o.document, 'reconciliation.document', ['payload', 'signatures']);
  text(d.payload, 'reconciliation.document.payload', 4 * 1024 * 1024, /^[A-Za-z0-9_-]+$/);
  list(d.signatures, 'reconciliation.document.signatures', 1, 2, (v, path) => {
    const s = members(v, path, ['protected', 'signature']);
    text(s.protected, `${path}.protected`, 4096, /^[A-Za-z0-9_-]+$/);
    text(s.signature, `${path}.signature`, 128, /^[A-Za-z0-9_-]+$/);
  });
  return { document: o.document as GeneralJws };
}

/** The reconciliation's id: b64u(SHA-256(payload text)), shared by the proposal and the agreed statement. */
export function reconciliationId(document: GeneralJws): string {
  return toBase64url(sha256(utf8(document.payload)));
}

/** One municipality's costs across every pair of units it reconciled with (PROTOCOL.md §16). */
export interface MunicipalityCostTotals {
  municipality: string;
  /** What it paid, as receiving municipality, for other municipalities' cases. */
  paidForOthers: number;
  /** What other municipalities paid, as receiving municipalities, for its cases. */
  paidByOthers: number;
  /** Settlements it pays to others. */
  settlementsPaid: number;
  /** Settlements it receives from others. */
  settlementsReceived: number;
  /** What it bears after the settlements: paid for others, plus settlements paid, less settlements received. */
  borne: number;
}

/**
 * Each municipality's totals across `statements` (agreed ones, one per pair of units and period): a
 * municipality with several units reconciles per pair of units, and its total is the sum. Sorted by
 * municipality id.
 */
export function reconciliationTotals(
  statements: readonly Pick<ReconciliationStatement, 'paid' | 'settlement'>[],
): MunicipalityCostTotals[] {
  const totals = new Map<string, MunicipalityCostTotals>();
  const of = (municipality: string) => {
    let t = totals.get(municipality);
    if (!t) {
      t = {
        municipality,
        paidForOthers: 0,
        paidByOthers: 0,
        settlementsPaid: 0,
        settlementsReceived: 0,
        borne: 0,
      };
      totals.set(municipality, t);
    }
    return t;
  };
  for (const s of statements) {
    const [a, b] = s.paid as [ReconciliationStatement['paid'][0], ReconciliationStatement['paid'][0]];
    of(a.municipality).paidForOthers += a.amountSek;
    of(a.municipality).paidByOthers += b.amountSek;
    of(b.municipality).paidForOthers += b.amountSek;
    of(b.municipality).paidByOthers += a.amountSek;
    if (s.settlement) {
      of(s.settlement.from).settlementsPaid += s.settlement.amountSek;
      of(s.settlement.to).settlementsReceived += s.settlement.amountSek;
    }
  }
  for (const t of totals.values()) t.borne = t.paidForOthers + t.settlementsPaid - t.settlementsReceived;
  return [...totals.values()].sort((x, y) => compare(x.municipality, y.municipality));
}
