/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The page that shows every answer of a new referral, each with a link to change it, before it is sent. */
import type { Child } from 'hono/jsx';
import { preconditionTerms } from '../../index.js';
import { serviceName, unitName } from '../_cases.js';
import { fieldValue, fieldValues, SummaryList, W } from '../_views/components.js';
import { affiliationRow } from './affiliation.js';
import { type DeviationStep, deviates, stepDeviable } from './deviations.js';
import {
  approvalRequired,
  type Env,
  municipalityName,
  policeMunicipalities,
  type StepId,
  stepTitle,
} from './questions.js';

/** The check page's rows: every answer, with a link to change it. */
export function CheckAnswers(props: { e: Env }) {
  const { e } = props;
  const { t } = e.texts;
  const texts = e.texts;
  const v = (n: string) => fieldValue(e.draft.values, n);
  const w = (x: string) => (x ? <W>{x}</W> : t.none);
  const yn = (x: string) => (x === 'yes' ? t.yes : x === 'no' ? t.no : t.none);
  // The page's deviations (avsteg), each a row: the rule, the reason, who decided and when, and why.
  const deviationRows = (step: DeviationStep) =>
    stepDeviable(e.agreement.terms, step)
      .filter((rule) => deviates(e.draft.values, rule))
      .map(
        (rule) =>
          [
            t.referralDeviation.row(t.ruleNames[rule]),
            <>
              {t.deviationReasons[v(`dv-${rule}-reason`) as 'other'] ?? t.none},{' '}
              {texts.date(v(`dv-${rule}-date`))}, {w(v(`dv-${rule}-by`))} ({w(v(`dv-${rule}-role`))}):{' '}
              {w(v(`dv-${rule}-description`))}
            </>,
          ] as [string, Child],
      );
  const sections: [StepId, [string, Child][]][] = [
    [
      'mottagare',
      [
        [t.refer.to, w(unitName(e.deps.client, v('to')))],
        [t.refer.category, t.categories[v('category') as 'avhoppare'] ?? t.none],
        [t.refer.threatLevel, t.threatLevels[v('threatLevel') as 'low'] ?? t.none],
      ],
    ],
    [
      'person',
      [
        [t.refer.name, w(v('name'))],
        [t.refer.pin, w(v('pin'))],
        [t.refer.dob, texts.date(v('dob'))],
      ],
    ],
    [
      'insatser',
      [
        [
          t.refer.services,
          <ul class="list">
            {fieldValues(e.draft.values, 'svc').map((c) => (
              <li>{w(serviceName(e.deps.client, c))}</li>
            ))}
          </ul>,
        ],
      ],
    ],
    [
      'samrad',
      [
        ...(preconditionTerms(e.agreement.terms).policeConsultation ? policeMunicipalities(e) : []).map(
          (m, i) =>
            [
              t.refer.policeIn(municipalityName(e, m)),
              <>
                {texts.date(v(`p${i + 1}-date`))}, {w(v(`p${i + 1}-officer`))} ({w(v(`p${i + 1}-role`))}),{' '}
                {w(v(`p${i + 1}-reference`))}: {w(v(`p${i + 1}-outcome`))}
              </>,
            ] as [string, Child],
        ),
        ...(approvalRequired(e) ? policeMunicipalities(e) : []).map(
          (m, i) =>
            [
              t.refer.approvalIn(municipalityName(e, m)),
              <>
                {yn(v(`a${i + 1}-approved`))}, {texts.date(v(`a${i + 1}-date`))}, {w(v(`a${i + 1}-officer`))}{' '}
                ({w(v(`a${i + 1}-role`))}), {w(v(`a${i + 1}-reference`))}
              </>,
            ] as [string, Child],
        ),
        ...deviationRows('samrad'),
      ],
    ],
    [
      'bedomning',
      [
        [t.refer.criminalEnvironment, yn(v('environment'))],
        [t.refer.threat, t.threatKinds[v('threat') as 'latent'] ?? t.none],
        [t.refer.motivated, yn(v('motivation'))],
        [t.refer.suspected, yn(v('suspected'))],
        [
          t.case.assessedBy,
          <>
            {w(v('assessedBy'))} ({w(v('assessedByRole'))}), {texts.date(v('assessedOn'))}
          </>,
        ],
        [
          t.case.assessment,
          <div class="prewrap" dir="auto">
            {v('assessment')}
          </div>,
        ],
        [
          t.case.responsibleForChildren,
          <>
            {yn(v('responsible'))}, {texts.date(v('checkedOn'))}
          </>,
        ],
        [
          t.case.arrangedByHome,
          <>
            {yn(v('housing'))}, {texts.date(v('housingFrom'))}
          </>,
        ],
        [t.case.address, w(v('address'))],
        ...deviationRows('bedomning'),
        affiliationRow(e, e.draft.values),
      ],
    ],
    [
      'kontakter',
      ['c1', 'c2']
        .filter((p) => v(`${p}-name`))
        .map(
          (p, i) =>
            [
              t.forms.legend.contact(i + 1),
              <>
                {w(v(`${p}-name`))}, {w(v(`${p}-role`))}
                {v(`${p}-phone`) ? <>, {w(v(`${p}-phone`))}</> : null}
                {v(`${p}-email`) ? <>, {w(v(`${p}-email`))}</> : null}
              </>,
            ] as [string, Child],
        ),
    ],
    [
      'samtycke',
      [
        [t.case.consentForm, v('consent-form') === 'oral' ? t.consentForms.oral : t.consentForms.written],
        ...(v('consent-form') === 'oral'
          ? ([
              [t.case.givenOn, texts.date(v('givenOn'))],
              [
                t.case.witness,
                <>
                  {w(v('witnessName'))}, {w(v('witnessRole'))}
                </>,
              ],
              [t.case.documentation, w(v('documentation'))],
            ] as [string, Child][])
          : ([
              [t.case.signedOn, texts.date(v('signedOn'))],
              [t.case.documentHash, <code class="code">{w(v('documentSha256'))}</code>],
            ] as [string, Child][])),
        [t.case.validFrom, texts.date(v('validFrom'))],
        [t.case.validUntil, v('validUntil') ? texts.date(v('validUntil')) : t.untilFurther],
        [t.case.note, w(v('note'))],
      ],
    ],
  ];
  return (
    <>
      {sections.map(([id, rows]) => (
        <>
          <h2 class="heading-m">{stepTitle(t, id)}</h2>
          <SummaryList
            rows={rows}
            actions={rows.map((r) => (
              <a href={`/nytt-uppdrag/${id}?andra=1`}>
                {t.change}
                <span class="visually-hidden"> {r[0]}</span>
              </a>
            ))}
          />
        </>
      ))}
    </>
  );
}
