/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * A new referral (uppdrag; PROTOCOL.md §12.4.1), one question page at a time as `brygga refer` asks at
 * the terminal, then a page to check every answer before the referral is signed and sent. Each page's
 * answers are checked as they are given: an answer the agreement's rules refuse (no police
 * consultation or approval, the target group not met, responsibility for children, housing not arranged by the home
 * municipality) is refused on its own page with the rule's message, keyed by the SDK's error code. On
 * sending, the SDK checks everything again and has the last word.
 *
 * The draft is kept in the console's memory for the session only (never on disk), and is gone when the
 * session ends.
 */
import { Hono } from 'hono';
import type { ConsoleDeps, ConsoleEnv, Ctx } from '../_context.js';
import { userOf } from '../_context.js';
import { FormReader, refusal } from '../_form-reader.js';
import { forbidden, logAccess, page } from '../_page.js';
import { CheckAnswers } from '../_referral/check-answers.js';
import {
  CHECK,
  check,
  type Env,
  FIELD_STEP,
  fields,
  ORDER,
  referInput,
  STEP_FIELDS,
  type StepId,
  stepTitle,
} from '../_referral/questions.js';
import { flash } from '../_session.js';
import {
  Button,
  ErrorSummary,
  type FieldError,
  type FormValues,
  fieldValue,
  PostForm,
} from '../_views/components.js';
import { consentFieldOf } from './fieldsets.js';

function StepPage(props: {
  c: Ctx;
  e: Env;
  id: StepId | typeof CHECK;
  values: FormValues;
  errors: FieldError[];
  change: boolean;
}) {
  const { c, e, id } = props;
  const { t } = e.texts;
  const n = id === CHECK ? ORDER.length + 1 : ORDER.indexOf(id) + 1;
  const previous = id === CHECK ? ORDER[ORDER.length - 1] : ORDER[ORDER.indexOf(id) - 1];
  return (
    <div class="grid-wide">
      <ErrorSummary title={t.errorSummaryTitle} errors={props.errors} />
      {previous ? (
        <a class="back-link" href={`/nytt-uppdrag/${previous}`}>
          {t.back}
        </a>
      ) : null}
      <span class="caption">
        {t.refer.title} · {t.refer.step(n, ORDER.length + 1)}
      </span>
      <h1 class="heading-l">{stepTitle(t, id)}</h1>
      {id === CHECK ? (
        <>
          <p class="body lead">{t.refer.checkLead}</p>
          <CheckAnswers e={e} />
          <PostForm action="/nytt-uppdrag/kontrollera" csrf={c.get('csrf')}>
            <Button>{t.refer.submit}</Button>
          </PostForm>
        </>
      ) : (
        <PostForm action={`/nytt-uppdrag/${id}${props.change ? '?andra=1' : ''}`} csrf={c.get('csrf')}>
          {fields(id, e, props.values, props.errors)}
          <Button>{t.continue}</Button>
        </PostForm>
      )}
    </div>
  );
}

/** The referral pages: `/nytt-uppdrag/<step>`, then `/nytt-uppdrag/kontrollera`. */
export function referRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();

  function env(c: Ctx): Env | undefined {
    const session = c.get('session');
    if (!session) return undefined;
    let draft = deps.drafts.get(session.idHash);
    if (!draft) deps.drafts.set(session.idHash, (draft = { values: {}, done: new Set() }));
    const agreement = deps.client.directory.agreement;
    const home = deps.client.unit;
    return {
      texts: c.get('texts'),
      deps,
      agreement,
      home,
      homeMunicipality: agreement.municipalityOf(home)?.id ?? '',
      draft,
    };
  }

  /** The first step not yet answered, or the check page. */
  function nextOpen(e: Env): StepId | typeof CHECK {
    return ORDER.find((s) => !e.draft.done.has(s)) ?? CHECK;
  }

  app.use('/nytt-uppdrag/*', async (c, next) => {
    if (userOf(c).role === 'admin') return forbidden(c, deps);
    return next();
  });
  app.use('/nytt-uppdrag', async (c, next) => {
    if (userOf(c).role === 'admin') return forbidden(c, deps);
    return next();
  });

  app.get('/nytt-uppdrag', (c) => {
    const e = env(c)!;
    return c.redirect(`/nytt-uppdrag/${nextOpen(e)}`, 303);
  });

  app.get('/nytt-uppdrag/:step', async (c, next) => {
    const id = c.req.param('step') as StepId | typeof CHECK;
    if (id !== CHECK && !ORDER.includes(id)) return next();
    const e = env(c)!;
    const open = nextOpen(e);
    // A later step needs the earlier answers (the police consultations need the receiving unit).
    if (
      (id === CHECK && open !== CHECK) ||
      (id !== CHECK && ORDER.indexOf(id) > ORDER.indexOf(open as StepId) && open !== CHECK)
    ) {
      return c.redirect(`/nytt-uppdrag/${open}`, 303);
    }
    const values = { ...e.draft.values };
    if (id === 'samtycke' && !values.validFrom) values.validFrom = deps.now().toISOString().slice(0, 10);
    return page(c, deps, {
      title: stepTitle(e.texts.t, id),
      active: 'refer',
      children: (
        <StepPage c={c} e={e} id={id} values={values} errors={[]} change={c.req.query('andra') === '1'} />
      ),
    });
  });

  app.post('/nytt-uppdrag/kontrollera', async (c) => {
    const e = env(c)!;
    const { t } = e.texts;
    if (nextOpen(e) !== CHECK) return c.redirect(`/nytt-uppdrag/${nextOpen(e)}`, 303);
    const f = new FormReader(e.draft.values, e.texts);
    const errors: FieldError[] = [];
    try {
      for (const id of ORDER) check(id, e, f);
      const input = referInput(e, f);
      if (f.ok && input) {
        const sent = await deps.client.refer(input);
        const user = userOf(c);
        await deps.db.assign(sent.caseId, user.username, user.username, deps.now());
        await logAccess(c, deps, 'case.refer', sent.caseId);
        deps.drafts.delete(c.get('session')!.idHash);
        await flash(c, deps, sent.submitted ? t.refer.sent : t.case.queuedFlash(t.refer.title));
        void deps.runner.syncSoon();
        deps.live.publish('update');
        return c.redirect(`/arenden/${sent.caseId}`, 303);
      }
    } catch (err) {
      const codeFields: Record<string, string> = {
        ERR_POLICE_CONSULTATION_MISSING: 'p1-date',
        ERR_POLICE_APPROVAL_MISSING: 'a1-approved',
        ERR_MOTIVATION_MISSING: 'motivation',
        ERR_TARGET_GROUP_NOT_MET: 'environment',
        ERR_CHILDREN_RESPONSIBILITY: 'responsible',
        ERR_HOUSING_NOT_ARRANGED: 'housing',
        ERR_CATEGORY_NOT_ADMITTED: 'category',
        ERR_THREAT_LEVEL_NOT_ADMITTED: 'threatLevel',
        ERR_SERVICE_NOT_IN_CATALOGUE: 'svc',
        ERR_QUOTA_EXCEEDED: 'to',
        ERR_WRONG_PARTY: 'to',
        ERR_OUTSIDE_PERIOD: 'validFrom',
      };
      const fieldOf = (path: string) =>
        consentFieldOf(path) ??
        (
          [
            ['referral.to', 'to'],
            ['referral.person.name', 'name'],
            ['referral.person.personalIdentityNumber', 'pin'],
            ['referral.person.dateOfBirth', 'dob'],
            ['referral.requestedServices', 'svc'],
            ['referral.policeConsultations[0]', 'p1-date'],
            ['referral.policeConsultations[1]', 'p2-date'],
            ['referral.policeApprovals[0]', 'a1-date'],
            ['referral.policeApprovals[1]', 'a2-date'],
            ['referral.targetGroup', 'assessedOn'],
            ['referral.childrenCheck', 'checkedOn'],
            ['referral.temporaryHousing', 'address'],
            ['referral.contacts[0]', 'c1-name'],
            ['referral.contacts[1]', 'c2-name'],
            ['referral.note', 'note'],
          ] as [string, string][]
        ).find(([p]) => path.startsWith(p))?.[1];
      f.errors.push(refusal(err, e.texts, { fieldOf, codeFields, fallback: 'to' }));
    }
    // Every error links to the page that holds its field.
    for (const err of f.errors) {
      const step = FIELD_STEP.find(([re]) => re.test(err.field))?.[1] ?? 'mottagare';
      errors.push({ field: `/nytt-uppdrag/${step}?andra=1#${err.field}`, message: err.message });
    }
    return page(c, deps, {
      title: stepTitle(t, CHECK),
      active: 'refer',
      status: 422,
      children: <StepPage c={c} e={e} id={CHECK} values={e.draft.values} errors={errors} change={false} />,
    });
  });

  app.post('/nytt-uppdrag/:step', async (c, next) => {
    const id = c.req.param('step') as StepId;
    if (!ORDER.includes(id)) return next();
    const e = env(c)!;
    const posted = c.get('form');
    const before = fieldValue(e.draft.values, 'to');
    // Keep this step's answers in the draft, replacing the earlier ones (an unticked box is an answer too).
    for (const k of Object.keys(e.draft.values)) if (STEP_FIELDS[id].test(k)) delete e.draft.values[k];
    for (const [k, v] of Object.entries(posted)) if (STEP_FIELDS[id].test(k)) e.draft.values[k] = v;
    const f = new FormReader(e.draft.values, e.texts);
    check(id, e, f);
    if (!f.ok) {
      e.draft.done.delete(id);
      return page(c, deps, {
        title: stepTitle(e.texts.t, id),
        active: 'refer',
        status: 422,
        children: (
          <StepPage
            c={c}
            e={e}
            id={id}
            values={e.draft.values}
            errors={f.errors}
            change={c.req.query('andra') === '1'}
          />
        ),
      });
    }
    e.draft.done.add(id);
    // A new receiving unit changes the municipality of the second police consultation: ask it again.
    if (id === 'mottagare' && fieldValue(e.draft.values, 'to') !== before) e.draft.done.delete('samrad');
    const change = c.req.query('andra') === '1';
    return c.redirect(`/nytt-uppdrag/${change ? nextOpen(e) : (ORDER[ORDER.indexOf(id) + 1] ?? CHECK)}`, 303);
  });

  return app;
}
