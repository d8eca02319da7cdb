/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The statistics' tables as people read them (PROTOCOL.md §20): every table with a caption, column
 * headers and its rows in the units' own words (municipality and service names, reasons), figures in the
 * language's format, `"<5"` and `"x"` as published, and a legend saying what they mean. Used by the
 * console's statistics page and by the joint evaluation report, on screen and in print.
 */
import type { Figure, PublishedTable, StatisticsReport } from '../../index.js';
import type { Texts } from '../_i18n/index.js';
import { W } from '../_views/components.js';

/** The names a report's codes stand for, from the agreement. */
export interface Names {
  municipality(id: string): string;
  service(code: string): string;
  unit(id: string): string;
}

/** Names from agreement terms (`parties`, `municipalities`, `catalogue`), falling back to the code. */
export function namesOf(terms: {
  parties: readonly { unit: string; name: string }[];
  municipalities: readonly { id: string; name: string }[];
  catalogue: readonly { code: string; name: string }[];
}): Names {
  return {
    municipality: (id) => terms.municipalities.find((m) => m.id === id)?.name ?? id,
    service: (code) => terms.catalogue.find((c) => c.code === code)?.name ?? code,
    unit: (id) => terms.parties.find((p) => p.unit === id)?.name ?? id,
  };
}

/** The label of a row of table `table`. */
export function rowLabel(texts: Texts, names: Names, table: string, key: string): string {
  const { t } = texts;
  const r = t.reports.rows;
  if (table === 'referrals-sent' || table === 'referrals-received') return names.municipality(key);
  if (table === 'decisions-on-sent' || table === 'decisions-on-received') {
    if (key === 'accepted') return r.accepted;
    const reason = key.replace(/^declined-/, '') as keyof typeof t.declineReasons;
    return r.declined(t.declineReasons[reason] ?? reason);
  }
  if (table === 'decision-days') return key === 'sent' ? r.sent : r.received;
  if (table === 'active') return key === 'home' ? r.home : r.receiving;
  if (table === 'closures') return t.closureReasons[key as keyof typeof t.closureReasons] ?? key;
  if (table.startsWith('outcome-')) {
    return key === 'not-assessed'
      ? r.notAssessed
      : (t.outcomeValues[key as keyof typeof t.outcomeValues] ?? key);
  }
  if (table === 'deviations') return t.deviationReasons[key as keyof typeof t.deviationReasons] ?? key;
  return names.service(key);
}

/** A figure as shown: a number in the language's format (kronor for amounts), or its marker. */
export function figureText(texts: Texts, kind: PublishedTable['kind'], figure: Figure): string {
  if (typeof figure !== 'number') return figure;
  return kind === 'amount' ? texts.amount(figure) : texts.number(figure);
}

/** What `"<t"` and `"x"` mean. */
export function Legend(props: { texts: Texts; threshold: number }) {
  const r = props.texts.t.reports;
  return (
    <div class="legend">
      <h3 class="heading-s">{r.legendTitle}</h3>
      <ul class="list">
        <li>{r.legendSmall(props.threshold)}</li>
        <li>{r.legendHidden}</li>
      </ul>
    </div>
  );
}

/** The first column's header of a table. */
function firstHeader(texts: Texts, id: string): string {
  const first = texts.t.reports.columns.first;
  return first[id.startsWith('outcome-') ? 'outcome' : id] ?? '';
}

/**
 * One statistics table for one or more columns of figures (a unit's report, or several units' and their
 * sum): `columns` names each, `tables` gives each column's table of that id.
 */
export function FigureTable(props: {
  texts: Texts;
  names: Names;
  id: string;
  columns: { label: string; table: PublishedTable | undefined }[];
  headingLevel?: 'caption';
}) {
  const { texts, names, id, columns } = props;
  const r = texts.t.reports;
  const present = columns.find((c) => c.table)?.table;
  if (!present) return null;
  const keys = [...new Set(columns.flatMap((c) => c.table?.rows.map((x) => x.key) ?? []))];
  const hasTotal = columns.some((c) => c.table && c.table.total !== null);
  const cell = (table: PublishedTable | undefined, key: string | null) => {
    if (!table) return '–';
    const f = key === null ? table.total : table.rows.find((x) => x.key === key)?.value;
    return f === undefined || f === null ? '–' : figureText(texts, table.kind, f);
  };
  const single = columns.length === 1;
  return (
    <table class="table table--figures">
      <caption class="caption-table">{r.tables[id] ?? id}</caption>
      <thead>
        <tr>
          <th scope="col">{firstHeader(texts, id)}</th>
          {columns.map((c) => (
            <th scope="col" class="numeric">
              {single ? r.columns[present.kind] : <W>{c.label}</W>}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {keys.map((key) => (
          <tr>
            <th scope="row">
              <W>{rowLabel(texts, names, id, key)}</W>
            </th>
            {columns.map((c) => (
              <td class="numeric">{cell(c.table, key)}</td>
            ))}
          </tr>
        ))}
        {hasTotal ? (
          <tr class="table__total">
            <th scope="row">{r.total}</th>
            {columns.map((c) => (
              <td class="numeric">{cell(c.table, null)}</td>
            ))}
          </tr>
        ) : null}
      </tbody>
    </table>
  );
}

/** Every table of a unit's statistics. */
export function StatisticsTables(props: { texts: Texts; names: Names; report: StatisticsReport }) {
  const { report } = props;
  return (
    <>
      {report.tables.map((table) => (
        <FigureTable
          texts={props.texts}
          names={props.names}
          id={table.id}
          columns={[{ label: props.names.unit(report.unit), table }]}
        />
      ))}
    </>
  );
}
