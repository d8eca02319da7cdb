/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The receiving city's records of a case (PROTOCOL.md §14.6), each with who and when, and what is
 * still needed before the next step: every version of the implementation plan with the receiving
 * unit's answer.
 */
import type { BryggaClient, CaseState } from '../../index.js';
import { serviceName } from '../_cases.js';
import type { Texts } from '../_i18n/index.js';
import { SummaryList, Tag, W } from '../_views/components.js';

/** What the case still needs from either unit under the receiving city's rules, in plain words. */
export function stillNeeded(s: CaseState, texts: Texts): string[] {
  const { t } = texts;
  const needed: string[] = [];
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
  const needed = stillNeeded(s, texts);
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
