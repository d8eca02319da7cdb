/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The page around every page: `lang`, a skip link, the header with the unit and the signed-in user, the
 * main menu (landmarks: banner, navigation, main, contentinfo), the language switch and the footer with
 * the device's connection to the relay. Styles and the one script are files the console serves itself
 * (`/static/…`): the Content-Security-Policy allows nothing inline and nothing from elsewhere.
 */
import type { Child } from 'hono/jsx';
import type { Texts } from '../_i18n/index.js';
import type { Role } from '../console-database.js';
import { Banner, Csrf, W } from './components.js';

/** The main menu's entries. */
export type NavKey =
  | 'overview'
  | 'refer'
  | 'reconciliation'
  | 'reports'
  | 'agreement'
  | 'unit'
  | 'accessLog'
  | 'users'
  | 'evidence'
  | 'knownGroups';

const NAV: { key: NavKey; href: string; roles: Role[] }[] = [
  { key: 'overview', href: '/', roles: ['coordinator', 'lead', 'admin'] },
  { key: 'refer', href: '/nytt-uppdrag', roles: ['coordinator', 'lead'] },
  { key: 'reconciliation', href: '/avstamning', roles: ['coordinator', 'lead'] },
  { key: 'reports', href: '/rapporter', roles: ['coordinator', 'lead'] },
  { key: 'agreement', href: '/avtal', roles: ['coordinator', 'lead', 'admin'] },
  { key: 'unit', href: '/enhet', roles: ['coordinator', 'lead', 'admin'] },
  { key: 'evidence', href: '/bevis', roles: ['coordinator', 'lead'] },
  { key: 'knownGroups', href: '/kanda-grupper', roles: ['coordinator', 'lead'] },
  { key: 'accessLog', href: '/atkomstlogg', roles: ['lead'] },
  { key: 'users', href: '/anvandare', roles: ['admin'] },
];

/** Whether `role` sees the menu entry `key` (and may open its pages). */
export function allowed(role: Role, key: NavKey): boolean {
  return NAV.find((n) => n.key === key)?.roles.includes(role) ?? false;
}

/** The device's connection, for the footer. */
export interface SyncStatus {
  lastSync: Date | null;
  lastError: string | null;
}

/** What the layout needs. */
export interface LayoutProps {
  texts: Texts;
  title: string;
  /** The unit's name, as the agreement gives it. */
  unitName: string;
  deviceName: string;
  user?: { displayName: string; role: Role };
  csrf: string;
  active?: NavKey;
  flash?: string | null;
  /** Parts of the page (elements with `data-live`) refresh when the device learns something new. */
  live?: boolean;
  status?: SyncStatus;
  /** Where the language switch returns to. */
  path: string;
  children?: Child;
}

/** The whole page. */
export function Layout(p: LayoutProps) {
  const { t } = p.texts;
  return (
    <html lang={p.texts.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${p.title} – ${t.appName}`}</title>
        <link rel="stylesheet" href="/static/console.css" />
        <script src="/static/console.js" defer />
      </head>
      <body
        data-live={p.live ? '/handelser' : undefined}
        data-notify-text={p.live ? t.live.notifyText : undefined}
        data-notify-enabled={p.live ? t.live.enabled : undefined}
        data-updated-text={p.live ? t.live.updated : undefined}
        data-hash-done={t.refer.hashComputed}
        data-hash-unavailable={t.refer.hashUnavailable}
      >
        <a href="#main" class="skip-link">
          {t.skip}
        </a>
        <header class="header">
          <div class="header__inner width">
            <p class="header__brand">
              <span class="header__logo">{t.appName}</span>
              <span class="header__unit">
                <W>{p.unitName}</W>
              </span>
            </p>
            {p.user ? (
              <div class="header__user">
                <span>
                  <W>{t.signedInAs(p.user.displayName, t.roles[p.user.role])}</W>
                </span>
                <form method="post" action="/logga-ut" class="inline-form">
                  <Csrf token={p.csrf} />
                  <button type="submit" class="link-button">
                    {t.logout}
                  </button>
                </form>
              </div>
            ) : null}
          </div>
          {p.user ? (
            <nav class="nav" aria-label={t.navLabel}>
              <ul class="nav__list width">
                {NAV.filter((n) => n.roles.includes(p.user!.role)).map((n) => (
                  <li class="nav__item">
                    <a class="nav__link" href={n.href} aria-current={p.active === n.key ? 'page' : undefined}>
                      {t.nav[n.key]}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          ) : null}
        </header>
        <div class="width container">
          <form method="post" action="/sprak" class="language-switch">
            <Csrf token={p.csrf} />
            <input type="hidden" name="tillbaka" value={p.path} />
            <button
              type="submit"
              class="link-button"
              name="lang"
              value={t.otherLanguage.code}
              lang={t.otherLanguage.code}
            >
              {t.otherLanguage.label}
            </button>
          </form>
          <main id="main" class="main" tabindex={-1}>
            {p.flash ? <Banner>{p.flash}</Banner> : null}
            {p.children}
          </main>
        </div>
        <footer class="footer">
          <div class="width footer__inner">
            {p.live ? (
              <p class="footer__notify">
                <button type="button" class="button button--secondary" id="notify-button" hidden>
                  {t.live.enable}
                </button>
                <span class="hint" id="notify-explain" hidden>
                  {t.live.explain}
                </span>
              </p>
            ) : null}
            {p.status ? (
              <p class="footer__status" data-live id="sync-status">
                {p.status.lastError
                  ? `${t.footer.syncDisconnected} ${t.footer.syncFailed(p.texts.error(p.status.lastError))}`
                  : t.footer.syncConnected}{' '}
                {p.status.lastSync
                  ? t.footer.lastSync(p.texts.dateTime(p.status.lastSync))
                  : t.footer.neverSynced}
              </p>
            ) : null}
            <p class="footer__device">
              <W>{t.footer.device(p.deviceName)}</W>
            </p>
          </div>
        </footer>
        <div id="live-status" class="visually-hidden" aria-live="polite" />
      </body>
    </html>
  );
}

/** A page that says what went wrong (forbidden, not found, a refused form). */
export function Problem(props: { title: string; text: string; texts: Texts }) {
  return (
    <>
      <h1 class="heading-l">{props.title}</h1>
      <p class="body">{props.text}</p>
      <p class="body">
        <a href="/">{props.texts.t.nav.overview}</a>
      </p>
    </>
  );
}
