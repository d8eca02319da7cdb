/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Rapporter (PROTOCOL.md §20–21): the unit's de-identified statistics for a month or a year, with a chart
 * of the referrals per month drawn on the server and the same figures in a table beside it, and the
 * statistics as CSV or JSON; the deviation register (avstegsregister) and its export for the oversight
 * body; and the joint evaluation report, printable, with the unit lead's signing of the unit's figures.
 * Coordinators and unit leads see them; only a unit lead signs and sends the figures.
 */
import { Hono } from 'hono';
import {
  type DeviationEntry,
  deviationRegisterCsv,
  exportDeviationRegister,
  type StatisticsReport,
  statisticsCsv,
} from '../../index.js';
import { canSee } from '../_cases.js';
import type { ConsoleDeps, ConsoleEnv, Ctx } from '../_context.js';
import { userOf } from '../_context.js';
import { refusal } from '../_form-reader.js';
import type { Texts } from '../_i18n/index.js';
import { forbidden, logAccess, page } from '../_page.js';
import { BarChart } from '../_reports/chart.js';
import { EvaluationBody } from '../_reports/evaluation.js';
import { Legend, namesOf, StatisticsTables } from '../_reports/figures.js';
import { flash } from '../_session.js';
import { Button, ErrorSummary, type FieldError, PostForm, Select, W } from '../_views/components.js';
import { renderEvaluationReport } from '../evaluation-report.js';
import { shortId } from './case.js';

const PERIOD = /^\d{4}(-(0[1-9]|1[0-2]))?$/;

/** The months and years the statistics can be asked for: the agreements' periods up to today, newest first. */
function periods(deps: ConsoleDeps): { months: string[]; years: string[] } {
  const agreements = deps.client.directory.agreements;
  const from = agreements
    .map((a) => a.terms.period.from)
    .sort()[0]!
    .slice(0, 7);
  const today = deps.now().toISOString().slice(0, 7);
  const end = agreements
    .map((a) => a.terms.period.to.slice(0, 7))
    .sort()
    .at(-1)!;
  const last = [today, end].sort()[0]!;
  const months: string[] = [];
  for (let y = Number(from.slice(0, 4)), m = Number(from.slice(5, 7)); ; ) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month > last) break;
    months.push(month);
    if (++m === 13) {
      m = 1;
      y++;
    }
  }
  const years = [...new Set(months.map((m) => m.slice(0, 4)))];
  return { months: months.reverse(), years: years.reverse() };
}

/** The period asked for, if it is one of {@link periods}; else the newest month. */
function chosenPeriod(c: Ctx, deps: ConsoleDeps): string {
  const asked = c.req.query('period') ?? '';
  const { months, years } = periods(deps);
  return PERIOD.test(asked) && (months.includes(asked) || years.includes(asked)) ? asked : (months[0] ?? '');
}

function periodSpec(period: string): { month: string } | { year: string } {
  return period.length === 4 ? { year: period } : { month: period };
}

function periodName(texts: Texts, period: string): string {
  return period.length === 4 ? texts.t.reports.statistics.year(period) : texts.month(period);
}

const isAdmin = (c: Ctx) => userOf(c).role === 'admin';

/** The reports' own menu. */
function Subnav(props: { texts: Texts; active: 'statistics' | 'deviations' | 'evaluation' }) {
  const r = props.texts.t.reports;
  const items = [
    ['statistics', '/rapporter', r.subnav.statistics],
    ['deviations', '/rapporter/avsteg', r.subnav.deviations],
    ['evaluation', '/rapporter/utvardering', r.subnav.evaluation],
  ] as const;
  return (
    <nav class="subnav" aria-label={r.subnavLabel}>
      <ul class="subnav__list">
        {items.map(([key, href, label]) => (
          <li>
            <a class="subnav__link" href={href} aria-current={props.active === key ? 'page' : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** The referrals sent and received in each month of `year` up to now, as the monthly statistics publish them. */
async function monthlyReferrals(deps: ConsoleDeps, texts: Texts, year: string) {
  const { months } = periods(deps);
  const groups = [];
  for (const month of [...months].reverse().filter((m) => m.startsWith(year))) {
    const s = await deps.client.statistics({ month });
    const total = (id: string) => s.tables.find((t) => t.id === id)?.total ?? 0;
    groups.push({
      label: texts.month(month).slice(0, 3),
      name: texts.month(month),
      values: [total('referrals-sent'), total('referrals-received')],
    });
  }
  return groups;
}

async function StatisticsPage(props: {
  c: Ctx;
  deps: ConsoleDeps;
  period: string;
  report: StatisticsReport;
}) {
  const { c, deps, period, report } = props;
  const texts = c.get('texts');
  const { t } = texts;
  const s = t.reports.statistics;
  const { months, years } = periods(deps);
  const year = period.slice(0, 4);
  const names = namesOf(deps.client.directory.agreement.terms);
  const query = `period=${encodeURIComponent(period)}`;
  return (
    <>
      <h1 class="heading-l">{s.title}</h1>
      <Subnav texts={texts} active="statistics" />
      <p class="body lead">{s.lead}</p>
      <form method="get" action="/rapporter" novalidate class="no-print">
        <Select
          name="period"
          label={s.period}
          hint={s.periodHint}
          value={period}
          choices={[
            ...months.map((m) => ({ value: m, label: s.month(texts.month(m)) })),
            ...years.map((y) => ({ value: y, label: s.year(y) })),
          ]}
          errorPrefix={t.errorPrefix}
        />
        <Button secondary>{s.show}</Button>
      </form>
      <h2 class="heading-m">{s.heading(periodName(texts, period))}</h2>
      <BarChart
        texts={texts}
        id="referrals-chart"
        title={s.chartTitle(year)}
        description={s.chartDesc(year)}
        caption={s.chartTable(year)}
        series={[s.sent, s.received]}
        groups={await monthlyReferrals(deps, texts, year)}
        threshold={report.threshold}
      />
      <Legend texts={texts} threshold={report.threshold} />
      <StatisticsTables texts={texts} names={names} report={report} />
      <ul class="list no-print">
        <li>
          <a href={`/rapporter/statistik.csv?${query}`} download>
            {s.downloadCsv}
          </a>
        </li>
        <li>
          <a href={`/rapporter/statistik.json?${query}`} download>
            {s.downloadJson}
          </a>
        </li>
      </ul>
    </>
  );
}

async function DeviationsPage(props: { c: Ctx; deps: ConsoleDeps; entries: DeviationEntry[] }) {
  const { c, deps, entries } = props;
  const texts = c.get('texts');
  const { t } = texts;
  const d = t.reports.deviations;
  const user = userOf(c);
  const assignments = await deps.db.assignments();
  return (
    <>
      <h1 class="heading-l">{d.title}</h1>
      <Subnav texts={texts} active="deviations" />
      <p class="body lead">{d.lead}</p>
      {entries.length === 0 ? (
        <p class="body">{d.none}</p>
      ) : (
        <table class="table">
          <caption class="caption-table">{d.caption}</caption>
          <thead>
            <tr>
              <th scope="col" class="numeric">
                {d.number}
              </th>
              <th scope="col">{d.date}</th>
              <th scope="col">{d.rule}</th>
              <th scope="col">{d.reason}</th>
              <th scope="col">{d.decidedBy}</th>
              <th scope="col">{d.caseCol}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr>
                <td class="numeric">{e.number}</td>
                <td>{texts.date(e.on)}</td>
                <td>
                  {t.ruleNames[e.rule]}
                  {e.guideline === null ? null : (
                    <>
                      : <W>{e.guideline}</W>
                    </>
                  )}
                </td>
                <td>{t.deviationReasons[e.reason]}</td>
                <td>
                  <W>
                    {e.decidedBy.name}, {e.decidedBy.role}
                  </W>
                </td>
                <td>
                  {canSee(user, assignments.get(e.caseId)) ? (
                    <a href={`/arenden/${e.caseId}`}>{t.case.title(shortId(e.caseId))}</a>
                  ) : (
                    d.notVisible
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ul class="list">
        <li>
          <a href="/rapporter/avsteg.csv" download>
            {d.downloadCsv}
          </a>
        </li>
        <li>
          <a href="/rapporter/avsteg.json" download>
            {d.downloadJson}
          </a>
        </li>
      </ul>
    </>
  );
}

async function EvaluationPage(props: { c: Ctx; deps: ConsoleDeps; errors: FieldError[] }) {
  const { c, deps } = props;
  const texts = c.get('texts');
  const { t } = texts;
  const e = t.reports.evaluation;
  const report = await deps.client.evaluationReport();
  const lead = userOf(c).role === 'lead';
  return (
    <>
      <h1 class="heading-l">{e.title}</h1>
      <Subnav texts={texts} active="evaluation" />
      <ErrorSummary title={t.errorSummaryTitle} errors={props.errors} />
      <p class="body lead no-print">{e.lead}</p>
      <p class="body no-print">
        {e.printHint} <a href="/rapporter/utvardering/utskrift">{e.printable}</a>
      </p>
      {lead ? (
        <PostForm action="/rapporter/utvardering" csrf={c.get('csrf')} class="no-print" id="send-figures">
          <p class="body">{e.sendLead}</p>
          <Button>{e.send}</Button>
        </PostForm>
      ) : null}
      <EvaluationBody
        texts={texts}
        report={report}
        generatedAt={deps.now()}
        deviceName={(kid) => deps.client.directory.device(kid)?.name}
      />
    </>
  );
}

/** The reports' pages. */
export function reportRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();

  app.get('/rapporter', async (c) => {
    if (isAdmin(c)) return forbidden(c, deps);
    const period = chosenPeriod(c, deps);
    const report = await deps.client.statistics(periodSpec(period));
    await logAccess(c, deps, 'report.statistics');
    return page(c, deps, {
      title: c.get('texts').t.reports.statistics.title,
      active: 'reports',
      children: await StatisticsPage({ c, deps, period, report }),
    });
  });

  const statisticsFile = (ext: 'csv' | 'json') => async (c: Ctx) => {
    if (isAdmin(c)) return forbidden(c, deps);
    const period = chosenPeriod(c, deps);
    const report = await deps.client.statistics(periodSpec(period));
    await logAccess(c, deps, 'report.statistics.export');
    const name = `statistik-${deps.client.unit}-${period}`;
    return ext === 'csv'
      ? c.body(statisticsCsv(report), 200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="${name}.csv"`,
        })
      : c.body(`${JSON.stringify(report, null, 2)}\n`, 200, {
          'content-type': 'application/json; charset=utf-8',
          'content-disposition': `attachment; filename="${name}.json"`,
        });
  };
  app.get('/rapporter/statistik.csv', statisticsFile('csv'));
  app.get('/rapporter/statistik.json', statisticsFile('json'));

  app.get('/rapporter/avsteg', async (c) => {
    if (isAdmin(c)) return forbidden(c, deps);
    const entries = await deps.client.deviationRegister();
    await logAccess(c, deps, 'report.deviations');
    return page(c, deps, {
      title: c.get('texts').t.reports.deviations.title,
      active: 'reports',
      children: await DeviationsPage({ c, deps, entries }),
    });
  });

  const registerFile = (ext: 'csv' | 'json') => async (c: Ctx) => {
    if (isAdmin(c)) return forbidden(c, deps);
    const register = exportDeviationRegister(deps.client.unit, await deps.client.deviationRegister());
    await logAccess(c, deps, 'report.deviations.export');
    const name = `avstegsregister-${deps.client.unit}`;
    return ext === 'csv'
      ? c.body(deviationRegisterCsv(register), 200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="${name}.csv"`,
        })
      : c.body(`${JSON.stringify(register, null, 2)}\n`, 200, {
          'content-type': 'application/json; charset=utf-8',
          'content-disposition': `attachment; filename="${name}.json"`,
        });
  };
  app.get('/rapporter/avsteg.csv', registerFile('csv'));
  app.get('/rapporter/avsteg.json', registerFile('json'));

  app.get('/rapporter/utvardering', async (c) => {
    if (isAdmin(c)) return forbidden(c, deps);
    await logAccess(c, deps, 'report.evaluation');
    return page(c, deps, {
      title: c.get('texts').t.reports.evaluation.title,
      active: 'reports',
      children: await EvaluationPage({ c, deps, errors: [] }),
    });
  });

  app.get('/rapporter/utvardering/utskrift', async (c) => {
    if (isAdmin(c)) return forbidden(c, deps);
    await logAccess(c, deps, 'report.evaluation');
    const report = await deps.client.evaluationReport();
    return c.html(
      renderEvaluationReport(report, {
        lang: c.get('texts').lang,
        generatedAt: deps.now(),
        stylesheet: 'link',
        deviceName: (kid) => deps.client.directory.device(kid)?.name,
      }),
    );
  });

  app.post('/rapporter/utvardering', async (c) => {
    if (userOf(c).role !== 'lead') return forbidden(c, deps);
    const texts = c.get('texts');
    try {
      await deps.runner.syncSoon();
      await deps.client.sendFigures();
      await logAccess(c, deps, 'report.figures.send');
      await flash(c, deps, texts.t.reports.evaluation.sent);
      void deps.runner.syncSoon();
      deps.live.publish('update');
      return c.redirect('/rapporter/utvardering', 303);
    } catch (err) {
      return page(c, deps, {
        title: texts.t.reports.evaluation.title,
        active: 'reports',
        status: 422,
        children: await EvaluationPage({
          c,
          deps,
          errors: [refusal(err, texts, { fallback: 'send-figures' })],
        }),
      });
    }
  });

  return app;
}
