/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The rival-group records of a case (PROTOCOL.md §14.6 (5)), on the case page: the person's group
 * affiliation as the referral states it, and the receiving unit's check of it with its result, who
 * checked and when. What the receiving unit knows about the groups in its area is not here: it never
 * leaves that unit (its own list is on the page "Kända grupper och konflikter").
 */
import type { Child } from 'hono/jsx';
import { type BryggaClient, rivalCheckOf } from '../../index.js';
import type { CaseData } from '../_cases.js';
import type { Texts } from '../_i18n/index.js';
import { SummaryList, Tag, W } from '../_views/components.js';

/** Who and when, as the records say it. */
function byOn(texts: Texts, who: { name: string; role: string }, on: string): string {
  return texts.t.receiving.by(`${who.name} (${who.role})`, on);
}

/** The section, when the case has the records or the receiving municipality's terms ask for them. */
export function RivalRecords(props: { data: CaseData; texts: Texts; client: BryggaClient }) {
  const { data, texts, client } = props;
  const { t } = texts;
  const r = t.rivals;
  const s = data.view.state;
  const a = data.referral?.affiliation ?? null;
  const c = s.rivalCheck;
  const required = rivalCheckOf(client.directory.agreement.terms, s.receivingMunicipality);
  if (a === null && c === null && !required) return null;
  const decision = data.log.find((e) => e.hash === c?.in);
  const reason = decision?.type === 'uptake-decision' ? decision.body.rivalCheck?.reason : null;
  const rows: [string, Child][] = [
    [
      r.affiliation,
      a === null ? (
        t.none
      ) : (
        <>
          {a.groups.length === 0 ? (
            r.noneKnown
          ) : (
            <ul class="list">
              {a.groups.map((g) => (
                <li>
                  <W>{g}</W>
                </li>
              ))}
            </ul>
          )}
          <div class="hint">
            <W>{byOn(texts, a.assessedBy, a.assessedOn)}</W>
          </div>
        </>
      ),
    ],
    [
      r.check,
      c === null ? (
        r.noCheck
      ) : (
        <>
          <Tag tone={c.result === 'no-conflict' ? 'green' : 'red'}>{r.results[c.result]}</Tag>
          {c.decision ? ` ${r.decisions[c.decision]}` : null} <W>{byOn(texts, c.checkedBy, c.checkedOn)}</W>
          {reason ? (
            <div class="hint">
              <W>{reason}</W>
            </div>
          ) : null}
        </>
      ),
    ],
  ];
  return (
    <section aria-labelledby="rivaler" data-live id="case-rivals">
      <h2 class="heading-l" id="rivaler">
        {r.recordsTitle}
      </h2>
      {required && s.status === 'referred' ? <p class="body">{r.checkNeeded}</p> : null}
      <SummaryList rows={rows} />
    </section>
  );
}
