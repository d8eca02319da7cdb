/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Rendering a page inside the layout, and the answers every route gives the same way: forbidden, not
 * found, and the access log line of who did what.
 */
import type { Child } from 'hono/jsx';
import { unitName } from './_cases.js';
import type { ConsoleDeps, Ctx } from './_context.js';
import { takeFlash } from './_session.js';
import { Layout, type NavKey, Problem } from './_views/layout.js';

/** What one page gives the layout. */
export interface PageOptions {
  title: string;
  active?: NavKey;
  live?: boolean;
  status?: number;
  children?: Child;
}

/** Render a page for the signed-in user (or the login page), with the session's one-time message. */
export async function page(c: Ctx, deps: ConsoleDeps, o: PageOptions): Promise<Response> {
  const user = c.get('user');
  const flash = user ? await takeFlash(c, deps) : null;
  const html = (
    <Layout
      texts={c.get('texts')}
      title={o.title}
      unitName={unitName(deps.client, deps.client.unit)}
      deviceName={deps.deviceName}
      user={user ? { displayName: user.displayName, role: user.role } : undefined}
      csrf={c.get('csrf')}
      active={o.active}
      flash={flash}
      live={o.live && user !== undefined}
      status={user ? deps.runner.status : undefined}
      path={c.req.method === 'GET' ? `${c.req.path}${new URL(c.req.url).search}` : c.req.path}
    >
      {o.children}
    </Layout>
  );
  return c.html(`<!doctype html>${html}`, (o.status ?? 200) as 200);
}

/** 403 with the reason. */
export function forbidden(c: Ctx, deps: ConsoleDeps, text?: string): Promise<Response> {
  const texts = c.get('texts');
  return page(c, deps, {
    title: texts.t.http.forbiddenTitle,
    status: 403,
    children: (
      <Problem texts={texts} title={texts.t.http.forbiddenTitle} text={text ?? texts.t.http.forbidden} />
    ),
  });
}

/** 404 with the reason. */
export function notFound(c: Ctx, deps: ConsoleDeps, text?: string): Promise<Response> {
  const texts = c.get('texts');
  return page(c, deps, {
    title: texts.t.http.notFoundTitle,
    status: 404,
    children: (
      <Problem texts={texts} title={texts.t.http.notFoundTitle} text={text ?? texts.t.http.notFound} />
    ),
  });
}

/** The client's address as the socket gives it (behind a proxy: the proxy's). */
export function addressOf(c: Ctx): string | null {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}

/** Write one line of the access log for the signed-in user. */
export async function logAccess(c: Ctx, deps: ConsoleDeps, action: string, caseId: string | null = null) {
  const user = c.get('user');
  if (!user) return;
  await deps.db.logAccess({
    at: deps.now().toISOString(),
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    action,
    caseId,
    address: addressOf(c),
  });
}
