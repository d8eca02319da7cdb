/**
 * The agreement's reporting (PROTOCOL.md §20–23): `brygga deviation` records a deviation (avsteg) in a
 * case; `brygga report statistics` gives the unit's de-identified statistics for a month or a year, as
 * text, CSV or JSON; `brygga report deviations` the deviation register as the oversight body gets it;
 * `brygga report figures` the unit's figures for the agreement period (with `--send`, signed and sent to
 * every party); `brygga report evaluation` the joint evaluation report, written as a printable HTML file;
 * `brygga due` what is due; `brygga purge` retention.
 *
 * `report statistics`, `report deviations`, `report figures` without `--send` and `due` only read what
 * the device holds (run `brygga inbox` first to fetch). `deviation`, `report figures --send`, `report
 * evaluation` and `purge` change the store or talk to the relay, like `inbox`. Every bad argument is
 * refused before the device is opened, and an `--out` file that exists before anything is fetched.
 *
 * Retention is judged by this computer's clock (its UTC day), never by an argument: no option makes a
 * case purgeable before its time.
 */

import {
  type Agreement,
  type BryggaClient,
  BryggaError,
  deviationRegisterCsv,
  exportDeviationRegister,
  type Figure,
  isCalendarDate,
  type Reminder,
  type StatisticsReport,
  statisticsCsv,
  validatePacketBody,
} from '../index.js';
import { type Args, type Command, str } from './_command.js';
import { DEVICE_OPTION, withClient } from './_device-dir.js';
import { CliError, type Io, readJsonFile, refuseExisting, report, usage, writeFileAtomic } from './_io.js';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const YEAR = /^\d{4}$/;
const FORMATS = ['text', 'csv', 'json'] as const;
type Format = (typeof FORMATS)[number];

const FORMAT_OPTIONS = {
  format: { type: 'string', description: 'text (default; json with --json), csv or json' },
  out: { type: 'string', description: 'write the report to this new file instead of printing it' },
} as const;

const AGREEMENT_OPTION = {
  agreement: {
    type: 'string',
    description: 'the agreement: its sequence number or digest (default: the newest)',
  },
} as const;

/**
 * Where a report goes: its format (`--format`; JSON with `--json` alone) and the file of `--out`,
 * refused at once when it exists. Without `--out`, `--json` and another `--format` ask for two formats
 * on one output and are refused; with it, the file gets the format and standard output the summary.
 */
function destination(args: Args, io: Io): { format: Format; out: string | undefined } {
  const f = str(args, 'format');
  if (f !== undefined && !(FORMATS as readonly string[]).includes(f)) {
    throw usage(`--format ${f} is not a format`, 'use --format text, --format csv or --format json');
  }
  const out = str(args, 'out');
  if (io.json && out === undefined && f !== undefined && f !== 'json') {
    throw usage(
      `--json and --format ${f} ask for two formats`,
      'give one of them; or write the report with --out FILE and get the summary as JSON',
    );
  }
  if (out !== undefined) refuseExisting(out);
  return { format: (f as Format | undefined) ?? (io.json ? 'json' : 'text'), out };
}

/** Print a report, or write it to `out` and say so (as JSON with `--json`). */
function emit(io: Io, out: string | undefined, format: Format, what: string, text: string): void {
  if (out === undefined) {
    io.out(text);
    return;
  }
  writeFileAtomic(out, text);
  report(io, { out, format }, () => [`Wrote ${what} to ${out} (${format}).`]);
}

/** A day option (`--from`, `--to`), checked to be a calendar day. */
function dayOption(args: Args, name: string): string | undefined {
  const v = str(args, name);
  if (v !== undefined && !isCalendarDate(v)) {
    throw usage(`--${name} ${v} is not a day`, 'use a calendar date, YYYY-MM-DD');
  }
  return v;
}

function figureText(f: Figure): string {
  return typeof f === 'number' ? String(f) : f;
}

const KIND_TEXT = { count: 'count', amount: 'SEK', median: 'median days' } as const;

/** The statistics as lines of text: a block per table, a line per row. */
function statisticsText(s: StatisticsReport): string[] {
  const lines = [
    `Statistics of ${s.unit} (${s.municipality}) for ${s.period.label}, ${s.period.from} – ${s.period.to}.`,
    `"<${s.threshold}": from 1 to ${s.threshold - 1}. "x": hidden, so that a total or a longer period does not give a small figure back.`,
  ];
  for (const t of s.tables) {
    lines.push('', `${t.id} (${KIND_TEXT[t.kind]})`);
    for (const r of t.rows) lines.push(`  ${r.key.padEnd(34)} ${figureText(r.value).padStart(10)}`);
    if (t.total !== null) lines.push(`  ${'total'.padEnd(34)} ${figureText(t.total).padStart(10)}`);
  }
  return lines;
}

function reminderText(r: Reminder): string {
  const what = {
    decision: r.actor === 'us' ? 'decide on the referral' : `${r.counterpart} to decide on the referral`,
    'follow-up': r.actor === 'us' ? 'follow up the case' : `follow-up (led by ${r.counterpart})`,
    'consent-expiry': "the case's consent runs out",
    'child-notice':
      r.actor === 'us'
        ? 'answer the urgent child notice, settling the responsibility for the children: `brygga child-notice answer`'
        : `${r.counterpart} to answer the child notice${r.overdue ? ': contact them, the responsibility must be settled at once' : ''}`,
    reconciliation:
      r.actor === 'us'
        ? `reconcile ${r.period} with ${r.counterpart}`
        : `${r.counterpart} to countersign ${r.period}`,
    retention: 'purge the case (its retention has run out): `brygga purge`',
  }[r.kind];
  const where = r.caseId ? `case ${r.caseId}` : `with ${r.counterpart}`;
  return `${r.dueOn}${r.overdue ? ' (overdue)' : ''}  ${where}: ${what}`;
}

/** The agreement of `--agreement` (a digest or a sequence number), or the newest. */
function agreementOf(client: BryggaClient, args: Args): Agreement {
  const wanted = str(args, 'agreement');
  const all = client.directory.agreements;
  if (wanted === undefined) return client.directory.agreement;
  const found = all.find((a) => a.digest === wanted || String(a.terms.sequence) === wanted);
  if (!found) {
    throw usage(
      `no accepted agreement ${wanted}`,
      `give a digest or a sequence number: ${all.map((a) => a.terms.sequence).join(', ')}`,
    );
  }
  return found;
}

/** The body of a deviation file, checked before the device is opened. */
function deviationBody(path: string) {
  const raw = readJsonFile(path, 'the deviation file');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CliError('ERR_MALFORMED', `the deviation file ${path} must hold a JSON object`, {
      hint: 'see PROTOCOL.md §12.4 item 6',
    });
  }
  try {
    return validatePacketBody('deviation', { guideline: null, legalBasis: null, ...raw });
  } catch (err) {
    if (!(err instanceof BryggaError) || err.code !== 'ERR_MALFORMED') throw err;
    throw new CliError('ERR_MALFORMED', `the deviation file is not valid: ${err.message}`, {
      hint: 'complete the deviation file (PROTOCOL.md §12.4 item 6); nothing was sent or stored',
    });
  }
}

export const REPORT_COMMANDS: Command[] = [
  {
    words: ['deviation'],
    opensDevice: true,
    summary:
      'Record a deviation (avsteg) in a case: the file gives {date, reason, rule, guideline, description, decidedBy}.',
    details: [
      'A deviation from the guideline is allowed only for a special reason (reason: acute-time-pressure,',
      'safety or other), documented with the rule departed from (rule: police-consultation,',
      'police-approval, target-group, children, housing, or guideline for another part of the guideline,',
      'then named in words in guideline), what was done (description) and who decided it (decidedBy:',
      '{name, role}); guideline is otherwise optional, and so is legalBasis (PROTOCOL.md §12.4 item 6). It',
      "goes to the case's other unit and into this unit's deviation register (`brygga report deviations`).",
    ],
    positionals: ['<case>'],
    options: {
      ...DEVICE_OPTION,
      file: { type: 'string', description: 'the deviation (JSON)', required: true },
    },
    async run(args, io) {
      const caseId = args.positionals[0];
      if (caseId === undefined) throw usage('the case id is required', 'list cases with `brygga inbox`');
      const body = deviationBody(str(args, 'file') as string);
      const { status, number } = await withClient(io, str(args, 'device'), async (client) => {
        await client.sync();
        const sent = await client.recordDeviation(caseId, body);
        await client.sync();
        const register = await client.deviationRegister();
        return {
          status: (await client.getCase(caseId)).status,
          number: register.find((e) => e.packet === sent.hash)?.number ?? null,
        };
      });
      report(io, { caseId, status, number }, () => [
        `Sent the deviation in case ${caseId}; the case is ${status}. It is number ${number} in the unit's deviation register.`,
      ]);
      return 0;
    },
  },
  {
    words: ['report', 'statistics'],
    opensDevice: true,
    summary: "This unit's de-identified statistics for a month or a year (text, CSV or JSON).",
    details: [
      'Referrals per city, decisions by reason and median days to decision, active cases, closures with',
      'their outcome measures, services and costs, deviations (PROTOCOL.md §20). No case, name or day is',
      'in it. A count from 1 to one under the agreement\'s threshold is "<5" (with the default threshold),',
      'and "x" is hidden so that a total or a year does not give a small figure back (§20.3). Reads what',
      'this device holds: run `brygga inbox` first.',
    ],
    options: {
      ...DEVICE_OPTION,
      month: { type: 'string', description: 'a month, YYYY-MM' },
      year: { type: 'string', description: 'a year, YYYY' },
      ...FORMAT_OPTIONS,
    },
    async run(args, io) {
      const month = str(args, 'month');
      const year = str(args, 'year');
      if ((month === undefined) === (year === undefined)) {
        throw usage('give --month or --year, one of them', 'e.g. brygga report statistics --month 2026-11');
      }
      if (month !== undefined && !MONTH.test(month)) {
        throw usage(`--month ${month} is not a month`, 'use YYYY-MM, e.g. 2026-11');
      }
      if (year !== undefined && !YEAR.test(year)) throw usage(`--year ${year} is not a year`, 'use YYYY');
      const { format, out } = destination(args, io);
      const s = await withClient(io, str(args, 'device'), (client) =>
        client.statistics(month !== undefined ? { month } : { year: year as string }),
      );
      const text =
        format === 'csv'
          ? statisticsCsv(s)
          : format === 'json'
            ? `${JSON.stringify(s, null, 2)}\n`
            : `${statisticsText(s).join('\n')}\n`;
      emit(io, out, format, `the statistics of ${s.unit} for ${s.period.label}`, text);
      return 0;
    },
  },
  {
    words: ['report', 'deviations'],
    opensDevice: true,
    summary: "This unit's deviation register (avsteg) for the oversight body: text, CSV or JSON.",
    details: [
      'Every deviation this unit recorded, numbered in date order, with the rule departed from, the',
      'special reason and who decided it (PROTOCOL.md §20.5); without the cases and their descriptions.',
      'With --from and --to, the deviations of those days (their numbers stay those of the register).',
    ],
    options: {
      ...DEVICE_OPTION,
      from: { type: 'string', description: 'the first day, YYYY-MM-DD' },
      to: { type: 'string', description: 'the last day, YYYY-MM-DD' },
      ...FORMAT_OPTIONS,
    },
    async run(args, io) {
      const from = dayOption(args, 'from');
      const to = dayOption(args, 'to');
      if (from !== undefined && to !== undefined && from > to) {
        throw usage(
          `--from ${from} is after --to ${to}`,
          'give the first day with --from, the last with --to',
        );
      }
      const range = { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
      const { format, out } = destination(args, io);
      const { unit, entries } = await withClient(io, str(args, 'device'), async (client) => ({
        unit: client.unit,
        entries: await client.deviationRegister(range),
      }));
      const register = exportDeviationRegister(unit, entries, range);
      let text: string;
      if (format === 'csv') text = deviationRegisterCsv(register);
      else if (format === 'json') text = `${JSON.stringify(register, null, 2)}\n`;
      else {
        const days = from || to ? `, ${from ?? '…'} – ${to ?? '…'}` : '';
        const lines = register.entries.map(
          (e) =>
            `${String(e.number).padStart(3)}  ${e.date}  ${e.reason.padEnd(19)}  ${e.rule}${e.guideline === null ? '' : `: ${e.guideline}`}  (decided by ${e.decidedBy.name}, ${e.decidedBy.role})`,
        );
        text = `${[`Deviation register of ${unit}${days}:`, ...(lines.length ? lines : ['  No deviations.'])].join('\n')}\n`;
      }
      emit(io, out, format, `the deviation register of ${unit}`, text);
      return 0;
    },
  },
  {
    words: ['report', 'figures'],
    opensDevice: true,
    summary: "This unit's figures for the agreement period; with --send, signed and sent to every party.",
    details: [
      'The statistics of the agreement period, the cases handed over and taken in, and the agreed',
      'reconciliations (PROTOCOL.md §21). With --send they are signed by this device and sent to every',
      'party for the joint evaluation report; sending again replaces the earlier figures.',
    ],
    options: {
      ...DEVICE_OPTION,
      ...AGREEMENT_OPTION,
      send: { type: 'boolean', description: 'sign the figures and send them to every party' },
    },
    async run(args, io) {
      const send = args.values.send === true;
      const result = await withClient(io, str(args, 'device'), async (client) => {
        const agreement = agreementOf(client, args);
        if (!send) return { figures: await client.unitFigures(agreement), submitted: null };
        await client.sync();
        const sent = await client.sendFigures(agreement);
        return { figures: sent.figures, submitted: sent.sent.submitted };
      });
      const f = result.figures;
      const n = f.reconciliations.length;
      report(io, result, () => [
        `Figures of ${f.unit} (${f.municipality}) for the agreement period ${f.statistics.period.from} – ${f.statistics.period.to}:`,
        `  cases handed over ${f.quota.handedOver}, taken in ${f.quota.received}; ${n} agreed reconciliation${n === 1 ? '' : 's'}.`,
        result.submitted === null
          ? '  Not signed: give --send to sign them and send them to every party.'
          : result.submitted
            ? '  Signed and sent to every party.'
            : '  Signed; queued for the relay: run `brygga inbox` to send them.',
      ]);
      return 0;
    },
  },
  {
    words: ['report', 'evaluation'],
    opensDevice: true,
    summary: 'The joint evaluation report from every party’s signed figures, as a printable HTML file.',
    details: [
      "Fetches first, then verifies every party's signed figures and combines them (PROTOCOL.md §21.3):",
      'the cases to and from each party, costs and reconciliations, outcomes, deviations and statistics.',
      'Open the file in a browser and print it, or save it as PDF. While a party has not sent its figures',
      '(`brygga report figures --send`) the report is written and says it is not complete; so does',
      '--json ("complete": false).',
    ],
    options: {
      ...DEVICE_OPTION,
      ...AGREEMENT_OPTION,
      out: { type: 'string', description: 'the new HTML file to write, e.g. report.html', required: true },
      lang: { type: 'string', description: 'sv (default) or en' },
    },
    async run(args, io) {
      const lang = str(args, 'lang') ?? 'sv';
      if (lang !== 'sv' && lang !== 'en') throw usage(`--lang ${lang} is not a language`, 'use sv or en');
      const out = str(args, 'out') as string;
      refuseExisting(out);
      // The console's report page, loaded by this command only (hono and the console's pages with it).
      const { renderEvaluationReport } = await import('../console/index.js');
      const { evaluation, html } = await withClient(io, str(args, 'device'), async (client) => {
        await client.sync();
        const evaluation = await client.evaluationReport(agreementOf(client, args));
        const html = renderEvaluationReport(evaluation, {
          lang,
          generatedAt: new Date(),
          stylesheet: 'inline',
          deviceName: (kid) => client.directory.device(kid)?.name,
        });
        return { evaluation, html };
      });
      writeFileAtomic(out, html);
      const { complete, signatures, missing, refused, quota, quotaBalanced } = evaluation;
      report(io, { out, complete, signatures, missing, refused, quota, quotaBalanced }, () => [
        `Wrote the joint evaluation report to ${out}.`,
        complete
          ? `Complete: the figures of ${signatures.map((s) => s.unit).join(', ')}, every signature verified.`
          : missing.length
            ? `Not complete: no figures yet from ${missing.join(', ')}. Each unit sends its own with \`brygga report figures --send\`; then run this again.`
            : "Not complete: the parties' figures do not agree with each other (the report shows where).",
        ...(refused.length
          ? [`  ${refused.length} document(s) did not verify: ${refused.map((r) => r.code).join(', ')}.`]
          : []),
        ...quota.map(
          (q) =>
            `  ${q.municipality}: handed over ${q.handedOver}, taken in ${q.received} (quota ${q.quota.outgoing}/${q.quota.incoming})`,
        ),
      ]);
      return 0;
    },
  },
  {
    words: ['due'],
    opensDevice: true,
    summary:
      'What is due: decisions, follow-ups, consents running out, child notices, reconciliations, purges.',
    details: [
      "The deadlines of the agreement's reporting terms (PROTOCOL.md §22) in this unit's cases, as of",
      "this computer's day (UTC), from what this device holds: run `brygga inbox` first. Exit 0 whatever",
      'is due.',
    ],
    options: { ...DEVICE_OPTION },
    async run(args, io) {
      const due = await withClient(io, str(args, 'device'), (client) => client.reminders());
      report(io, { due }, () => (due.length ? due.map(reminderText) : ['Nothing is due.']));
      return 0;
    },
  },
  {
    words: ['purge'],
    opensDevice: true,
    summary: 'Remove the cases whose retention has run out, keeping a signed purge record.',
    details: [
      'A closed or declined case is kept the years the agreement says (5 by default) after it ended, then',
      'removed with every record of it; reconciliations of only such cases go with them, and old',
      'encryption keys nothing kept needs are destroyed. A purge record signed by this device names the',
      "case ids, when and by whom (PROTOCOL.md §23); --json prints it. Judged by this computer's day",
      '(UTC); no option makes a case go sooner. --dry-run only lists what would go.',
    ],
    options: {
      ...DEVICE_OPTION,
      'dry-run': { type: 'boolean', description: 'list what would be removed, and remove nothing' },
      by: { type: 'string', description: 'who runs the purge, for the record (e.g. "Sara Svensson")' },
    },
    async run(args, io) {
      const dryRun = args.values['dry-run'] === true;
      const by = str(args, 'by');
      if (by !== undefined && (by.trim() === '' || by.length > 200)) {
        throw usage('--by must name who runs the purge, in 1 to 200 characters', 'e.g. --by "Sara Svensson"');
      }
      const result = await withClient(io, str(args, 'device'), (client) =>
        client.purge({ dryRun, ...(by !== undefined ? { by } : {}) }),
      );
      const { cases, reconciliations, keys } = result;
      report(io, { ...result, dryRun }, () => {
        if (cases.length + reconciliations.length + keys.length === 0) {
          return [
            'Nothing to purge: no case has outlived its retention and no old encryption key can go yet.',
          ];
        }
        const s = (n: number) => (n === 1 ? '' : 's');
        return [
          `${dryRun ? 'Would remove' : 'Removed'} ${cases.length} case${s(cases.length)}, ${reconciliations.length} reconciliation${s(reconciliations.length)} and ${keys.length} old encryption key${s(keys.length)}.`,
          ...cases.map((c) => `  case ${c}`),
          dryRun ? 'Nothing was removed (--dry-run).' : 'A purge record signed by this device is kept.',
        ];
      });
      return 0;
    },
  },
];
