/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The joint evaluation report as a document (PROTOCOL.md §21.3): who signed which figures and that each
 * signature was checked, the cases handed over and taken in per municipality, costs and reconciliations,
 * outcomes, deviations, and every unit's statistics beside their sum. The same body is shown in the
 * console and printed (print.css, or the standalone document `brygga report evaluation` writes).
 */
import type { EvaluationReport, StatisticsReport } from '../../index.js';
import type { Texts } from '../_i18n/index.js';
import { W } from '../_views/components.js';
import { FigureTable, Legend, type Names, namesOf } from './figures.js';

const OUTCOME_TABLES = [
  'closures',
  'outcome-left-group',
  'outcome-no-new-suspected-crime',
  'outcome-own-housing',
  'outcome-self-sufficient',
];
const OTHER_TABLES = [
  'referrals-sent',
  'referrals-received',
  'decisions-on-sent',
  'decisions-on-received',
  'decision-days',
  'active',
  'services',
  'costs-paid',
  'costs-of-our-cases',
];

/** One table id across every unit's statistics and their sum. */
function AcrossUnits(props: { texts: Texts; names: Names; report: EvaluationReport; id: string }) {
  const { report, id } = props;
  const of = (s: StatisticsReport) => s.tables.find((t) => t.id === id);
  const columns = [
    ...report.units.map((u) => ({ label: u.name, table: of(u.statistics) })),
    ...(report.units.length > 1
      ? [
          {
            label: props.texts.t.reports.evaluation.allUnits,
            table: report.combined.find((t) => t.id === id),
          },
        ]
      : []),
  ];
  return <FigureTable texts={props.texts} names={props.names} id={id} columns={columns} />;
}

/** The report's body: everything between the document's heading and its end. */
export function EvaluationBody(props: {
  texts: Texts;
  report: EvaluationReport;
  generatedAt: Date;
  /** A device's name, by key id, when the directory knows it. */
  deviceName?: (kid: string) => string | undefined;
}) {
  const { texts, report } = props;
  const { t } = texts;
  const e = t.reports.evaluation;
  const names = namesOf(report.agreement);
  const a = report.agreement;
  return (
    <article class="evaluation">
      <h1 class="heading-l">{e.documentTitle}</h1>
      <dl class="summary-list">
        <div class="summary-list__row">
          <dt class="summary-list__key">{e.agreement}</dt>
          <dd class="summary-list__value">
            <W>{a.title}</W> ({a.id}, {t.agreement.sequence.toLowerCase()} {a.sequence})
          </dd>
        </div>
        <div class="summary-list__row">
          <dt class="summary-list__key">{e.period}</dt>
          <dd class="summary-list__value">
            {texts.date(a.period.from)} – {texts.date(a.period.to)}
          </dd>
        </div>
        <div class="summary-list__row">
          <dt class="summary-list__key">{t.agreement.digest}</dt>
          <dd class="summary-list__value">
            <code class="code">{a.digest}</code>
          </dd>
        </div>
      </dl>
      <p class="body">{e.generated(texts.dateTime(props.generatedAt))}</p>
      <div class={`evaluation__status ${report.complete ? 'evaluation__status--complete' : ''}`}>
        <p class="body">{report.complete ? e.complete : e.incomplete}</p>
        {report.missing.length > 0 ? (
          <p class="body">
            <W>{e.missing(report.missing.map((u) => names.unit(u)).join(', '))}</W>
          </p>
        ) : null}
        {report.refused.length > 0 ? <p class="body">{e.refused(report.refused.length)}</p> : null}
      </div>

      <section aria-labelledby="eval-signatures">
        <h2 class="heading-m" id="eval-signatures">
          {e.signatures}
        </h2>
        <table class="table">
          <caption class="caption-table">{e.signaturesCaption}</caption>
          <thead>
            <tr>
              <th scope="col">{e.unitCol}</th>
              <th scope="col">{e.municipalityCol}</th>
              <th scope="col">{e.signedAt}</th>
              <th scope="col">{e.signedBy}</th>
              <th scope="col">{e.verified}</th>
            </tr>
          </thead>
          <tbody>
            {report.signatures.map((s) => (
              <tr>
                <td>
                  <W>{names.unit(s.unit)}</W>
                </td>
                <td>
                  <W>{names.municipality(s.municipality)}</W>
                </td>
                <td>{texts.dateTime(s.signedAt)}</td>
                <td>
                  <W>{props.deviceName?.(s.device) ?? ''}</W>{' '}
                  <code class="code">{s.device.slice(0, 10)}</code>
                </td>
                <td>{e.yes}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="eval-quota">
        <h2 class="heading-m" id="eval-quota">
          {e.quota}
        </h2>
        <p class="body">{e.quotaLead}</p>
        <table class="table table--figures">
          <caption class="caption-table">{e.quotaCaption}</caption>
          <thead>
            <tr>
              <th scope="col">{e.municipalityCol}</th>
              <th scope="col" class="numeric">
                {e.quotaCol}
              </th>
              <th scope="col" class="numeric">
                {e.handedOver}
              </th>
              <th scope="col" class="numeric">
                {e.received}
              </th>
              <th scope="col" class="numeric">
                {e.balance}
              </th>
            </tr>
          </thead>
          <tbody>
            {report.quota.map((q) => (
              <tr>
                <th scope="row">
                  <W>{names.municipality(q.municipality)}</W>
                </th>
                <td class="numeric">
                  {texts.number(q.quota.outgoing)} / {texts.number(q.quota.incoming)}
                </td>
                <td class="numeric">{texts.number(q.handedOver)}</td>
                <td class="numeric">{texts.number(q.received)}</td>
                <td class="numeric">
                  {q.balance > 0 ? `+${texts.number(q.balance)}` : texts.number(q.balance)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {report.quotaBalanced === null ? null : (
          <p class="body">{report.quotaBalanced ? e.balanced : e.unbalanced}</p>
        )}
      </section>

      <section aria-labelledby="eval-costs">
        <h2 class="heading-m" id="eval-costs">
          {e.costs}
        </h2>
        <table class="table table--figures">
          <caption class="caption-table">{e.costsCaption}</caption>
          <thead>
            <tr>
              <th scope="col">{e.municipalityCol}</th>
              <th scope="col" class="numeric">
                {e.paidForOthers}
              </th>
              <th scope="col" class="numeric">
                {e.paidByOthers}
              </th>
              <th scope="col" class="numeric">
                {e.settlementsPaid}
              </th>
              <th scope="col" class="numeric">
                {e.settlementsReceived}
              </th>
              <th scope="col" class="numeric">
                {e.borne}
              </th>
            </tr>
          </thead>
          <tbody>
            {report.costs.map((c) => (
              <tr>
                <th scope="row">
                  <W>{names.municipality(c.municipality)}</W>
                </th>
                <td class="numeric">{texts.amount(c.paidForOthers)}</td>
                <td class="numeric">{texts.amount(c.paidByOthers)}</td>
                <td class="numeric">{texts.amount(c.settlementsPaid)}</td>
                <td class="numeric">{texts.amount(c.settlementsReceived)}</td>
                <td class="numeric">{texts.amount(c.borne)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {report.reconciliations.length === 0 ? (
          <p class="body">{e.noReconciliations}</p>
        ) : (
          <table class="table table--reconciliations">
            <caption class="caption-table">{e.reconciliationsCaption}</caption>
            <thead>
              <tr>
                <th scope="col">{e.periodCol}</th>
                <th scope="col">{e.pairCol}</th>
                <th scope="col">{t.reconciliation.summary}</th>
                <th scope="col">{e.settlementCol}</th>
                <th scope="col">{e.agreedCol}</th>
              </tr>
            </thead>
            <tbody>
              {report.reconciliations.map((r) => (
                <tr>
                  <td>{r.label}</td>
                  <td>
                    <W>{r.units.map((u) => names.unit(u.unit)).join(' – ')}</W>
                  </td>
                  <td>
                    {r.paid.map((p) => (
                      <span class="evaluation__line">
                        <W>
                          {t.reconciliation.paid(
                            names.municipality(p.municipality),
                            names.municipality(
                              r.paid.find((x) => x.municipality !== p.municipality)?.municipality ?? '',
                            ),
                          )}
                          : {texts.amount(p.amountSek)}
                        </W>
                      </span>
                    ))}
                  </td>
                  <td>
                    <W>
                      {r.settlement
                        ? t.reconciliation.settlementText(
                            names.municipality(r.settlement.from),
                            names.municipality(r.settlement.to),
                            texts.amount(r.settlement.amountSek),
                          )
                        : t.reconciliation.even}
                    </W>
                  </td>
                  <td>{r.consistent && r.reportedBy.length === 2 ? e.yes : e.no}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="eval-outcomes">
        <h2 class="heading-m" id="eval-outcomes">
          {e.outcomes}
        </h2>
        {OUTCOME_TABLES.map((id) => (
          <AcrossUnits texts={texts} names={names} report={report} id={id} />
        ))}
      </section>

      <section aria-labelledby="eval-deviations">
        <h2 class="heading-m" id="eval-deviations">
          {e.deviationsHeading}
        </h2>
        <AcrossUnits texts={texts} names={names} report={report} id="deviations" />
      </section>

      <section aria-labelledby="eval-statistics">
        <h2 class="heading-m" id="eval-statistics">
          {e.statistics}
        </h2>
        {OTHER_TABLES.map((id) => (
          <AcrossUnits texts={texts} names={names} report={report} id={id} />
        ))}
        <Legend texts={texts} threshold={report.threshold} />
      </section>
    </article>
  );
}
