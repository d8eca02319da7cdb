/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Signing in and out, and the language switch. See `_session.ts` for the session, the CSRF tokens, the
 * slow-down and the lockout.
 */
import { Hono } from 'hono';
import { unitName } from '../_cases.js';
import type { ConsoleDeps, ConsoleEnv, Ctx } from '../_context.js';
import { addressOf, page } from '../_page.js';
import { endSession, LoginChecker, setLanguage, startSession } from '../_session.js';
import { Banner, Button, ErrorSummary, type FieldError, Input, PostForm, W } from '../_views/components.js';

function LoginForm(props: {
  c: Ctx;
  deps: ConsoleDeps;
  errors: FieldError[];
  username: string;
  notice?: string | null;
}) {
  const texts = props.c.get('texts');
  const { t } = texts;
  return (
    <div class="grid-narrow">
      <ErrorSummary title={t.errorSummaryTitle} errors={props.errors} />
      {props.notice ? <Banner tone="info">{props.notice}</Banner> : null}
      <h1 class="heading-l">{t.login.title}</h1>
      <p class="body">
        <W>{t.login.lead(unitName(props.deps.client, props.deps.client.unit))}</W>
      </p>
      <PostForm action="/logga-in" csrf={props.c.get('csrf')}>
        <Input
          name="username"
          label={t.login.username}
          value={props.username}
          autocomplete="username"
          width="medium"
          spellcheck={false}
          errors={props.errors}
          errorPrefix={t.errorPrefix}
        />
        <Input
          name="passphrase"
          type="password"
          label={t.login.passphrase}
          autocomplete="current-password"
          width="medium"
          errors={props.errors}
          errorPrefix={t.errorPrefix}
        />
        <Button>{t.login.submit}</Button>
      </PostForm>
    </div>
  );
}

/** The routes of signing in and out. */
export function authRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  const checker = new LoginChecker(deps);

  app.get('/logga-in', (c) => {
    if (c.get('user')) return c.redirect('/', 303);
    const { t } = c.get('texts');
    const reason = c.req.query('utloggad');
    const notice =
      reason === 'inaktiv' || c.get('expired') ? t.login.expired : reason === 'ja' ? t.login.loggedOut : null;
    return page(c, deps, {
      title: t.login.title,
      children: <LoginForm c={c} deps={deps} errors={[]} username="" notice={notice} />,
    });
  });

  app.post('/logga-in', async (c) => {
    const { t } = c.get('texts');
    const form = c.get('form');
    const username = typeof form.username === 'string' ? form.username.trim() : '';
    const passphrase = typeof form.passphrase === 'string' ? form.passphrase : '';
    const errors: FieldError[] = [];
    if (username === '') errors.push({ field: 'username', message: t.login.usernameMissing });
    if (passphrase === '') errors.push({ field: 'passphrase', message: t.login.passphraseMissing });
    if (errors.length === 0) {
      const result = await checker.check(username, passphrase);
      if (result.ok) {
        await startSession(c, deps, result.user);
        await deps.db.logAccess({
          at: deps.now().toISOString(),
          username: result.user.username,
          displayName: result.user.displayName,
          role: result.user.role,
          action: 'login',
          caseId: null,
          address: addressOf(c),
        });
        return c.redirect('/', 303);
      }
      const known = await deps.db.getUser(username.toLowerCase());
      if (known) {
        await deps.db.logAccess({
          at: deps.now().toISOString(),
          username: known.username,
          displayName: known.displayName,
          role: known.role,
          action: result.locked ? 'login.locked' : 'login.failed',
          caseId: null,
          address: addressOf(c),
        });
      }
      errors.push({
        field: 'username',
        message: result.locked ? t.login.locked(Math.round(deps.config.lockMs / 60_000)) : t.login.wrong,
      });
    }
    return page(c, deps, {
      title: t.login.title,
      status: 422,
      children: <LoginForm c={c} deps={deps} errors={errors} username={username} />,
    });
  });

  app.post('/logga-ut', async (c) => {
    const user = c.get('user');
    if (user) {
      await deps.db.logAccess({
        at: deps.now().toISOString(),
        username: user.username,
        displayName: user.displayName,
        role: user.role,
        action: 'logout',
        caseId: null,
        address: addressOf(c),
      });
    }
    await endSession(c, deps);
    return c.redirect('/logga-in?utloggad=ja', 303);
  });

  app.post('/sprak', async (c) => {
    const form = c.get('form');
    await setLanguage(c, deps, typeof form.lang === 'string' ? form.lang : '');
    const back = typeof form.tillbaka === 'string' ? form.tillbaka : '/';
    // Only a path of this console: never an address elsewhere.
    return c.redirect(
      /^\/[A-Za-z0-9/_-]*(\?[A-Za-z0-9=&%._-]*)?$/.test(back) && !back.startsWith('//') ? back : '/',
      303,
    );
  });

  return app;
}
