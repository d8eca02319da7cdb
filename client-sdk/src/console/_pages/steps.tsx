/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The forms for every step of a case after the referral (PROTOCOL.md §12.3–12.4): uptake (accept, or
 * decline with a reason and a note), implementation plan (services from the catalogue), follow-up, cost
 * report, deviation, urgent child notice, message, a new consent, consent withdrawal and closure with the
 * outcome measures. Each form reads its answers, the SDK's validator for the body checks them, and the
 * client signs and sends; a refusal is shown beside the field it names, in the page's language.
 *
 * A step is offered only when the workflow allows it this unit now (`allowedSteps`); the SDK refuses
 * it anyway if the case moved meanwhile (ERR_INVALID_TRANSITION, shown on the form).
 */
import { Hono } from 'hono';
import { allowedSteps, STEPS, type StepKey } from '../_cases.js';
import type { ConsoleDeps, ConsoleEnv, Ctx } from '../_context.js';
import { FormReader as Reader, refusal } from '../_form-reader.js';
import { forbidden, logAccess, page } from '../_page.js';
import { flash } from '../_session.js';
import { STEP_FORMS, type StepContext } from '../_steps/index.js';
import { Button, ErrorSummary, PostForm, W } from '../_views/components.js';
import { caseFor, shortId } from './case.js';

function stepOf(slug: string): StepKey | undefined {
  return (Object.keys(STEPS) as StepKey[]).find((k) => STEPS[k].slug === slug);
}

function StepPage(props: { c: Ctx; stepKey: StepKey; s: StepContext }) {
  const { c, stepKey: key, s } = props;
  const step = STEP_FORMS[key];
  const { t } = s.texts;
  const caseId = s.data.view.caseId;
  return (
    <div class="grid-wide">
      <ErrorSummary title={t.errorSummaryTitle} errors={s.errors} />
      <a class="back-link" href={`/arenden/${caseId}`}>
        {t.back}
      </a>
      <span class="caption">
        <W>{t.case.title(shortId(caseId))}</W>
      </span>
      <h1 class="heading-l">{step.title(t)}</h1>
      {step.lead ? <p class="body lead">{step.lead(t)}</p> : null}
      <PostForm action={`/arenden/${caseId}/${STEPS[key].slug}`} csrf={c.get('csrf')}>
        {step.fields(s)}
        <div class="button-group">
          <Button>{step.submit(t)}</Button>
          <a class="link" href={`/arenden/${caseId}`}>
            {t.cancel}
          </a>
        </div>
      </PostForm>
    </div>
  );
}

/** The step forms' routes: `/arenden/<case>/<step>`. */
export function stepRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();

  async function load(c: Ctx) {
    const key = stepOf(c.req.param('step') ?? '');
    if (!key) return undefined;
    const found = await caseFor(c, deps);
    if (found instanceof Response) return found;
    if (!allowedSteps(found.data.view, deps.client.unit).includes(key))
      return forbidden(c, deps, c.get('texts').error('ERR_INVALID_TRANSITION'));
    return { key, ...found };
  }

  app.get('/arenden/:id/:step', async (c, next) => {
    const found = await load(c);
    if (found === undefined) return next();
    if (found instanceof Response) return found;
    const texts = c.get('texts');
    const base = {
      texts,
      client: deps.client,
      data: found.data,
      today: deps.now().toISOString().slice(0, 10),
    };
    const values = STEP_FORMS[found.key].defaults(base, found.user);
    return page(c, deps, {
      title: STEP_FORMS[found.key].title(texts.t),
      children: <StepPage c={c} stepKey={found.key} s={{ ...base, values, errors: [] }} />,
    });
  });

  app.post('/arenden/:id/:step', async (c, next) => {
    const found = await load(c);
    if (found === undefined) return next();
    if (found instanceof Response) return found;
    const { key, data, user } = found;
    const step = STEP_FORMS[key];
    const texts = c.get('texts');
    const values = c.get('form');
    const s: StepContext = {
      texts,
      client: deps.client,
      data,
      values,
      errors: [],
      today: deps.now().toISOString().slice(0, 10),
    };
    const reader = new Reader(values, texts);
    const caseId = data.view.caseId;
    try {
      const send = step.read(reader, s);
      if (send) {
        const sent = await send(deps.client, caseId);
        const submitted = (Array.isArray(sent) ? sent : [sent]).every((r) => r.submitted);
        if ((await deps.db.assignees(caseId)).length === 0 && user.role === 'coordinator') {
          await deps.db.assign(caseId, user.username, user.username, deps.now());
        }
        await logAccess(c, deps, step.action?.(values) ?? STEPS[key].action, caseId);
        const what = step.title(texts.t);
        await flash(c, deps, submitted ? texts.t.case.sentFlash(what) : texts.t.case.queuedFlash(what));
        void deps.runner.syncSoon();
        deps.live.publish('update');
        return c.redirect(`/arenden/${caseId}`, 303);
      }
    } catch (err) {
      reader.errors.push(
        refusal(err, texts, { fieldOf: step.fieldOf, codeFields: step.codeFields, fallback: step.first }),
      );
    }
    return page(c, deps, {
      title: step.title(texts.t),
      status: 422,
      children: <StepPage c={c} stepKey={key} s={{ ...s, errors: reader.errors }} />,
    });
  });

  return app;
}
