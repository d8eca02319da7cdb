/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Översikt: what needs action, for the signed-in user's cases. New referrals awaiting a decision (and
 * how long they have waited), plans to send or awaited, monthly follow-ups due, urgent child notices,
 * reconciliations to propose, review or wait for, and alerts to review; then every case the user may
 * see. The lists refresh without a reload when the device learns something (the page's script and
 * `/handelser`).
 */
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import {
  type CaseView,
  computeReconciliation,
  directoryResolver,
  verifyReconciliation,
} from '../../index.js';
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
  plansDue: Item[];
  plansAwaited: Item[];
  followUpsDue: Item[];
  childNotices: Item[];
  reconciliations: Item[];
  alerts: number;
}

function addMonth(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 10);
}

/** The half-year label a month belongs to (2026-03 → 2026-H1). */
function halfYearOf(month: string): string {
  return `${month.slice(0, 4)}-H${Number(month.slice(5, 7)) <= 6 ? 1 : 2}`;
}

function halfYearEnd(label: string): string {
  return label.endsWith('H1') ? `${label.slice(0, 4)}-06-30` : `${label.slice(0, 4)}-12-31`;
}

async function todo(deps: ConsoleDeps, texts: Texts, cases: CaseView[]): Promise<Todo> {
  const { t } = texts;
  const { client } = deps;
  const unit = client.unit;
  const now = deps.now();
  const today = now.toISOString().slice(0, 10);
  const out: Todo = {
    newReferrals: [],
    plansDue: [],
    plansAwaited: [],
    followUpsDue: [],
    childNotices: [],
    reconciliations: [],
    alerts: (await deps.db.listAlerts({ open: true })).length,
  };
  for (const view of cases) {
    const s = view.state;
    const side = s.home === unit ? 'home' : 'receiving';
    const other = side === 'home' ? s.receiving : s.home;
    const href = `/arenden/${s.caseId}`;
    const label = (
      <>
        {t.case.title(shortId(s.caseId))}, <W>{unitName(client, other)}</W>
      </>
    );
    if (side === 'receiving' && s.status === 'referred') {
      out.newReferrals.push({
        caseId: s.caseId,
        href,
        text: label,
        detail: t.overview.waited(texts.duration(now.getTime() - s.referredAt * 1000)),
      });
    }
    if (s.status === 'accepted')
      (side === 'home' ? out.plansDue : out.plansAwaited).push({ href, text: label });
    if (s.status === 'active' || s.status === 'accepted' || s.status === 'referred') {
      const log = await client.caseLog(s.caseId);
      if (s.status === 'active') {
        const dates = log
          .filter((e) => e.type === 'follow-up' && e.status === 'applied')
          .map((e) => (e.body as { date: string }).date);
        const last = [...dates, s.plan?.decidedOn ?? today].sort().at(-1)!;
        if (addMonth(last) <= today) {
          out.followUpsDue.push({ href, text: label, detail: t.overview.followUpDue(texts.date(last)) });
        }
      }
      for (const e of log) {
        if (e.type !== 'child-notice' || e.from.unit === unit) continue;
        if (now.getTime() - Date.parse(e.sentAt) > 30 * 86_400_000) continue;
        out.childNotices.push({
          href,
          text: label,
          detail: t.overview.childNoticeAt(texts.dateTime(e.sentAt)),
        });
      }
    }
  }
  // Reconciliations: proposals to review, proposals awaiting the other unit, and half-years not done.
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
  const records = (await client.listCases()).map((v) => ({
    caseId: v.caseId,
    home: v.state.home,
    receiving: v.state.receiving,
    lines: v.state.costs,
  }));
  const pending = new Set<string>();
  for (const rec of records) {
    const other = rec.home === unit ? rec.receiving : rec.receiving === unit ? rec.home : null;
    if (!other) continue;
    for (const l of rec.lines) {
      const label = halfYearOf(l.month);
      if (halfYearEnd(label) < today) pending.add(`${other} ${label}`);
    }
  }
  for (const key of [...pending].sort()) {
    const [other, label] = key.split(' ') as [string, string];
    const pair = [unit, other].sort().join(' ');
    if (all.some((r) => r.label === label && [...r.units].sort().join(' ') === pair)) continue;
    try {
      computeReconciliation({
        agreement: client.directory.agreement,
        units: [unit, other],
        label,
        cases: records,
        now,
      });
    } catch {
      continue;
    }
    out.reconciliations.push({
      href: `/avstamning/granska?med=${encodeURIComponent(other)}&period=${encodeURIComponent(label)}`,
      text: <W>{t.overview.reconDue(label, unitName(client, other))}</W>,
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
    [t.overview.plansDue, items.plansDue, 'planer'],
    [t.overview.followUpsDue, items.followUpsDue, 'uppfoljningar'],
    [t.overview.reconciliations, items.reconciliations, 'avstamningar'],
    [t.overview.plansAwaited, items.plansAwaited, 'vantar-plan'],
  ];
  const empty = lists.every(([, l]) => l.length === 0) && items.alerts === 0;
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
