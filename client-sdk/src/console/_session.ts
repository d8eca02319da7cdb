/**
 * Sessions, CSRF and logins.
 *
 * - A session id is 32 random bytes in an HttpOnly, SameSite=Strict cookie (`__Host-` and Secure behind
 *   HTTPS); the database keeps only its SHA-256, so a copy of the database opens no session. A session
 *   ends after `idleMs` without a request the user made (live refreshes do not count) and after
 *   `maxSessionMs` in any case. Logging in always starts a new session.
 * - Every state-changing request carries the session's CSRF token (`_csrf`, a hidden field in every
 *   form), compared in constant time. Before login, the login form's token is a double-submit cookie.
 * - Failed logins are slowed down (each failed answer waits 250 ms × 2^(n−1), at most 4 s) and after
 *   `lockAfter` failures in a row the account is locked for `lockMs`; `brygga console user reset` (or an
 *   administrator's new passphrase) unlocks it. Unknown user names are counted and answered the same
 *   way, so the answers do not tell which names exist.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ConsoleDeps, ConsoleEnv, Ctx } from './_context.js';
import { DEFAULT_LANG, langOf, textsFor } from './_i18n/index.js';
import type { FormValues } from './_views/components.js';
import type { ConsoleUser } from './console-database.js';
import { decoyHash, MAX_PASSPHRASE_LENGTH, verifyPassphrase } from './passphrase-hash.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Cookie names: `__Host-` (bound to this exact origin, Secure, path /) when served over HTTPS. */
function cookieNames(secure: boolean) {
  const prefix = secure ? '__Host-' : '';
  return { session: `${prefix}brygga-session`, login: `${prefix}brygga-login`, lang: `${prefix}brygga-lang` };
}

function cookieOptions(secure: boolean) {
  return { httpOnly: true, secure, sameSite: 'Strict' as const, path: '/' };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function token(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether two tokens are equal, in constant time. */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** A request the page's script makes for live updates: it does not count as the user being active. */
function isLiveRequest(c: Ctx): boolean {
  return c.req.path === '/handelser' || c.req.header('x-brygga-live') === '1';
}

/** Resolve the session, the user and the language of every request. */
export function sessionLayer(deps: ConsoleDeps): MiddlewareHandler<ConsoleEnv> {
  const names = cookieNames(deps.config.secure);
  return async (c, next) => {
    c.set('user', undefined);
    c.set('session', undefined);
    c.set('expired', false);
    c.set('form', {});
    const now = deps.now();
    const id = getCookie(c, names.session);
    if (id) {
      const session = await deps.db.getSession(sha256(id));
      const user = session ? await deps.db.getUser(session.username) : undefined;
      const idle = session && now.getTime() - Date.parse(session.lastSeen) > deps.config.idleMs;
      const old = session && now.getTime() - Date.parse(session.createdAt) > deps.config.maxSessionMs;
      if (session && user && !idle && !old) {
        c.set('session', session);
        c.set('user', user);
        c.set('csrf', session.csrf);
        c.set('texts', textsFor(langOf(session.lang)));
        if (!isLiveRequest(c)) await deps.db.touchSession(session.idHash, now);
      } else {
        if (session) {
          await deps.db.deleteSession(session.idHash);
          deps.drafts.delete(session.idHash);
          c.set('expired', true);
        }
        deleteCookie(c, names.session, cookieOptions(deps.config.secure));
      }
    }
    if (!c.get('session')) {
      let login = getCookie(c, names.login);
      if (!login || !/^[A-Za-z0-9_-]{43}$/.test(login)) {
        login = token();
        setCookie(c, names.login, login, cookieOptions(deps.config.secure));
      }
      c.set('csrf', login);
      c.set('texts', textsFor(langOf(getCookie(c, names.lang))));
    }
    await next();
  };
}

/** Parse the form of a state-changing request and check its CSRF token; 403 when it does not match. */
export function csrfGuard(): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    // A form posted from a page whose session has since ended: ask the user to sign in again.
    if (c.get('expired')) return c.redirect('/logga-in?utloggad=inaktiv', 303);
    const type = c.req.header('content-type') ?? '';
    if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) {
      return c.text('Unsupported media type\n', 415);
    }
    const body = await c.req.parseBody({ all: true });
    const form: FormValues = {};
    for (const [k, v] of Object.entries(body)) {
      const list = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
      form[k] = list.length > 1 || Array.isArray(v) ? list : list[0];
    }
    c.set('form', form);
    const sent = typeof form._csrf === 'string' ? form._csrf : '';
    if (!sameToken(sent, c.get('csrf'))) {
      const { t } = c.get('texts');
      return c.html(
        `<!doctype html><html lang="${c.get('texts').lang}"><head><meta charset="utf-8"><title>${t.http.csrfTitle}</title><link rel="stylesheet" href="/static/console.css"></head><body><main id="main" class="width main"><h1 class="heading-l">${t.http.csrfTitle}</h1><p class="body">${t.http.csrf}</p><p class="body"><a href="/">${t.nav.overview}</a></p></main></body></html>`,
        403,
      );
    }
    await next();
  };
}

/** Send the visitor to the login page unless someone is signed in. */
export function requireUser(): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    if (c.get('user')) return next();
    if (c.req.path === '/handelser') return c.body(null, 204);
    const query = c.get('expired') ? '?utloggad=inaktiv' : '';
    return c.redirect(`/logga-in${query}`, 303);
  };
}

/** Start a new session for `user` (after a successful login) and set its cookie. */
export async function startSession(c: Ctx, deps: ConsoleDeps, user: ConsoleUser): Promise<void> {
  const names = cookieNames(deps.config.secure);
  const id = token();
  const at = deps.now().toISOString();
  await deps.db.createSession({
    idHash: sha256(id),
    username: user.username,
    csrf: token(),
    lang: c.get('texts').lang ?? DEFAULT_LANG,
    createdAt: at,
    lastSeen: at,
  });
  setCookie(c, names.session, id, cookieOptions(deps.config.secure));
  deleteCookie(c, names.login, cookieOptions(deps.config.secure));
}

/** End the current session. */
export async function endSession(c: Ctx, deps: ConsoleDeps): Promise<void> {
  const session = c.get('session');
  if (session) {
    await deps.db.deleteSession(session.idHash);
    deps.drafts.delete(session.idHash);
  }
  deleteCookie(c, cookieNames(deps.config.secure).session, cookieOptions(deps.config.secure));
}

/** Remember the language: in the session when signed in, else in a cookie. */
export async function setLanguage(c: Ctx, deps: ConsoleDeps, lang: string): Promise<void> {
  const chosen = langOf(lang);
  const session = c.get('session');
  if (session) await deps.db.setSessionLang(session.idHash, chosen);
  else setCookie(c, cookieNames(deps.config.secure).lang, chosen, cookieOptions(deps.config.secure));
}

/** A one-time message for the next page of this session. */
export async function flash(c: Ctx, deps: ConsoleDeps, message: string): Promise<void> {
  const session = c.get('session');
  if (session) await deps.db.setFlash(session.idHash, message);
}

/** Take the session's one-time message, if any. */
export async function takeFlash(c: Ctx, deps: ConsoleDeps): Promise<string | null> {
  const session = c.get('session');
  if (!session?.flash) return null;
  await deps.db.setFlash(session.idHash, null);
  return session.flash;
}

/** The outcome of a login attempt. */
export type LoginResult = { ok: true; user: ConsoleUser } | { ok: false; locked: boolean };

/** Counts failures of unknown user names, like the database does for known ones. */
class UnknownNames {
  readonly #failures = new Map<string, { count: number; lockedUntil: number }>();

  get(name: string, now: number): { count: number; locked: boolean } {
    const f = this.#failures.get(name);
    if (!f) return { count: 0, locked: false };
    if (f.lockedUntil > 0 && f.lockedUntil <= now) {
      this.#failures.delete(name);
      return { count: 0, locked: false };
    }
    return { count: f.count, locked: f.lockedUntil > now };
  }

  fail(name: string, lockAfter: number, lockMs: number, now: number): { count: number; locked: boolean } {
    if (this.#failures.size > 10_000) this.#failures.clear();
    const count = (this.#failures.get(name)?.count ?? 0) + 1;
    const locked = count >= lockAfter;
    this.#failures.set(name, { count, lockedUntil: locked ? now + lockMs : 0 });
    return { count, locked };
  }
}

/** Checks logins: the passphrase, the slow-down and the lockout (see the module comment). */
export class LoginChecker {
  readonly #deps: ConsoleDeps;
  readonly #unknown = new UnknownNames();
  readonly #decoy: Promise<string>;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(deps: ConsoleDeps, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))) {
    this.#deps = deps;
    this.#decoy = decoyHash();
    this.#sleep = sleep;
  }

  async check(username: string, passphrase: string): Promise<LoginResult> {
    const { db, config } = this.#deps;
    const now = this.#deps.now();
    const name = username.trim().toLowerCase();
    const user = name ? await db.getUser(name) : undefined;
    const tooLong = passphrase.length > MAX_PASSPHRASE_LENGTH;
    if (user) {
      if (user.lockedUntil && Date.parse(user.lockedUntil) > now.getTime())
        return { ok: false, locked: true };
      const ok = !tooLong && (await verifyPassphrase(passphrase, user.passHash));
      if (ok) {
        await db.clearFailures(user.username);
        return { ok: true, user };
      }
      const { failedCount, locked } = await db.recordFailure(
        user.username,
        config.lockAfter,
        new Date(now.getTime() + config.lockMs),
      );
      await this.#slowDown(failedCount);
      return { ok: false, locked };
    }
    if (this.#unknown.get(name, now.getTime()).locked) return { ok: false, locked: true };
    await verifyPassphrase(passphrase.slice(0, MAX_PASSPHRASE_LENGTH), await this.#decoy);
    const { count, locked } = this.#unknown.fail(name, config.lockAfter, config.lockMs, now.getTime());
    await this.#slowDown(count);
    return { ok: false, locked };
  }

  #slowDown(failures: number): Promise<void> {
    return this.#sleep(Math.min(250 * 2 ** Math.max(0, failures - 1), 4000));
  }
}
