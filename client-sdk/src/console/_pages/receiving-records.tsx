/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The receiving city's records of a case (PROTOCOL.md §14.6), each with who and when, and what is
 * still needed before the next step: the relocation pre-check of the acceptance, a special case's mark
 * with its assessing body's assessment (§14.6 (4)), and every version of the implementation plan with
 * the receiving unit's answer.
 */

import type { Child } from 'hono/jsx';
import {
  type BryggaClient,
  type CaseState,
  relocationNoticeOf,
  type SpecialCaseMark,
  specialCasesOf,
} from '../../index.js';
import { serviceName } from '../_cases.js';
import type { Texts } from '../_i18n/index.js';
import { SummaryList, Tag, W } from '../_views/components.js';

/**
 * What the case still needs from either unit under the receiving city's rules, in plain words;
 * `noticeBody` is the body the receiving municipality's terms name for the relocation notice, or null;
 * `specialBody` the body they name to assess special cases, or null.
 */
export function stillNeeded(
  s: CaseState,
  texts: Texts,
  noticeBody: string | null,
  specialBody: string | null = null,
): string[] {
  const { t } = texts;
  const needed: string[] = [];
  if (s.status === 'referred' && noticeBody !== null) needed.push(t.receiving.relocationNeeded(noticeBody));
  if (s.status === 'referred' && specialBody !== null) needed.push(t.specialCase.needed(specialBody));
  const current = s.planLog.at(-1);
  if (current && current.response === null) needed.push(t.receiving.planAwaitsAnswer(current.version));
  if (current?.response?.decision === 'changes')
    needed.push(t.receiving.planAwaitsVersion(current.version + 1));
  return needed;
}

/** The section of the case page. */
export function ReceivingRecords(props: { state: CaseState; texts: Texts; client: BryggaClient }) {
  const { state: s, texts, client } = props;
  const { t } = texts;
  const body = relocationNoticeOf(client.directory.agreement.terms, s.receivingMunicipality);
  const special = specialCasesOf(client.directory.agreement.terms, s.receivingMunicipality);
  const needed = stillNeeded(s, texts, body, special);
  const r = s.relocation;
  return (
    <section aria-labelledby="mottagande" data-live id="case-receiving">
      <h2 class="heading-l" id="mottagande">
        {t.receiving.title}
      </h2>
      {needed.length ? (
        <>
          <h3 class="heading-s">{t.receiving.stillNeeded}</h3>
          <ul class="list">
            {needed.map((n) => (
              <li>
                <W>{n}</W>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {r !== null || body !== null ? (
        <>
          <h3 class="heading-s">{t.receiving.relocation}</h3>
          {r === null ? (
            <p class="body">{t.receiving.noRelocation}</p>
          ) : (
            <SummaryList
              rows={[
                ...(r.notice
                  ? [
                      [
                        t.receiving.relocationNotice,
                        <W>
                          {`${r.notice.body}, ${t.receiving.reference(r.notice.reference)}, ${t.receiving.by(
                            `${r.notice.notifiedBy.name} (${r.notice.notifiedBy.role})`,
                            r.notice.notifiedOn,
                          )}`}
                        </W>,
                      ] as [string, Child],
                    ]
                  : []),
                [
                  t.receiving.relocationCheck,
                  <>
                    <Tag tone={r.check.result === 'cleared' ? 'green' : 'red'}>
                      {t.receiving.relocationResults[r.check.result]}
                    </Tag>{' '}
                    <W>
                      {t.receiving.by(
                        `${r.check.checkedBy.name} (${r.check.checkedBy.role})`,
                        r.check.checkedOn,
                      )}
                    </W>
                  </>,
                ],
              ]}
            />
          )}
        </>
      ) : null}
      <SpecialCaseRecord mark={s.special} texts={texts} />
      <h3 class="heading-s">{t.receiving.plans}</h3>
      {s.planLog.length === 0 ? (
        <p class="body">{t.receiving.noPlan}</p>
      ) : (
        s.planLog.map((v) => (
          <SummaryList
            rows={[
              [t.receiving.planVersion, `${v.version} (${texts.dateTime(v.at)})`],
              [t.receiving.planServices, <W>{v.services.map((c) => serviceName(client, c)).join(', ')}</W>],
              [
                t.receiving.planAnswer,
                v.response === null ? (
                  <Tag tone="yellow">{t.receiving.notAnswered}</Tag>
                ) : (
                  <>
                    <Tag tone={v.response.decision === 'agree' ? 'green' : 'red'}>
                      {t.receiving.decisions[v.response.decision]}
                    </Tag>{' '}
                    <W>
                      {t.receiving.by(
                        `${v.response.decidedBy.name} (${v.response.decidedBy.role})`,
                        v.response.date,
                      )}
                    </W>
                  </>
                ),
              ],
            ]}
          />
        ))
      )}
    </section>
  );
}

/** A special case's mark and its assessing body's assessment (PROTOCOL.md §14.6 (4)); nothing without one. */
export function SpecialCaseRecord(props: { mark: SpecialCaseMark | null; texts: Texts }) {
  const { mark, texts } = props;
  if (mark === null) return null;
  const { t } = texts;
  const a = mark.assessment;
  return (
    <>
      <h3 class="heading-s">{t.specialCase.title}</h3>
      <SummaryList
        rows={[
          [t.specialCase.title, <W>{t.specialCase.marked(mark.body)}</W>],
          [
            t.specialCase.assessment,
            a === null ? (
              <Tag tone="yellow">{t.specialCase.notAssessed}</Tag>
            ) : (
              <>
                <Tag tone={a.outcome === 'motivated' ? 'green' : 'red'}>
                  {t.specialCase.outcomes[a.outcome]}
                </Tag>{' '}
                <W>
                  {`${t.receiving.reference(a.reference)}, ${t.receiving.by(
                    `${a.assessedBy.name} (${a.assessedBy.role})`,
                    a.assessedOn,
                  )}`}
                </W>
              </>
            ),
          ],
        ]}
      />
    </>
  );
}
