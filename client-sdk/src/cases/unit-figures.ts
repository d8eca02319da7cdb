/**
 * A unit's signed figures for an agreement period (PROTOCOL.md §21): its de-identified statistics for the
 * period's months (§20), the cases it handed over and took in under the agreement (the agreement's own
 * accounting, which every party already counts from the quota claims of §15), and the reconciliations it
 * agreed (their sums and settlements; no case lines). Signed by a device of the unit as a compact JWS of
 * type `brygga-unit-figures+jws` and sent to every party in a `unit-figures` packet, outside any case. The
 * joint evaluation report (evaluation.ts) combines every party's.
 */
import { type Agreement, reportingTerms } from '../directory/agreement.js';
import { BryggaError } from '../errors.js';
import { hash, id, integer, list, malformed, members, text } from './_fields.js';
import type { CaseState } from './case-state.js';
import type { ReconciliationStatement } from './reconciliation.js';
import {
  type DeviceResolver,
  signDocument,
  type VerifiedDocument,
  verifyDocument,
} from './signed-document.js';
import {
  agreementStatisticsPeriod,
  computeStatistics,
  type StatisticsReport,
  validateStatisticsReport,
} from './statistics.js';

/** The JWS `typ` of a unit's figures. */
export const UNIT_FIGURES_TYP = 'brygga-unit-figures+jws';

/** A reconciliation as unit figures carry it: the pair, the period and the sums, without the case lines. */
export interface ReconciliationSummary {
  id: string;
  label: string;
  units: { unit: string; municipality: string }[];
  paid: { municipality: string; amountSek: number }[];
  settlement: ReconciliationStatement['settlement'];
}

/** The signed payload of a unit's figures. */
export interface UnitFigures {
  v: 1;
  kind: 'brygga.unit-figures';
  /** Digest of the agreement whose period the figures cover. */
  agreement: string;
  unit: string;
  municipality: string;
  /** The unit's statistics for the whole months of the agreement's period. */
  statistics: StatisticsReport;
  /** Cases of the agreement the unit handed over and took in (accepted ones), exactly. */
  quota: { handedOver: number; received: number };
  /** The agreed reconciliations the unit is a party to, within the agreement's period. */
  reconciliations: ReconciliationSummary[];
  iat: number;
}

function pair<T>(value: unknown, path: string, item: (v: unknown, path: string) => T): T[] {
  return list(value, path, 2, 2, item);
}

/** Validate unit figures; ERR_MALFORMED naming the field. */
export function validateUnitFigures(value: unknown): UnitFigures {
  const o = members(value, 'unit-figures', [
    'v',
    'kind',
    'agreement',
    'unit',
    'municipality',
    'statistics',
    'quota',
    'reconciliations',
    'iat',
  ]);
  if (o.v !== 1) throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported unit figures version');
  if (o.kind !== 'brygga.unit-figures') malformed('unit-figures.kind', 'must be "brygga.unit-figures"');
  const q = members(o.quota, 'unit-figures.quota', ['handedOver', 'received']);
  const reconciliations = list(o.reconciliations, 'unit-figures.reconciliations', 0, 1000, (v, path) => {
    const r = members(v, path, ['id', 'label', 'units', 'paid', 'settlement']);
    let settlement: ReconciliationSummary['settlement'] = null;
    if (r.settlement !== null) {
      const s = members(r.settlement, `${path}.settlement`, ['from', 'to', 'amountSek']);
      settlement = {
        from: id(s.from, `${path}.settlement.from`),
        to: id(s.to, `${path}.settlement.to`),
        amountSek: integer(s.amountSek, `${path}.settlement.amountSek`, 1, Number.MAX_SAFE_INTEGER),
      };
    }
    return {
      id: hash(r.id, `${path}.id`),
      label: text(r.label, `${path}.label`, 7),
      units: pair(r.units, `${path}.units`, (u, up) => {
        const x = members(u, up, ['unit', 'municipality']);
        return { unit: id(x.unit, `${up}.unit`), municipality: id(x.municipality, `${up}.municipality`) };
      }),
      paid: pair(r.paid, `${path}.paid`, (u, up) => {
        const x = members(u, up, ['municipality', 'amountSek']);
        return {
          municipality: id(x.municipality, `${up}.municipality`),
          amountSek: integer(x.amountSek, `${up}.amountSek`, 0, Number.MAX_SAFE_INTEGER),
        };
      }),
      settlement,
    };
  });
  return {
    v: 1,
    kind: 'brygga.unit-figures',
    agreement: hash(o.agreement, 'unit-figures.agreement'),
    unit: id(o.unit, 'unit-figures.unit'),
    municipality: id(o.municipality, 'unit-figures.municipality'),
    statistics: validateStatisticsReport(o.statistics),
    quota: {
      handedOver: integer(q.handedOver, 'unit-figures.quota.handedOver', 0, 1_000_000),
      received: integer(q.received, 'unit-figures.quota.received', 0, 1_000_000),
    },
    reconciliations,
    iat: integer(o.iat, 'unit-figures.iat', 0, Number.MAX_SAFE_INTEGER),
  };
}

/** Whether two periods (days, inclusive) overlap. */
function overlaps(a: { from: string; to: string }, b: { from: string; to: string }): boolean {
  return a.from <= b.to && b.from <= a.to;
}

/** What a unit's figures are computed from. */
export interface UnitFiguresInput {
  unit: string;
  agreement: Agreement;
  cases: readonly CaseState[];
  /** The unit's agreed reconciliations, with their ids. */
  reconciliations: readonly { id: string; statement: ReconciliationStatement }[];
  now: Date;
}

/** The figures of `unit` for `agreement`'s period, ready to sign. */
export function computeUnitFigures(input: UnitFiguresInput): UnitFigures {
  const { unit, agreement } = input;
  const municipality = agreement.municipalityOf(unit)?.id;
  if (!municipality)
    throw new BryggaError('ERR_NOT_IN_AGREEMENT', `unit ${unit} is not a party to the agreement`);
  const statistics = computeStatistics({
    unit,
    agreement,
    cases: input.cases,
    period: agreementStatisticsPeriod(agreement),
  });
  const under = input.cases.filter(
    (c) => c.agreement === agreement.digest && c.decision?.decision === 'accept',
  );
  const reconciliations = input.reconciliations
    .filter(
      (r) =>
        r.statement.units.some((u) => u.unit === unit) &&
        overlaps(r.statement.period, agreement.terms.period),
    )
    .map(({ id: rid, statement: s }) => ({
      id: rid,
      label: s.period.label,
      units: s.units.map((u) => ({ ...u })),
      paid: s.paid.map((p) => ({ ...p })),
      settlement: s.settlement ? { ...s.settlement } : null,
    }))
    .sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : a.id < b.id ? -1 : 1));
  return {
    v: 1,
    kind: 'brygga.unit-figures',
    agreement: agreement.digest,
    unit,
    municipality,
    statistics,
    quota: {
      handedOver: under.filter((c) => c.home === unit).length,
      received: under.filter((c) => c.receiving === unit).length,
    },
    reconciliations,
    iat: Math.floor(input.now.getTime() / 1000),
  };
}

/** Sign a unit's figures with a device of the unit. */
export function signUnitFigures(figures: UnitFigures, device: Parameters<typeof signDocument>[2]): string {
  return signDocument(UNIT_FIGURES_TYP, validateUnitFigures(figures), device);
}

/**
 * Verify a unit's figures: signed by a device of the unit they name (not after its revocation), for an
 * accepted agreement in which that unit is a party of that municipality, with the statistics of that
 * unit, municipality and agreement period, suppressed under that agreement's threshold. A bad signature is
 * ERR_CRYPTO; an unknown or revoked signer ERR_UNKNOWN_KEY or ERR_KEY_REVOKED; a signer of another unit
 * ERR_WRONG_PARTY; anything else ERR_FIGURES_INVALID.
 */
export function verifyUnitFigures(
  jws: string,
  resolve: DeviceResolver,
  agreements: readonly Agreement[],
): VerifiedDocument<UnitFigures> {
  const doc = verifyDocument(
    jws,
    UNIT_FIGURES_TYP,
    resolve,
    validateUnitFigures,
    (f) => f.unit,
    (f) => f.iat,
  );
  const f = doc.payload;
  const invalid = (why: string): never => {
    throw new BryggaError('ERR_FIGURES_INVALID', `the figures of ${f.unit} ${why}`);
  };
  const agreement = agreements.find((a) => a.digest === f.agreement);
  if (!agreement) invalid('are for an agreement this device has not accepted');
  if (agreement!.municipalityOf(f.unit)?.id !== f.municipality)
    invalid('name another municipality than the agreement');
  const period = agreementStatisticsPeriod(agreement!);
  const s = f.statistics;
  if (s.unit !== f.unit || s.municipality !== f.municipality) invalid('carry the statistics of another unit');
  if (s.period.from !== period.from || s.period.to !== period.to)
    invalid("do not cover the agreement's period");
  if (s.threshold !== reportingTerms(agreement!).suppressionThreshold)
    invalid('are not suppressed as the agreement says');
  return doc;
}
