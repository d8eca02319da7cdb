/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The six-monthly reconciliation of costs (avstämning, utjämning; PROTOCOL.md §16): the statements this
 * device holds, and for one half-year and one other unit this unit's own figures beside the other
 * unit's proposal, line by line, before proposing or countersigning. The figures shown for a proposal
 * are read from its signed payload, so what is shown is what was signed.
 */
import { Hono } from 'hono';
import {
  computeReconciliation,
  directoryResolver,
  RECONCILIATION_PERIOD_PATTERN,
  type ReconciliationStatement,
  reconciliationPeriodsBetween,
  reportingTerms,
  sameFigures,
  verifyReconciliation,
} from '../../index.js';
import { municipalityName, serviceName, unitName } from '../_cases.js';
import type { ConsoleDeps, ConsoleEnv, Ctx } from '../_context.js';
import { userOf } from '../_context.js';
import { refusal } from '../_form-reader.js';
import type { Texts } from '../_i18n/index.js';
import { forbidden, logAccess, page } from '../_page.js';
import { flash } from '../_session.js';
import { Banner, Button, ErrorSummary, type FieldError, PostForm, Select, W } from '../_views/components.js';
import { shortId } from './case.js';

/** The units of other municipalities. */
function counterparts(deps: ConsoleDeps): string[] {
  const a = deps.client.directory.agreement;
  const mine = a.municipalityOf(deps.client.unit)?.id;
  return a.terms.parties.filter((p) => p.municipality !== mine).map((p) => p.unit);
}

/** The reconciliation periods of the agreement's period up to today, newest first (PROTOCOL.md §5.3, §16). */
function periods(deps: ConsoleDeps): string[] {
  const agreement = deps.client.directory.agreement;
  const { from, to } = agreement.terms.period;
  const today = deps.now().toISOString().slice(0, 10);
  const last = [today, to].sort()[0]!;
  const months = reportingTerms(agreement).reconciliationIntervalMonths;
  return reconciliationPeriodsBetween(from, last, months).reverse();
}

/**
 * The figures of this unit beside the other unit's proposal (or alone, before one exists): what each
 * municipality paid, the settlement, then every cost line. A row where the two differ says so in words.
 */
function Figures(props: {
  ours: ReconciliationStatement;
  theirs?: ReconciliationStatement;
  otherName: string;
  texts: Texts;
  deps: ConsoleDeps;
}) {
  const { ours, theirs, texts, deps } = props;
  const { t } = texts;
  const { client } = deps;
  const [a, b] = ours.units;
  const other = (m: string) => (m === a?.municipality ? b?.municipality : a?.municipality) ?? '';
  // A difference whose settlement would be under the agreement's threshold is not evened out (§16).
  const threshold = reportingTerms(client.directory.agreement).notableDeviationSek;
  const belowThreshold = (s: ReconciliationStatement) =>
    Math.floor(Math.abs((s.paid[0]?.amountSek ?? 0) - (s.paid[1]?.amountSek ?? 0)) / 2) > 0;
  const settlement = (s: ReconciliationStatement) =>
    s.settlement
      ? t.reconciliation.settlementText(
          municipalityName(client, s.settlement.from),
          municipalityName(client, s.settlement.to),
          texts.amount(s.settlement.amountSek),
        )
      : belowThreshold(s)
        ? t.reconciliation.belowThreshold(texts.amount(threshold))
        : t.reconciliation.even;
  const rows: { label: string; ours: string; theirs?: string; text?: boolean }[] = [
    ...ours.paid.map((p) => ({
      label: t.reconciliation.paid(
        municipalityName(client, p.municipality),
        municipalityName(client, other(p.municipality)),
      ),
      ours: texts.amount(p.amountSek),
      ...(theirs
        ? { theirs: texts.amount(theirs.paid.find((x) => x.municipality === p.municipality)?.amountSek ?? 0) }
        : {}),
    })),
    {
      label: t.reconciliation.settlement,
      ours: settlement(ours),
      ...(theirs ? { theirs: settlement(theirs) } : {}),
      text: true,
    },
  ];
  const key = (l: ReconciliationStatement['lines'][number]) => `${l.case}|${l.service}|${l.month}`;
  const keys = [...new Set([...ours.lines, ...(theirs?.lines ?? [])].map(key))].sort();
  const amountOf = (s: ReconciliationStatement | undefined, k: string) =>
    s?.lines.find((l) => key(l) === k)?.amountSek;
  const shown = (n: number | undefined) => (n === undefined ? t.none : texts.amount(n));
  return (
    <>
      <table class="table table--compare">
        <caption class="caption-table">{t.reconciliation.summary}</caption>
        <colgroup>
          <col class="table__label-col" />
          <col />
          {theirs ? <col /> : null}
        </colgroup>
        <thead>
          <tr>
            <td />
            <th scope="col" class="numeric">
              {t.reconciliation.ours}
            </th>
            {theirs ? (
              <th scope="col" class="numeric">
                <W>{t.reconciliation.theirs(props.otherName)}</W>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <th scope="row">
                <W>{r.label}</W>
                {theirs && r.theirs !== r.ours ? (
                  <span class="differs"> ({t.reconciliation.differs})</span>
                ) : null}
              </th>
              <td class={r.text ? undefined : 'numeric'}>
                <W>{r.ours}</W>
              </td>
              {theirs ? (
                <td class={r.text ? undefined : 'numeric'}>
                  <W>{r.theirs}</W>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      <table class="table">
        <caption class="caption-table">{t.reconciliation.lines}</caption>
        <thead>
          <tr>
            <th scope="col">{t.overview.caseCol}</th>
            <th scope="col">{t.body.service}</th>
            <th scope="col">{t.body.month}</th>
            <th scope="col" class="numeric">
              {t.reconciliation.ours}
            </th>
            {theirs ? (
              <th scope="col" class="numeric">
                <W>{t.reconciliation.theirs(props.otherName)}</W>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => {
            const [caseId = '', service = '', month = ''] = k.split('|');
            const mine = amountOf(ours, k);
            const proposed = amountOf(theirs, k);
            return (
              <tr>
                <td>
                  {shortId(caseId)}
                  {theirs && mine !== proposed ? (
                    <span class="differs"> ({t.reconciliation.differs})</span>
                  ) : null}
                </td>
                <td>
                  <W>{serviceName(client, service)}</W>
                </td>
                <td>{texts.month(month)}</td>
                <td class="numeric">{shown(mine)}</td>
                {theirs ? <td class="numeric">{shown(proposed)}</td> : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

async function ListPage(props: { c: Ctx; deps: ConsoleDeps }) {
  const { c, deps } = props;
  const texts = c.get('texts');
  const { t } = texts;
  const { client } = deps;
  const months = reportingTerms(client.directory.agreement).reconciliationIntervalMonths;
  const resolve = directoryResolver(client.directory);
  const rows = (await client.reconciliations()).map((r) => {
    const other = r.units.find((u) => u !== client.unit) ?? '';
    let signedBy: string[] = [];
    try {
      signedBy = verifyReconciliation(r.document, resolve).signedBy;
    } catch {
      // Shown as awaiting both.
    }
    return { r, other, awaiting: r.units.filter((u) => !signedBy.includes(u)) };
  });
  rows.sort((x, y) => (x.r.label < y.r.label ? 1 : -1));
  return (
    <>
      <h1 class="heading-l">{t.reconciliation.title}</h1>
      <p class="body lead">{t.reconciliation.lead(months)}</p>
      <h2 class="heading-m">{t.reconciliation.list}</h2>
      {rows.length === 0 ? (
        <p class="body">{t.reconciliation.none}</p>
      ) : (
        <table class="table">
          <caption class="visually-hidden">{t.reconciliation.list}</caption>
          <thead>
            <tr>
              <th scope="col">{t.reconciliation.period(months)}</th>
              <th scope="col">{t.reconciliation.counterpart}</th>
              <th scope="col">{t.reconciliation.state}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ r, other, awaiting }) => (
              <tr>
                <td>
                  <a
                    href={`/avstamning/granska?med=${encodeURIComponent(other)}&period=${encodeURIComponent(r.label)}`}
                  >
                    {r.label}
                  </a>
                </td>
                <td>
                  <W>{unitName(client, other)}</W>
                </td>
                <td>
                  {r.complete ? (
                    t.reconciliation.complete
                  ) : (
                    <W>{t.reconciliation.awaiting(awaiting.map((u) => unitName(client, u)).join(', '))}</W>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2 class="heading-m">{t.reconciliation.start(months)}</h2>
      <form method="get" action="/avstamning/granska" novalidate>
        <Select
          name="med"
          label={t.reconciliation.with}
          choices={counterparts(deps).map((u) => ({ value: u, label: unitName(client, u) }))}
          errorPrefix={t.errorPrefix}
        />
        <Select
          name="period"
          label={t.reconciliation.label(months)}
          choices={periods(deps).map((h) => ({ value: h, label: h }))}
          errorPrefix={t.errorPrefix}
        />
        <Button secondary>{t.reconciliation.review}</Button>
      </form>
    </>
  );
}

async function ReviewPage(props: {
  c: Ctx;
  deps: ConsoleDeps;
  other: string;
  label: string;
  errors: FieldError[];
}) {
  const { c, deps, other, label } = props;
  const texts = c.get('texts');
  const { t } = texts;
  const { client } = deps;
  const records = (await client.listCases()).map((v) => ({
    caseId: v.caseId,
    home: v.state.home,
    receiving: v.state.receiving,
    lines: v.state.costs,
  }));
  const ours = computeReconciliation({
    agreement: client.directory.agreement,
    units: [client.unit, other],
    label,
    cases: records,
    now: deps.now(),
  });
  const pair = [client.unit, other].sort().join(' ');
  const held = (await client.reconciliations()).filter(
    (r) => r.label === label && [...r.units].sort().join(' ') === pair,
  );
  const resolve = directoryResolver(client.directory);
  const complete = held.find((r) => r.complete);
  const open = held.find((r) => !r.complete);
  const proposal = open ? verifyReconciliation(open.document, resolve) : undefined;
  const theirs = proposal && !proposal.signedBy.includes(client.unit) ? proposal : undefined;
  const agreed = complete ? verifyReconciliation(complete.document, resolve).statement : undefined;
  const otherName = unitName(client, other);
  return (
    <div>
      <ErrorSummary title={t.errorSummaryTitle} errors={props.errors} />
      <a class="back-link" href="/avstamning">
        {t.back}
      </a>
      <h1 class="heading-l">
        <W>{t.reconciliation.reviewTitle(label, otherName)}</W>
      </h1>
      {agreed ? <Banner tone="info">{t.reconciliation.agreed}</Banner> : null}
      {proposal?.signedBy.includes(client.unit) && !agreed ? (
        <Banner tone="info">{t.reconciliation.waitingForThem}</Banner>
      ) : null}
      {theirs && !agreed ? (
        <p class="body">
          <strong>
            {sameFigures(ours, theirs.statement) ? t.reconciliation.same : t.reconciliation.differ}
          </strong>
        </p>
      ) : null}
      <Figures
        ours={agreed ?? ours}
        theirs={agreed ? undefined : theirs?.statement}
        otherName={otherName}
        texts={texts}
        deps={deps}
      />
      {agreed || proposal?.signedBy.includes(client.unit) ? null : (
        <PostForm action="/avstamning" csrf={c.get('csrf')} id="sign">
          <input type="hidden" name="med" value={other} />
          <input type="hidden" name="period" value={label} />
          <Button>{theirs ? t.reconciliation.countersign : t.reconciliation.propose}</Button>
        </PostForm>
      )}
    </div>
  );
}

/** The reconciliation pages. */
export function reconciliationRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  const guard = (c: Ctx) => userOf(c).role === 'admin';

  app.get('/avstamning', async (c) => {
    if (guard(c)) return forbidden(c, deps);
    return page(c, deps, {
      title: c.get('texts').t.reconciliation.title,
      active: 'reconciliation',
      live: true,
      children: await ListPage({ c, deps }),
    });
  });

  app.get('/avstamning/granska', async (c) => {
    if (guard(c)) return forbidden(c, deps);
    const other = c.req.query('med') ?? '';
    const label = c.req.query('period') ?? '';
    if (!counterparts(deps).includes(other) || !RECONCILIATION_PERIOD_PATTERN.test(label))
      return c.redirect('/avstamning', 303);
    return page(c, deps, {
      title: c.get('texts').t.reconciliation.reviewTitle(label, other),
      active: 'reconciliation',
      children: await ReviewPage({ c, deps, other, label, errors: [] }),
    });
  });

  app.post('/avstamning', async (c) => {
    if (guard(c)) return forbidden(c, deps);
    const form = c.get('form');
    const other = typeof form.med === 'string' ? form.med : '';
    const label = typeof form.period === 'string' ? form.period : '';
    const { t } = c.get('texts');
    if (!counterparts(deps).includes(other) || !RECONCILIATION_PERIOD_PATTERN.test(label))
      return c.redirect('/avstamning', 303);
    try {
      await deps.runner.syncSoon();
      const view = await deps.client.reconcile(other, label);
      await logAccess(c, deps, 'reconciliation.sign');
      await flash(c, deps, view.complete ? t.reconciliation.countersigned : t.reconciliation.proposed);
      void deps.runner.syncSoon();
      deps.live.publish('update');
      return c.redirect(
        `/avstamning/granska?med=${encodeURIComponent(other)}&period=${encodeURIComponent(label)}`,
        303,
      );
    } catch (err) {
      const errors = [refusal(err, c.get('texts'), { fallback: 'sign' })];
      return page(c, deps, {
        title: t.reconciliation.reviewTitle(label, other),
        active: 'reconciliation',
        status: 422,
        children: await ReviewPage({ c, deps, other, label, errors }),
      });
    }
  });

  return app;
}
