/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The unit lead's access log (who opened which case and when; viewable, and exportable as CSV for social
 * services to show who read a record) and the administrator's user accounts.
 */
import { Hono } from 'hono';
import type { ConsoleDeps, ConsoleEnv, Ctx } from '../_context.js';
import { userOf } from '../_context.js';
import { FormReader } from '../_form-reader.js';
import type { Texts } from '../_i18n/index.js';
import { forbidden, logAccess, page } from '../_page.js';
import { flash } from '../_session.js';
import {
  Button,
  Choices,
  ErrorSummary,
  type FieldError,
  type FormValues,
  fieldValue,
  Input,
  PostForm,
  Tag,
  W,
} from '../_views/components.js';
import { type AccessRecord, ROLES, type Role, USERNAME_PATTERN } from '../console-database.js';
import { hashPassphrase, MAX_PASSPHRASE_LENGTH, MIN_PASSPHRASE_LENGTH } from '../passphrase-hash.js';
import { shortId } from './case.js';

const SHOWN = 500;

/** One CSV field: quoted, and never read as a formula by a spreadsheet. */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** The access log as CSV (semicolon-separated with a byte-order mark, as Swedish spreadsheets open it). */
export function accessLogCsv(rows: AccessRecord[], texts: Texts): string {
  const { t } = texts;
  const head = [
    t.accessLog.at,
    t.accessLog.user,
    t.users.name,
    t.accessLog.role,
    t.accessLog.action,
    t.accessLog.caseCol,
    t.accessLog.address,
  ];
  const lines = rows.map((r) =>
    [
      r.at,
      r.username,
      r.displayName,
      t.roles[r.role],
      t.accessLog.actions[r.action] ?? r.action,
      r.caseId ?? '',
      r.address ?? '',
    ]
      .map(csvField)
      .join(';'),
  );
  return `\ufeff${[head.map(csvField).join(';'), ...lines].join('\r\n')}\r\n`;
}

function UsersPage(props: {
  c: Ctx;
  texts: Texts;
  users: Awaited<ReturnType<ConsoleDeps['db']['listUsers']>>;
  values: FormValues;
  errors: FieldError[];
  now: Date;
}) {
  const { c, texts, values, errors } = props;
  const { t } = texts;
  const me = userOf(c).username;
  return (
    <>
      <ErrorSummary title={t.errorSummaryTitle} errors={errors} />
      <h1 class="heading-xl">{t.users.title}</h1>
      <p class="body lead">{t.users.lead}</p>
      <table class="table">
        <caption class="visually-hidden">{t.users.title}</caption>
        <thead>
          <tr>
            <th scope="col">{t.users.name}</th>
            <th scope="col">{t.users.username}</th>
            <th scope="col">{t.users.role}</th>
            <th scope="col">{t.users.state}</th>
          </tr>
        </thead>
        <tbody>
          {props.users.map((u) => (
            <tr>
              <td>
                <W>{u.displayName}</W>
              </td>
              <td>
                <code class="code">{u.username}</code>
              </td>
              <td>{t.roles[u.role]}</td>
              <td>
                {u.lockedUntil && Date.parse(u.lockedUntil) > props.now.getTime() ? (
                  <Tag tone="red">{t.users.locked}</Tag>
                ) : (
                  <Tag tone="green">{t.users.ok}</Tag>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.users.map((u) => (
        <details class="details">
          <summary class="details__summary">
            <W>{t.users.reset(u.displayName)}</W>
          </summary>
          <div class="details__text">
            <PostForm action={`/anvandare/${u.username}/losenfras`} csrf={c.get('csrf')}>
              <Input
                name={`pass-${u.username}`}
                type="password"
                label={t.users.passphrase}
                hint={t.users.passphraseHint}
                autocomplete="new-password"
                width="medium"
                errors={errors}
                errorPrefix={t.errorPrefix}
              />
              <Button secondary>{t.users.resetSubmit}</Button>
            </PostForm>
            {u.username === me ? null : (
              <PostForm action={`/anvandare/${u.username}/ta-bort`} csrf={c.get('csrf')}>
                <Button warning>
                  <W>{t.users.remove(u.displayName)}</W>
                </Button>
              </PostForm>
            )}
          </div>
        </details>
      ))}
      <h2 class="heading-m">{t.users.add}</h2>
      <PostForm action="/anvandare" csrf={c.get('csrf')}>
        <Input
          name="username"
          label={t.users.username}
          hint={t.users.usernameHint}
          value={fieldValue(values, 'username')}
          width="medium"
          spellcheck={false}
          errors={errors}
          errorPrefix={t.errorPrefix}
        />
        <Input
          name="displayName"
          label={t.users.name}
          value={fieldValue(values, 'displayName')}
          autocomplete="name"
          dirAuto
          errors={errors}
          errorPrefix={t.errorPrefix}
        />
        <Choices
          kind="radio"
          name="role"
          label={t.users.role}
          choices={ROLES.map((r) => ({ value: r, label: t.roles[r] }))}
          selected={[fieldValue(values, 'role')]}
          errors={errors}
          errorPrefix={t.errorPrefix}
        />
        <Input
          name="passphrase"
          type="password"
          label={t.users.passphrase}
          hint={t.users.passphraseHint}
          autocomplete="new-password"
          width="medium"
          errors={errors}
          errorPrefix={t.errorPrefix}
        />
        <Button>{t.users.addSubmit}</Button>
      </PostForm>
    </>
  );
}

/** The access log and the user accounts. */
export function adminRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();

  app.get('/atkomstlogg', async (c) => {
    if (userOf(c).role !== 'lead') return forbidden(c, deps);
    const texts = c.get('texts');
    const { t } = texts;
    const caseId = c.req.query('arende');
    const rows = await deps.db.listAccess({ ...(caseId ? { caseId } : {}), limit: SHOWN });
    return page(c, deps, {
      title: t.accessLog.title,
      active: 'accessLog',
      children: (
        <>
          <h1 class="heading-xl">{t.accessLog.title}</h1>
          <p class="body lead">{t.accessLog.lead}</p>
          {caseId ? (
            <p class="body">
              <W>{t.accessLog.forCase(shortId(caseId))}</W> <a href="/atkomstlogg">{t.accessLog.showAll}</a>
            </p>
          ) : null}
          <p class="body">
            <a
              href={`/atkomstlogg.csv${caseId ? `?arende=${encodeURIComponent(caseId)}` : ''}`}
              download="atkomstlogg.csv"
            >
              {t.accessLog.download}
            </a>
          </p>
          {rows.length === 0 ? (
            <p class="body">{t.accessLog.empty}</p>
          ) : (
            <table class="table">
              <caption class="visually-hidden">{t.accessLog.title}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.accessLog.at}</th>
                  <th scope="col">{t.accessLog.user}</th>
                  <th scope="col">{t.accessLog.role}</th>
                  <th scope="col">{t.accessLog.action}</th>
                  <th scope="col">{t.accessLog.caseCol}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr>
                    <td>{texts.dateTime(r.at)}</td>
                    <td>
                      <W>{r.displayName}</W> <span class="hint">({r.username})</span>
                    </td>
                    <td>{t.roles[r.role]}</td>
                    <td>{t.accessLog.actions[r.action] ?? r.action}</td>
                    <td>{r.caseId ? <a href={`/arenden/${r.caseId}`}>{shortId(r.caseId)}</a> : t.none}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ),
    });
  });

  app.get('/atkomstlogg.csv', async (c) => {
    if (userOf(c).role !== 'lead') return forbidden(c, deps);
    const caseId = c.req.query('arende');
    const rows = await deps.db.listAccess(caseId ? { caseId } : {});
    await logAccess(c, deps, 'access-log.export', caseId ?? null);
    return c.body(accessLogCsv(rows, c.get('texts')), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="atkomstlogg.csv"',
    });
  });

  async function usersPage(c: Ctx, values: FormValues, errors: FieldError[], status = 200) {
    const texts = c.get('texts');
    return page(c, deps, {
      title: texts.t.users.title,
      active: 'users',
      status,
      children: (
        <UsersPage
          c={c}
          texts={texts}
          users={await deps.db.listUsers()}
          values={values}
          errors={errors}
          now={deps.now()}
        />
      ),
    });
  }

  app.use('/anvandare/*', async (c, next) => (userOf(c).role === 'admin' ? next() : forbidden(c, deps)));
  app.use('/anvandare', async (c, next) => (userOf(c).role === 'admin' ? next() : forbidden(c, deps)));

  app.get('/anvandare', (c) => usersPage(c, {}, []));

  app.post('/anvandare', async (c) => {
    const texts = c.get('texts');
    const { t } = texts;
    const values = c.get('form');
    const f = new FormReader(values, texts);
    const username = f.matching('username', t.users.username, USERNAME_PATTERN, t.users.usernameInvalid);
    const displayName = f.text('displayName', t.users.name);
    const role = f.choice('role', t.users.role, ROLES);
    const pass = fieldValue(values, 'passphrase');
    if (pass.length < MIN_PASSPHRASE_LENGTH || pass.length > MAX_PASSPHRASE_LENGTH)
      f.fail('passphrase', t.users.passphraseShort);
    if (f.ok && username && displayName && role) {
      const added = await deps.db.addUser({
        username,
        displayName,
        role: role as Role,
        passHash: await hashPassphrase(pass),
        now: deps.now(),
      });
      if (added) {
        await logAccess(c, deps, 'user.add');
        await flash(c, deps, t.users.added);
        return c.redirect('/anvandare', 303);
      }
      f.fail('username', t.users.taken);
    }
    return usersPage(c, { ...values, passphrase: '' }, f.errors, 422);
  });

  app.post('/anvandare/:name/losenfras', async (c) => {
    const texts = c.get('texts');
    const name = c.req.param('name');
    const pass = fieldValue(c.get('form'), `pass-${name}`);
    if (pass.length < MIN_PASSPHRASE_LENGTH || pass.length > MAX_PASSPHRASE_LENGTH) {
      return usersPage(c, {}, [{ field: `pass-${name}`, message: texts.t.users.passphraseShort }], 422);
    }
    if (await deps.db.setPassphrase(name, await hashPassphrase(pass), deps.now())) {
      await logAccess(c, deps, 'user.reset');
      await flash(c, deps, texts.t.users.resetDone);
    }
    return c.redirect('/anvandare', 303);
  });

  app.post('/anvandare/:name/ta-bort', async (c) => {
    const texts = c.get('texts');
    const name = c.req.param('name');
    if (name === userOf(c).username)
      return usersPage(c, {}, [{ field: 'username', message: texts.t.users.notSelf }], 422);
    if (await deps.db.removeUser(name)) {
      await logAccess(c, deps, 'user.remove');
      await flash(c, deps, texts.t.users.removed);
    }
    return c.redirect('/anvandare', 303);
  });

  return app;
}
