/**
 * Cost report (kostnadsredovisning; PROTOCOL.md §12.4.5): what the receiving municipality paid for the
 * planned services, per service and month, in whole Swedish kronor. A later line for the same service and
 * month replaces the earlier one (a correction). It holds no free text: amounts per planned service only.
 */
import { distinct, id, integer, list, members, month } from './_fields.js';

/** One line: a service, a month, an amount in whole SEK. */
export interface CostLine {
  service: string;
  month: string;
  amountSek: number;
}

/** Body of a `cost-report` packet. */
export interface CostReportBody {
  lines: CostLine[];
}

/** Largest amount of one line (SEK): far above any real month of one service. */
export const MAX_LINE_SEK = 100_000_000;

/** Validate a `cost-report` body; ERR_MALFORMED naming the field. */
export function validateCostReport(value: unknown): CostReportBody {
  const o = members(value, 'cost-report', ['lines']);
  const lines = list(o.lines, 'cost-report.lines', 1, 400, (v, path) => {
    const l = members(v, path, ['service', 'month', 'amountSek']);
    return {
      service: id(l.service, `${path}.service`),
      month: month(l.month, `${path}.month`),
      amountSek: integer(l.amountSek, `${path}.amountSek`, 0, MAX_LINE_SEK),
    };
  });
  distinct(lines, 'cost-report.lines', (l) => `${l.service}|${l.month}`);
  return { lines };
}
