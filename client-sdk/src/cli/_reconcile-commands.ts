/**
 * The reconciliation of costs and its settlement (PROTOCOL.md §16), every half-year unless the agreement
 * says otherwise (§5.3): `brygga reconcile` proposes the statement to a unit of another municipality, or
 * countersigns the one it proposed, and `brygga reconciliation show` lists every statement this device
 * holds with its figures, read from the signed payload itself, so what is shown is what was signed, and
 * each municipality's totals across the agreed ones.
 */

import {
  type BryggaClient,
  directoryResolver,
  type MunicipalityCostTotals,
  RECONCILIATION_PERIOD_PATTERN,
  type ReconciliationStatement,
  type ReconciliationView,
  reconciliationTotals,
  reportingTerms,
  verifyReconciliation,
} from '../index.js';
import { type Command, str } from './_command.js';
import { DEVICE_OPTION, withClient } from './_device-dir.js';
import { report, usage } from './_io.js';

/** A reconciliation as shown: its parties, state and figures. */
interface ReconciliationSummary {
  id: string;
  label: string;
  period: { from: string; to: string };
  units: { unit: string; municipality: string }[];
  complete: boolean;
  /** Units whose signature verifies. */
  signedBy: string[];
  /** Units whose signature is still missing. */
  awaiting: string[];
  lines: number;
  /** What each municipality paid, as receiving municipality, for the other's cases (SEK). */
  paid: { municipality: string; amountSek: number }[];
  settlement: ReconciliationStatement['settlement'];
  /** A settlement under this many SEK is not made (the agreement's threshold; PROTOCOL.md §5.3). */
  threshold: number;
}

function summarize(view: ReconciliationView, client: BryggaClient): ReconciliationSummary {
  // Checked again rather than trusted from the store: who signed is what the signatures say.
  const { statement, signedBy } = verifyReconciliation(view.document, directoryResolver(client.directory));
  const units = statement.units.map((u) => u.unit);
  return {
    id: view.id,
    label: statement.period.label,
    period: { from: statement.period.from, to: statement.period.to },
    units: statement.units,
    complete: signedBy.length === 2,
    signedBy,
    awaiting: units.filter((u) => !signedBy.includes(u)),
    lines: statement.lines.length,
    paid: statement.paid,
    settlement: statement.settlement,
    threshold: reportingTerms(client.directory.agreement).notableDeviationSek,
  };
}

function describe(r: ReconciliationSummary): string[] {
  const [a, b] = r.units as [ReconciliationSummary['units'][0], ReconciliationSummary['units'][0]];
  const [pa, pb] = r.paid as [ReconciliationSummary['paid'][0], ReconciliationSummary['paid'][0]];
  const s = r.settlement;
  return [
    `${r.label} (${r.period.from} – ${r.period.to})  ${a.unit} ↔ ${b.unit}: ${
      r.complete ? 'complete, signed by both' : `awaiting the signature of ${r.awaiting.join(' and ')}`
    }`,
    `  ${pa.municipality} paid ${pa.amountSek} SEK for ${b.municipality}'s cases; ${pb.municipality} paid ${pb.amountSek} SEK for ${a.municipality}'s cases (${r.lines} cost line${r.lines === 1 ? '' : 's'})`,
    s
      ? `  Settlement: ${s.from} pays ${s.to} ${s.amountSek} SEK.`
      : Math.floor(Math.abs(pa.amountSek - pb.amountSek) / 2) > 0
        ? `  Settlement: none, the difference is below the agreement's threshold of ${r.threshold} SEK.`
        : '  Settlement: none, the costs are even.',
  ];
}

function describeTotals(totals: MunicipalityCostTotals[]): string[] {
  if (totals.length === 0) return [];
  return [
    '',
    'Totals per municipality across every agreed reconciliation (SEK):',
    ...totals.map(
      (t) =>
        `  ${t.municipality}: paid ${t.paidForOthers} for others' cases, others paid ${t.paidByOthers} for its cases; settlements paid ${t.settlementsPaid}, received ${t.settlementsReceived}; borne ${t.borne}`,
    ),
  ];
}

export const RECONCILE_COMMANDS: Command[] = [
  {
    words: ['reconcile'],
    opensDevice: true,
    summary: "Reconcile a period's costs with a unit of another municipality: propose, or countersign.",
    details: [
      "Fetches first. If the other unit has proposed a statement, checks it against this unit's own cost",
      'records and countersigns it; otherwise signs and sends a proposal for the other unit to countersign.',
      'Run `brygga inbox` at both ends first, so each holds every cost report of the half-year.',
    ],
    options: {
      ...DEVICE_OPTION,
      with: { type: 'string', description: 'the other unit, e.g. malmo', required: true },
      label: {
        type: 'string',
        description:
          "the period, as the agreement's interval says: YYYY-H1 (Jan–Jun), YYYY-H2 (Jul–Dec), YYYY-Q1…Q4 or YYYY",
        required: true,
      },
    },
    async run(args, io) {
      const counterpart = str(args, 'with') as string;
      const label = str(args, 'label') as string;
      if (!RECONCILIATION_PERIOD_PATTERN.test(label))
        throw usage(
          `--label ${label} is not a reconciliation period`,
          'use YYYY-H1 or YYYY-H2 (half-years, e.g. 2025-H1), YYYY-Q1…Q4 (quarters) or YYYY (years)',
        );
      const { summary, submitted, already } = await withClient(io, str(args, 'device'), async (client) => {
        await client.sync();
        const units = [client.unit, counterpart].sort().join(' ');
        // An agreed statement is final: reconciling again would only propose a second one.
        const agreed = (await client.reconciliations()).find(
          (r) => r.complete && r.label === label && [...r.units].sort().join(' ') === units,
        );
        if (agreed) return { summary: summarize(agreed, client), submitted: true, already: true };
        const view = await client.reconcile(counterpart, label);
        return { summary: summarize(view, client), submitted: view.sent.submitted, already: false };
      });
      report(io, { ...summary, submitted }, () => [
        already
          ? `Already agreed with ${counterpart}; nothing sent.`
          : summary.complete
            ? `Countersigned the reconciliation with ${counterpart}${submitted ? '' : ' (queued: run `brygga inbox` to send it)'}.`
            : `Proposed to ${counterpart}${submitted ? '' : ' (queued: run `brygga inbox` to send it)'}; it countersigns with \`brygga reconcile --with <this unit> --label ${label}\`.`,
        ...describe(summary),
      ]);
      return 0;
    },
  },
  {
    words: ['reconciliation', 'show'],
    opensDevice: true,
    summary:
      'Show every reconciliation this device holds (period, signatures, figures, settlement) and the totals per municipality.',
    details: ['Reads what this device holds: run `brygga inbox` first to fetch a countersignature.'],
    options: { ...DEVICE_OPTION },
    async run(args, io) {
      const { all, totals } = await withClient(io, str(args, 'device'), async (client) => {
        const views = await client.reconciliations();
        const resolve = directoryResolver(client.directory);
        const agreed = views.filter((v) => v.complete).map((v) => verifyReconciliation(v.document, resolve));
        return {
          all: views.map((r) => summarize(r, client)),
          totals: reconciliationTotals(agreed.filter((v) => v.complete).map((v) => v.statement)),
        };
      });
      all.sort((x, y) => (x.label < y.label ? -1 : x.label > y.label ? 1 : 0));
      report(io, { reconciliations: all, totals }, () =>
        all.length ? [...all.flatMap(describe), ...describeTotals(totals)] : ['No reconciliations.'],
      );
      return 0;
    },
  },
];
