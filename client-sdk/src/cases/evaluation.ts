/**
 * The joint evaluation report (gemensam utvärderingsrapport; PROTOCOL.md §21.3). At the end of the
 * agreement period the parties write a joint evaluation; the agreement aims at as many defectors to and
 * from each party as possible ("så lika som möjligt") and at costs shared fairly, settled at every
 * reconciliation where they deviate notably.
 *
 * The report combines every party's signed figures (unit-figures.ts), each verified: the balance per
 * municipality of cases handed over against cases taken in, the reconciliations and each municipality's
 * costs across every pair, and each unit's statistics (outcomes, deviations, …) with their sum where the
 * suppression allows one. It holds only what the units signed, so it holds no person-level data either.
 * Rendering it (HTML for print) is the console's; this is the model.
 */
import type { Agreement } from '../directory/agreement.js';
import { BryggaError, isBryggaError } from '../errors.js';
import { type MunicipalityCostTotals, reconciliationTotals } from './reconciliation.js';
import { type DeviceResolver, documentHash } from './signed-document.js';
import {
  OUTCOME_TABLES,
  STATISTICS_TABLES,
  type StatisticsReport,
  type StatisticsTableId,
} from './statistics.js';
import { type Figure, HIDDEN, type PublishedTable, smallMarker } from './suppression.js';
import { type ReconciliationSummary, type UnitFigures, verifyUnitFigures } from './unit-figures.js';

/** Who signed a unit's figures, and when. */
export interface EvaluationSignature {
  unit: string;
  municipality: string;
  /** The signing device's key id. */
  device: string;
  /** When the figures were signed (NumericDate). */
  signedAt: number;
  /** SHA-256 of the signed document's text (base64url), to find it again. */
  document: string;
}

/** One municipality's balance of cases under the agreement. */
export interface QuotaBalance {
  municipality: string;
  quota: { outgoing: number; incoming: number };
  handedOver: number;
  received: number;
  /** Handed over less taken in: 0 is the balance the agreement aims at. */
  balance: number;
}

/** A reconciliation as the report shows it, with the units that reported it. */
export interface EvaluationReconciliation extends Omit<ReconciliationSummary, 'id'> {
  id: string;
  reportedBy: string[];
  /** Every unit that reported it reported the same figures. */
  consistent: boolean;
}

/** The joint evaluation report's model. */
export interface EvaluationReport {
  v: 1;
  kind: 'brygga.evaluation';
  agreement: {
    id: string;
    title: string;
    sequence: number;
    digest: string;
    period: { from: string; to: string };
    parties: { unit: string; name: string; municipality: string }[];
    municipalities: { id: string; name: string; quota: { outgoing: number; incoming: number } }[];
    catalogue: { code: string; name: string }[];
  };
  threshold: number;
  /** Every party's figures that verified, one (the newest) per unit, in the agreement's order. */
  signatures: EvaluationSignature[];
  /** Parties whose figures are not (yet) here. */
  missing: string[];
  /** Documents that did not verify, with the rule's code (and the unit they claim, if readable). */
  refused: { unit: string | null; code: string }[];
  quota: QuotaBalance[];
  /** With every party's figures: the cases handed over equal the cases taken in, in all. */
  quotaBalanced: boolean | null;
  reconciliations: EvaluationReconciliation[];
  costs: MunicipalityCostTotals[];
  units: { unit: string; name: string; municipality: string; statistics: StatisticsReport }[];
  /** Every unit's tables summed, where the suppression allows a sum. */
  combined: PublishedTable[];
  /** Every party's figures are here and verified, and they agree with each other. */
  complete: boolean;
}

/** What the report is made from. */
export interface EvaluationInput {
  /** The agreement evaluated. */
  agreement: Agreement;
  /** Every accepted agreement (figures are verified against them). */
  agreements: readonly Agreement[];
  /** Unit figures documents (compact JWS), in any order; the newest of each unit is used. */
  documents: readonly string[];
  resolve: DeviceResolver;
}

/**
 * The sum of units' figures: exact when every one is a number; `"<t"` when one is `"<t"` and the others
 * are 0 (the sum is then 1 … t − 1 too); otherwise `"x"`.
 */
export function combineFigures(figures: readonly Figure[], threshold: number): Figure {
  if (figures.every((f) => typeof f === 'number')) return (figures as number[]).reduce((a, b) => a + b, 0);
  const small = smallMarker(threshold);
  const others = figures.filter((f) => f !== small);
  if (figures.length - others.length === 1 && others.every((f) => f === 0)) return small;
  return HIDDEN;
}

/**
 * Tables in which both units of a case count it (its closure, outcome measures and services are held at
 * both ends): a sum over the units would count each case twice, so the joint report gives none (§21.3).
 */
const COUNTED_AT_BOTH_ENDS: ReadonlySet<StatisticsTableId> = new Set<StatisticsTableId>([
  'closures',
  ...Object.values(OUTCOME_TABLES),
  'services',
]);

function combineTables(reports: readonly StatisticsReport[], threshold: number): PublishedTable[] {
  const out: PublishedTable[] = [];
  for (const id of STATISTICS_TABLES) {
    if (COUNTED_AT_BOTH_ENDS.has(id)) continue;
    const tables = reports.map((r) => r.tables.find((t) => t.id === id));
    const present = tables.filter((t): t is PublishedTable => t !== undefined);
    if (present.length === 0) continue;
    const kind = present[0]!.kind;
    const keys = [...new Set(present.flatMap((t) => t.rows.map((r) => r.key)))];
    const each = (pick: (t: PublishedTable | undefined) => Figure | null | undefined): Figure =>
      kind === 'median' || tables.some((t) => t === undefined)
        ? HIDDEN
        : combineFigures(
            tables.map((t) => pick(t) ?? 0),
            threshold,
          );
    out.push({
      id,
      kind,
      rows: keys.map((key) => ({ key, value: each((t) => t?.rows.find((r) => r.key === key)?.value) })),
      // Each active case is one unit's 'home' and another's 'receiving': the rows sum, the total does not.
      total: id !== 'active' && present.some((t) => t.total !== null) ? each((t) => t?.total) : null,
    });
  }
  return out;
}

/**
 * Build the joint evaluation report: verify every document against the agreements and the directory,
 * keep the newest of each party, and combine them.
 */
export function buildEvaluationReport(input: EvaluationInput): EvaluationReport {
  const { agreement } = input;
  const terms = agreement.terms;
  const newest = new Map<string, { figures: UnitFigures; device: string; jws: string }>();
  const refused: EvaluationReport['refused'] = [];
  for (const jws of input.documents) {
    try {
      const doc = verifyUnitFigures(jws, input.resolve, input.agreements);
      if (doc.payload.agreement !== agreement.digest) continue;
      const before = newest.get(doc.payload.unit);
      if (!before || doc.payload.iat > before.figures.iat) {
        newest.set(doc.payload.unit, { figures: doc.payload, device: doc.device, jws });
      }
    } catch (err) {
      if (!isBryggaError(err)) throw err;
      refused.push({ unit: null, code: err.code });
    }
  }
  const parties = terms.parties.filter((p) => newest.has(p.unit));
  const signed = parties.map((p) => newest.get(p.unit)!);
  const threshold = signed[0]?.figures.statistics.threshold ?? 5;

  const quota: QuotaBalance[] = terms.municipalities.map((m) => {
    const ofIt = signed.filter((s) => s.figures.municipality === m.id);
    const handedOver = ofIt.reduce((a, s) => a + s.figures.quota.handedOver, 0);
    const received = ofIt.reduce((a, s) => a + s.figures.quota.received, 0);
    return {
      municipality: m.id,
      quota: { ...m.quota },
      handedOver,
      received,
      balance: handedOver - received,
    };
  });
  const allReported = parties.length === terms.parties.length;
  const quotaBalanced = allReported
    ? quota.reduce((a, q) => a + q.handedOver, 0) === quota.reduce((a, q) => a + q.received, 0)
    : null;

  const byPair = new Map<string, EvaluationReconciliation>();
  for (const s of signed) {
    for (const r of s.figures.reconciliations) {
      const key = `${r.label} ${r.units.map((u) => u.unit).join(' ')}`;
      const seen = byPair.get(key);
      if (!seen) {
        byPair.set(key, { ...r, reportedBy: [s.figures.unit], consistent: true });
        continue;
      }
      seen.reportedBy.push(s.figures.unit);
      const { reportedBy: _r, consistent: _c, ...theirs } = seen;
      if (JSON.stringify(theirs) !== JSON.stringify(r)) seen.consistent = false;
    }
  }
  const reconciliations = [...byPair.values()].sort((a, b) =>
    a.label < b.label ? -1 : a.label > b.label ? 1 : a.units[0]!.unit < b.units[0]!.unit ? -1 : 1,
  );

  const units = signed.map((s) => ({
    unit: s.figures.unit,
    name: terms.parties.find((p) => p.unit === s.figures.unit)!.name,
    municipality: s.figures.municipality,
    statistics: s.figures.statistics,
  }));
  return {
    v: 1,
    kind: 'brygga.evaluation',
    agreement: {
      id: terms.id,
      title: terms.title,
      sequence: terms.sequence,
      digest: agreement.digest,
      period: { ...terms.period },
      parties: terms.parties.map((p) => ({ unit: p.unit, name: p.name, municipality: p.municipality })),
      municipalities: terms.municipalities.map((m) => ({ id: m.id, name: m.name, quota: { ...m.quota } })),
      catalogue: terms.catalogue.map((c) => ({ ...c })),
    },
    threshold,
    signatures: signed.map((s) => ({
      unit: s.figures.unit,
      municipality: s.figures.municipality,
      device: s.device,
      signedAt: s.figures.iat,
      document: documentHash(s.jws),
    })),
    missing: terms.parties.filter((p) => !newest.has(p.unit)).map((p) => p.unit),
    refused,
    quota,
    quotaBalanced,
    reconciliations,
    costs: reconciliationTotals(reconciliations),
    units,
    combined: combineTables(
      units.map((u) => u.statistics),
      threshold,
    ),
    complete:
      allReported &&
      refused.length === 0 &&
      quotaBalanced === true &&
      reconciliations.every((r) => r.consistent && r.reportedBy.length === 2),
  };
}

/** The report, or ERR_FIGURES_INVALID when not every party's figures are here and agree. */
export function requireCompleteEvaluation(report: EvaluationReport): EvaluationReport {
  if (!report.complete) {
    throw new BryggaError(
      'ERR_FIGURES_INVALID',
      report.missing.length > 0
        ? `the figures of ${report.missing.join(', ')} are missing`
        : "the parties' figures do not agree with each other",
    );
  }
  return report;
}
