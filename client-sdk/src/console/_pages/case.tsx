/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * One case (ärende): its status and parties, the next steps this unit may take, the whole referral, the
 * timeline of packets at both ends with their receipts, the quota it takes, its costs, the evidence
 * bundle, and who has access to it. Opening the page writes a line of the access log; the page's live
 * refreshes (which only re-read what is already open) do not.
 */
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { type CaseLogEntry, type CaseState, costTotals, decodeCompact, reportingTerms } from '../../index.js';
import {
  allowedSteps,
  type CaseData,
  canSee,
  loadCase,
  municipalityName,
  STEPS,
  type StepKey,
  serviceName,
  unitName,
} from '../_cases.js';
import type { ConsoleDeps, ConsoleEnv, Ctx } from '../_context.js';
import { userOf } from '../_context.js';
import type { Texts } from '../_i18n/index.js';
import { forbidden, logAccess, notFound, page } from '../_page.js';
import { Button, PostForm, Select, SummaryList, Tag, W } from '../_views/components.js';
import type { ConsoleUser } from '../console-database.js';
import { ConsentDetails, PacketBody, ReferralDetails } from './bodies.js';
import { ReceivingRecords } from './receiving-records.js';
import { RivalRecords } from './rival-records.js';

/** A case status's colour. */
export function statusTone(status: string): 'blue' | 'green' | 'grey' | 'red' | 'yellow' {
  switch (status) {
    case 'referred':
    case 'delivered':
      return 'yellow';
    case 'accepted':
    case 'active':
      return 'green';
    case 'declined':
      return 'red';
    default:
      return 'grey';
  }
}

/** A short form of a case id for headings (the full id is on the page too). */
export function shortId(caseId: string): string {
  return caseId.slice(0, 8);
}

function receiptTime(jws: string, texts: Texts): string {
  try {
    const claims = JSON.parse(new TextDecoder().decode(decodeCompact(jws).payloadBytes)) as { iat?: unknown };
    return typeof claims.iat === 'number' ? texts.dateTime(claims.iat) : '';
  } catch {
    return '';
  }
}

function TimelineEntry(props: { entry: CaseLogEntry; data: CaseData; deps: ConsoleDeps; texts: Texts }) {
  const { entry: e, data, deps, texts } = props;
  const { t } = texts;
  const { client } = deps;
  const mine = e.from.unit === client.unit;
  const receipts = data.receipts.filter((r) => r.pid === e.pid && r.unit !== client.unit);
  const lines: Child[] = [];
  if (mine) lines.push(data.queued.has(e.pid) ? t.case.inOutbox : t.case.atRelay);
  if (mine) {
    if (receipts.length === 0) lines.push(t.case.noReceipt);
    for (const r of receipts) {
      const who = unitName(client, r.unit);
      lines.push(
        r.outcome === 'applied' ? (
          <W>{t.case.receiptBy(who, receiptTime(r.jws, texts))}</W>
        ) : (
          <W>{t.case.receiptRefused(who)}</W>
        ),
      );
    }
  }
  if (e.type === 'referral' && data.view.state.decision) {
    lines.push(
      t.case.decided(data.view.state.decision.decision === 'accept' ? t.body.accept : t.body.decline),
    );
  }
  if (e.status === 'held') lines.push(t.case.heldLabel);
  if (e.status === 'superseded') lines.push(t.case.supersededLabel);
  let body: Child = null;
  if (e.type === 'referral') {
    body = (
      <p class="body">
        <a href="#uppdraget">{t.case.referral}</a>
      </p>
    );
  } else if (e.type === 'consent' || e.type === 'consent-withdrawal') {
    const record = data.view.state.consents.find((c) =>
      e.type === 'consent' ? c.attestedIn === e.hash : c.withdrawnIn === e.hash,
    );
    const shown = record && data.consents.find((c) => c.claims.id === record.id);
    body = shown ? <ConsentDetails consent={shown} texts={texts} client={client} /> : null;
  } else {
    body = <PacketBody entry={e} texts={texts} client={client} />;
  }
  return (
    <li class="timeline__item">
      <h3 class="heading-s timeline__title">{t.packetTypes[e.type]}</h3>
      <p class="timeline__meta">
        <W>{t.case.sentBy(unitName(client, e.from.unit), texts.dateTime(e.sentAt))}</W>
      </p>
      {lines.length ? (
        <ul class="list timeline__receipts">
          {lines.map((l) => (
            <li>{l}</li>
          ))}
        </ul>
      ) : null}
      {body}
    </li>
  );
}

/**
 * The case's urgent child notices (PROTOCOL.md §14.7): each notice with who sent it and when, and either
 * the answer's settlement (which municipality takes which responsibility, who, from when) or what is
 * still needed, by whom and by which day (the agreement's `childNoticeAnswerDays`, §22), overdue or not.
 */
function ChildNotices(props: { deps: ConsoleDeps; state: CaseState; texts: Texts }) {
  const { deps, state, texts } = props;
  const { t } = texts;
  const { client } = deps;
  if (state.childNoticeLog.length === 0) return null;
  const days = reportingTerms(client.directory.agreement).childNoticeAnswerDays;
  const today = deps.now().toISOString().slice(0, 10);
  const dueOn = (at: number) => new Date((at + days * 86_400) * 1000).toISOString().slice(0, 10);
  const open = state.childNoticeLog.some((n) => n.answeredIn === null);
  return (
    <section aria-labelledby="barn">
      <h2 class="heading-m" id="barn">
        {t.case.childNotices}
      </h2>
      <p class="body">{t.case.childrenIntro}</p>
      <ul class="list">
        {state.childNoticeLog.map((n) => {
          const other = n.unit === state.home ? state.receiving : state.home;
          const due = dueOn(n.at);
          const overdue = n.answeredIn === null && today > due;
          return (
            <li>
              <p class="body">
                <W>{t.case.childNoticeBy(unitName(client, n.unit), texts.dateTime(n.at))}</W>{' '}
                {n.answeredIn !== null ? (
                  <Tag tone="green">{t.case.childNoticeDone}</Tag>
                ) : overdue ? (
                  <Tag tone="red">{t.case.childNoticeOverdue}</Tag>
                ) : (
                  <Tag tone="yellow">{t.case.childNoticeUnanswered}</Tag>
                )}
              </p>
              {n.answeredIn !== null && n.answeredAt !== null ? (
                <>
                  <p class="body">
                    <W>{t.case.childNoticeAnswered(unitName(client, other), texts.dateTime(n.answeredAt))}</W>
                  </p>
                  <SummaryList
                    rows={(n.settlement ?? []).map((r): [string, Child] => [
                      municipalityName(client, r.municipality),
                      <W>
                        {t.case.childNoticeSettled(
                          r.responsibility,
                          r.responsible.name,
                          r.responsible.role,
                          texts.date(r.from),
                        )}
                      </W>,
                    ])}
                  />
                </>
              ) : (
                <p class="body">
                  <W>
                    {other === client.unit
                      ? t.case.childNoticeDueUs(texts.date(due))
                      : t.case.childNoticeDueThem(unitName(client, other), texts.date(due))}
                  </W>
                </p>
              )}
            </li>
          );
        })}
      </ul>
      {open ? <p class="body">{t.case.childNoticePlanWaits}</p> : null}
    </section>
  );
}

function Steps(props: { data: CaseData; deps: ConsoleDeps; texts: Texts; caseId: string }) {
  const { t } = props.texts;
  const steps = allowedSteps(props.data.view, props.deps.client.unit);
  if (steps.length === 0) return <p class="body">{t.case.noSteps}</p>;
  return (
    <ul class="list step-links">
      {steps.map((k: StepKey) => (
        <li>
          <a class="button button--secondary" href={`/arenden/${props.caseId}/${STEPS[k].slug}`}>
            {t.case.actions[k]}
          </a>
        </li>
      ))}
    </ul>
  );
}

/**
 * The case's circle (PROTOCOL.md §13.6): the devices that hold the case at each end, by name (display
 * text, §3.5), and for the unit's lead the form that assigns the case to one of the unit's devices.
 */
function Circle(props: { c: Ctx; deps: ConsoleDeps; state: CaseState; user: ConsoleUser; texts: Texts }) {
  const { c, deps, state, user, texts } = props;
  const { t } = texts;
  const dir = deps.client.directory;
  const me = deps.client.unit;
  const nameOf = (kid: string) => dir.device(kid)?.name ?? kid.slice(0, 8);
  const ends = [state.home, state.receiving].map((unit) => {
    const part = unit === state.home ? state.circle.home : state.circle.receiving;
    const open = !state.circle.assigned.includes(unit) && !dir.hasIntake(unit);
    return { unit, names: open ? [t.case.circleEveryDevice] : part.map(nameOf) };
  });
  const candidates = dir
    .devices(me)
    .filter((d) => d.revokedAt === undefined)
    .map((d) => ({ value: d.kid, label: d.name }));
  return (
    <section aria-labelledby="handlaggare">
      <h2 class="heading-m" id="handlaggare">
        {t.case.circle}
      </h2>
      <p class="body">{t.case.circleIntro}</p>
      <SummaryList
        rows={ends.map((e): [string, Child] => [
          t.case.circleAt(unitName(deps.client, e.unit)),
          <W>{e.names.join(', ')}</W>,
        ])}
      />
      {user.role === 'lead' && candidates.length ? (
        <PostForm action={`/arenden/${state.caseId}/handlaggare`} csrf={c.get('csrf')}>
          <Select
            name="enhet"
            label={t.case.assignCaseLabel}
            hint={t.case.assignCaseHint}
            choices={candidates}
            errorPrefix={t.errorPrefix}
          />
          <Button secondary>{t.case.assignCase}</Button>
        </PostForm>
      ) : null}
    </section>
  );
}
async function Access(props: { c: Ctx; deps: ConsoleDeps; caseId: string; user: ConsoleUser; texts: Texts }) {
  const { deps, caseId, user, texts } = props;
  const { t } = texts;
  const assignees = await deps.db.assignees(caseId);
  const users = await deps.db.listUsers();
  const nameOf = (u: string) => users.find((x) => x.username === u)?.displayName ?? u;
  const candidates = users.filter((u) => u.role !== 'admin' && !assignees.includes(u.username));
  return (
    <section aria-labelledby="behorighet">
      <h2 class="heading-m" id="behorighet">
        {t.case.access}
      </h2>
      {assignees.length === 0 ? (
        <p class="body">{t.case.unassignedText}</p>
      ) : (
        <ul class="list">
          {assignees.map((a) => (
            <li class="access-row">
              <W>{nameOf(a)}</W>
              {user.role === 'lead' ? (
                <PostForm
                  action={`/arenden/${caseId}/behorighet`}
                  csrf={props.c.get('csrf')}
                  class="inline-form"
                >
                  <input type="hidden" name="ta-bort" value={a} />
                  <button type="submit" class="link-button">
                    {t.case.unassign(nameOf(a))}
                  </button>
                </PostForm>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {user.role === 'coordinator' && assignees.length === 0 ? (
        <PostForm action={`/arenden/${caseId}/behorighet`} csrf={props.c.get('csrf')}>
          <input type="hidden" name="ta" value="1" />
          <Button secondary>{t.case.take}</Button>
        </PostForm>
      ) : null}
      {user.role === 'lead' && candidates.length ? (
        <PostForm action={`/arenden/${caseId}/behorighet`} csrf={props.c.get('csrf')}>
          <Select
            name="ge"
            label={t.case.assignLabel}
            choices={candidates.map((u) => ({ value: u.username, label: u.displayName }))}
            errorPrefix={t.errorPrefix}
          />
          <Button secondary>{t.case.assign}</Button>
        </PostForm>
      ) : null}
      {user.role === 'lead' ? (
        <p class="body">
          <a href={`/atkomstlogg?arende=${encodeURIComponent(caseId)}`}>{t.case.whoOpened}</a>
        </p>
      ) : null}
    </section>
  );
}

async function CasePage(props: { c: Ctx; deps: ConsoleDeps; data: CaseData; user: ConsoleUser }) {
  const { c, deps, data, user } = props;
  const texts = c.get('texts');
  const { t } = texts;
  const { client } = deps;
  const s = data.view.state;
  const caseId = s.caseId;
  const [outgoing, incoming] = await Promise.all([
    client.quotaUse(s.homeMunicipality, 'outgoing'),
    client.quotaUse(s.receivingMunicipality, 'incoming'),
  ]);
  const totals = costTotals(s.costs);
  return (
    <>
      <span class="caption">{t.case.caption}</span>
      <h1 class="heading-l">{t.case.title(shortId(caseId))}</h1>
      <div data-live id="case-summary">
        <SummaryList
          rows={[
            [t.case.status, <Tag tone={statusTone(data.view.status)}>{t.status[data.view.status]}</Tag>],
            [t.case.number, <code class="code">{caseId}</code>],
            [t.case.home, <W>{unitName(client, s.home)}</W>],
            [t.case.receiving, <W>{unitName(client, s.receiving)}</W>],
            [t.case.category, t.categories[s.category]],
            [t.case.threatLevel, t.threatLevels[s.threatLevel]],
            [t.case.referredAt, texts.dateTime(s.referredAt)],
          ]}
        />
        <h2 class="heading-m">{t.case.nextSteps}</h2>
        <Steps data={data} deps={deps} texts={texts} caseId={caseId} />
        <ChildNotices deps={deps} state={s} texts={texts} />
      </div>
      <section aria-labelledby="uppdraget">
        <h2 class="heading-l" id="uppdraget">
          {t.case.referral}
        </h2>
        {data.referral ? (
          <ReferralDetails referral={data.referral} consents={data.consents} texts={texts} client={client} />
        ) : null}
      </section>
      <ReceivingRecords state={s} texts={texts} client={client} />
      <RivalRecords data={data} texts={texts} client={client} />
      <section aria-labelledby="handelser" data-live id="case-timeline">
        <h2 class="heading-l" id="handelser">
          {t.case.timeline}
        </h2>
        <p class="body">{t.case.timelineIntro}</p>
        <ol class="timeline">
          {data.log.map((e) => (
            <TimelineEntry entry={e} data={data} deps={deps} texts={texts} />
          ))}
        </ol>
      </section>
      <section aria-labelledby="kvoten" data-live id="case-quota">
        <h2 class="heading-m" id="kvoten">
          {t.case.quota}
        </h2>
        <p class="body">
          <W>
            {t.case.quotaText(
              municipalityName(client, s.homeMunicipality),
              municipalityName(client, s.receivingMunicipality),
            )}
          </W>
          {s.quota.incoming ? ` ${t.case.quotaIncoming}` : ''}
        </p>
        <ul class="list">
          <li>
            <W>
              {t.case.quotaUse(
                municipalityName(client, outgoing.municipality),
                outgoing.used,
                outgoing.quota,
                t.case.outgoingWord,
              )}
            </W>
          </li>
          <li>
            <W>
              {t.case.quotaUse(
                municipalityName(client, incoming.municipality),
                incoming.used,
                incoming.quota,
                t.case.incomingWord,
              )}
            </W>
          </li>
        </ul>
        {totals.length ? (
          <>
            <h2 class="heading-m">{t.case.costs}</h2>
            <SummaryList
              rows={[
                ...totals.map(
                  (x) => [serviceName(client, x.service), texts.amount(x.amountSek)] as [string, Child],
                ),
                [t.case.costTotal, texts.amount(totals.reduce((a, x) => a + x.amountSek, 0))],
              ]}
            />
          </>
        ) : null}
      </section>
      <section aria-labelledby="bevis">
        <h2 class="heading-m" id="bevis">
          {t.case.evidence}
        </h2>
        <p class="body">{t.case.evidenceIntro}</p>
        <p class="body">
          <a href={`/arenden/${caseId}/bevis`} download={`bevis-${shortId(caseId)}.json`}>
            {t.case.download}
          </a>
        </p>
        <p class="body">
          <a href="/bevis">{t.case.verifyLink}</a>
        </p>
        {data.consents.length ? (
          <p class="body">
            <a href={`/arenden/${caseId}/samtyckesblankett`}>{t.consentForm.link}</a>
          </p>
        ) : null}
      </section>
      <Circle c={c} deps={deps} state={data.view.state} user={user} texts={texts} />
      {await Access({ c, deps, caseId, user, texts })}
    </>
  );
}

/** Load a case the signed-in user may see, or answer 404 / 403. */
export async function caseFor(
  c: Ctx,
  deps: ConsoleDeps,
): Promise<{ data: CaseData; user: ConsoleUser } | Response> {
  const user = userOf(c);
  const { t } = c.get('texts');
  if (user.role === 'admin') return forbidden(c, deps, t.http.adminNoCases);
  const caseId = c.req.param('id') ?? '';
  const data = /^[A-Za-z0-9_-]{22}$/.test(caseId) ? await loadCase(deps, caseId) : undefined;
  if (!data) return notFound(c, deps, t.http.caseNotFound);
  if (!canSee(user, await deps.db.assignees(caseId))) return forbidden(c, deps, t.http.notAssigned);
  return { data, user };
}

/** The case page, its evidence download and its access. */
export function caseRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();

  app.get('/arenden/:id', async (c) => {
    const found = await caseFor(c, deps);
    if (found instanceof Response) return found;
    if (c.req.header('x-brygga-live') !== '1') await logAccess(c, deps, 'case.view', found.data.view.caseId);
    return page(c, deps, {
      title: c.get('texts').t.case.title(shortId(found.data.view.caseId)),
      live: true,
      children: await CasePage({ c, deps, data: found.data, user: found.user }),
    });
  });

  app.get('/arenden/:id/bevis', async (c) => {
    const found = await caseFor(c, deps);
    if (found instanceof Response) return found;
    const caseId = found.data.view.caseId;
    const bundle = await deps.client.exportEvidence(caseId);
    await logAccess(c, deps, 'evidence.export', caseId);
    return c.body(`${JSON.stringify(bundle, null, 2)}\n`, 200, {
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="bevis-${shortId(caseId)}.json"`,
    });
  });

  app.post('/arenden/:id/handlaggare', async (c) => {
    const found = await caseFor(c, deps);
    if (found instanceof Response) return found;
    const { user, data } = found;
    const caseId = data.view.caseId;
    const kid = c.get('form').enhet;
    const device = typeof kid === 'string' ? deps.client.directory.device(kid) : undefined;
    if (user.role !== 'lead' || !device || device.unit !== deps.client.unit) return forbidden(c, deps);
    await deps.client.assignCase(caseId, [device.kid]);
    await logAccess(c, deps, 'case.assign-device', caseId);
    return c.redirect(`/arenden/${caseId}#handlaggare`, 303);
  });

  app.post('/arenden/:id/behorighet', async (c) => {
    const found = await caseFor(c, deps);
    if (found instanceof Response) return found;
    const { user, data } = found;
    const caseId = data.view.caseId;
    const form = c.get('form');
    const now = deps.now();
    const assignees = await deps.db.assignees(caseId);
    if (form.ta === '1' && user.role === 'coordinator' && assignees.length === 0) {
      await deps.db.assign(caseId, user.username, user.username, now);
      await logAccess(c, deps, 'case.take', caseId);
    } else if (user.role === 'lead' && typeof form.ge === 'string') {
      const target = await deps.db.getUser(form.ge);
      if (target && target.role !== 'admin') {
        await deps.db.assign(caseId, target.username, user.username, now);
        await logAccess(c, deps, 'case.assign', caseId);
      }
    } else if (user.role === 'lead' && typeof form['ta-bort'] === 'string') {
      await deps.db.unassign(caseId, form['ta-bort']);
      await logAccess(c, deps, 'case.unassign', caseId);
    } else {
      return forbidden(c, deps);
    }
    return c.redirect(`/arenden/${caseId}#behorighet`, 303);
  });

  return app;
}
