/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Översikt: what needs action, for the signed-in user's cases. New referrals awaiting a decision (and
 * how long they have waited), decisions overdue, plans to send or awaited, follow-ups due, urgent child
 * notices to answer, consents running out, reconciliations to propose, review or wait for, cases to purge
 * (for the unit lead), and alerts to review, the deadlines being the SDK's reminders (PROTOCOL.md §22);
 * then every case the user may see. The lists refresh without a reload when the device learns something (the page's script and
 * `/handelser`).
 */
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { type CaseView, directoryResolver, verifyReconciliation } from '../../index.js';
import { unitName, visibleCases } from '../_cases.js';
import type { ConsoleDeps, ConsoleEnv, Ctx } from '../_context.js';
import { userOf } from '../_context.js';
import type { Texts } from '../_i18n/index.js';
import { page } from '../_page.js';
import { Tag, W } from '../_views/components.js';
import { shortId, statusTone } from './case.js';

interface Item {
  caseId?: string;
  href: string;
  text: Child;
  detail?: string;
}

interface Todo {
  newReferrals: Item[];
  decisionsOverdue: Item[];
  plansDue: Item[];
  plansAwaited: Item[];
  followUpsDue: Item[];
  childNotices: Item[];
  consentsExpiring: Item[];
  reconciliations: Item[];
  alerts: number;
  /** Cases whose retention has run out (shown to unit leads). */
  toPurge: number;
}

/**
 * What needs doing: the SDK's reminders (PROTOCOL.md §22: decisions overdue, follow-ups, urgent child
 * notices, consents running out, reconciliations due, cases to purge) for the cases the user may see,
 * with the steps the workflow waits for (a decision, a plan) and the reconciliations proposed.
 */
async function todo(deps: ConsoleDeps, texts: Texts, cases: CaseView[]): Promise<Todo> {
  const { t } = texts;
  const { client } = deps;
  const unit = client.unit;
  const now = deps.now();
  const out: Todo = {
    newReferrals: [],
    decisionsOverdue: [],
    plansDue: [],
    plansAwaited: [],
    followUpsDue: [],
    childNotices: [],
    consentsExpiring: [],
    reconciliations: [],
    alerts: (await deps.db.listAlerts({ open: true })).length,
    toPurge: 0,
  };
  const visible = new Map(cases.map((v) => [v.caseId, v]));
  const label = (s: CaseView['state']) => (
    <>
      {t.case.title(shortId(s.caseId))}, <W>{unitName(client, s.home === unit ? s.receiving : s.home)}</W>
    </>
  );
  for (const view of cases) {
    const s = view.state;
    const side = s.home === unit ? 'home' : 'receiving';
    const href = `/arenden/${s.caseId}`;
    if (side === 'receiving' && s.status === 'referred') {
      out.newReferrals.push({
        caseId: s.caseId,
        href,
        text: label(s),
        detail: t.overview.waited(texts.duration(now.getTime() - s.referredAt * 1000)),
      });
    }
    if (s.status === 'accepted')
      (side === 'home' ? out.plansDue : out.plansAwaited).push({ href, text: label(s) });
  }
  for (const r of await client.reminders()) {
    if (r.kind === 'retention') {
      out.toPurge++;
      continue;
    }
    if (r.kind === 'reconciliation') continue;
    const view = r.caseId ? visible.get(r.caseId) : undefined;
    if (!view) continue;
    const item = (detail: string) => ({
      caseId: view.caseId,
      href: `/arenden/${view.caseId}`,
      text: label(view.state),
      detail,
    });
    const due = texts.date(r.dueOn);
    const other = unitName(client, r.counterpart);
    if (r.kind === 'decision') {
      out.decisionsOverdue.push(
        item(r.actor === 'us' ? t.overview.decisionOverdue(due) : t.overview.decisionAwaited(other, due)),
      );
    } else if (r.kind === 'follow-up') {
      out.followUpsDue.push(
        item(
          `${t.overview.followUpDueOn(due)}; ${r.actor === 'us' ? t.overview.followUpLeads : t.overview.followUpTakesPart}`,
        ),
      );
    } else if (r.kind === 'child-notice') {
      out.childNotices.push(
        item(
          r.actor === 'them'
            ? t.overview.childNoticeUnanswered(other, due)
            : r.overdue
              ? t.overview.childNoticeAnswerOverdue(due)
              : t.overview.childNoticeAnswer(due),
        ),
      );
    } else if (r.kind === 'consent-expiry') {
      out.consentsExpiring.push(
        item(r.overdue ? t.overview.consentExpired(due) : t.overview.consentExpires(due)),
      );
    }
  }
  // Reconciliations: proposals to review, proposals awaiting the other unit, and periods not done.
  const resolve = directoryResolver(client.directory);
  const all = await client.reconciliations();
  for (const r of all.filter((x) => !x.complete)) {
    const other = r.units.find((u) => u !== unit) ?? '';
    let signedBy: string[] = [];
    try {
      signedBy = verifyReconciliation(r.document, resolve).signedBy;
    } catch {
      continue;
    }
    const href = `/avstamning/granska?med=${encodeURIComponent(other)}&period=${encodeURIComponent(r.label)}`;
    out.reconciliations.push({
      href,
      text: signedBy.includes(unit) ? (
        <W>{t.overview.reconAwaiting(r.label, unitName(client, other))}</W>
      ) : (
        <W>{t.overview.reconToReview(r.label, unitName(client, other))}</W>
      ),
    });
  }
  for (const r of await client.reminders()) {
    if (r.kind !== 'reconciliation' || !r.period) continue;
    const pair = [unit, r.counterpart].sort().join(' ');
    if (all.some((x) => x.label === r.period && [...x.units].sort().join(' ') === pair)) continue;
    out.reconciliations.push({
      href: `/avstamning/granska?med=${encodeURIComponent(r.counterpart)}&period=${encodeURIComponent(r.period)}`,
      text: <W>{t.overview.reconDue(r.period, unitName(client, r.counterpart))}</W>,
    });
  }
  return out;
}

function ItemList(props: { heading: string; items: Item[]; id: string }) {
  if (props.items.length === 0) return null;
  return (
    <section class="todo" aria-labelledby={props.id}>
      <h3 class="heading-s" id={props.id}>
        {props.heading} <span class="count">({props.items.length})</span>
      </h3>
      <ul class="list todo__list">
        {props.items.map((i) => (
          <li>
            <a href={i.href}>{i.text}</a>
            {i.detail ? <span class="todo__detail">, {i.detail}</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function CaseTable(props: {
  cases: CaseView[];
  texts: Texts;
  deps: ConsoleDeps;
  assignments: Map<string, string[]>;
}) {
  const { t } = props.texts;
  const { client } = props.deps;
  if (props.cases.length === 0) return <p class="body">{t.overview.noCases}</p>;
  return (
    <table class="table">
      <caption class="visually-hidden">{t.overview.cases}</caption>
      <thead>
        <tr>
          <th scope="col">{t.overview.caseCol}</th>
          <th scope="col">{t.overview.directionCol}</th>
          <th scope="col">{t.overview.counterpartCol}</th>
          <th scope="col">{t.overview.statusCol}</th>
          <th scope="col">{t.overview.changedCol}</th>
        </tr>
      </thead>
      <tbody>
        {props.cases.map((v) => {
          const home = v.state.home === client.unit;
          return (
            <tr>
              <td>
                <a href={`/arenden/${v.caseId}`}>{t.case.title(shortId(v.caseId))}</a>
                {props.assignments.has(v.caseId) ? null : (
                  <span class="hint"> ({t.overview.unassigned})</span>
                )}
              </td>
              <td>{home ? t.overview.outgoing : t.overview.incoming}</td>
              <td>
                <W>{unitName(client, home ? v.state.receiving : v.state.home)}</W>
              </td>
              <td>
                <Tag tone={statusTone(v.status)}>{t.status[v.status]}</Tag>
              </td>
              <td>{props.texts.dateTime(v.state.lastActivity)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

async function Overview(props: { c: Ctx; deps: ConsoleDeps }) {
  const { c, deps } = props;
  const texts = c.get('texts');
  const { t } = texts;
  const user = userOf(c);
  const cases = await visibleCases(deps, user);
  const items = await todo(deps, texts, cases);
  const lists: [string, Item[], string][] = [
    [t.overview.newReferrals, items.newReferrals, 'nya-uppdrag'],
    [t.overview.childNotices, items.childNotices, 'barnanmalningar'],
    [t.overview.decisionsOverdue, items.decisionsOverdue, 'beslut-forsenade'],
    [t.overview.plansDue, items.plansDue, 'planer'],
    [t.overview.followUpsDue, items.followUpsDue, 'uppfoljningar'],
    [t.overview.consentsExpiring, items.consentsExpiring, 'samtycken'],
    [t.overview.reconciliations, items.reconciliations, 'avstamningar'],
    [t.overview.plansAwaited, items.plansAwaited, 'vantar-plan'],
  ];
  const purge = user.role === 'lead' && items.toPurge > 0;
  const empty = lists.every(([, l]) => l.length === 0) && items.alerts === 0 && !purge;
  return (
    <>
      <h1 class="heading-l">{t.overview.title}</h1>
      <div data-live id="overview-todo">
        <h2 class="heading-m">{t.overview.todo}</h2>
        {user.role === 'admin' ? <p class="body">{t.overview.adminNote}</p> : null}
        {items.alerts > 0 ? (
          <section class="todo todo--alert" aria-labelledby="larm">
            <h3 class="heading-s" id="larm">
              {t.overview.alerts}
            </h3>
            <p class="body">
              <a href="/enhet#larm">{t.overview.alertsLink(items.alerts)}</a>
            </p>
          </section>
        ) : null}
        {user.role === 'admin' ? null : lists.map(([h, l, id]) => <ItemList heading={h} items={l} id={id} />)}
        {purge ? (
          <section class="todo" aria-labelledby="gallring">
            <h3 class="heading-s" id="gallring">
              {t.overview.retention}
            </h3>
            <p class="body">{t.overview.retentionText(items.toPurge)}</p>
          </section>
        ) : null}
        {empty ? <p class="body">{t.overview.nothing}</p> : null}
      </div>
      {user.role === 'admin' ? null : (
        <section aria-labelledby="arenden" data-live id="overview-cases">
          <h2 class="heading-m" id="arenden">
            {t.overview.cases}
          </h2>
          <CaseTable cases={cases} texts={texts} deps={deps} assignments={await deps.db.assignments()} />
        </section>
      )}
    </>
  );
}

/** The overview page. */
export function overviewRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.get('/', async (c) =>
    page(c, deps, {
      title: c.get('texts').t.overview.title,
      active: 'overview',
      live: true,
      children: await Overview({ c, deps }),
    }),
  );
  return app;
}
