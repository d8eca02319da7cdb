/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The console's Hono application: the guards every request passes (security headers, Host and Origin
 * checks, body limits, the session, the CSRF token), the static files it serves itself, the live
 * updates for open pages (`/handelser`, server-sent events), and every page.
 */
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import type { ConsoleDeps, ConsoleEnv } from './_context.js';
import type { LiveKind } from './_live.js';
import { notFound, page } from './_page.js';
import { adminRoutes } from './_pages/admin.js';
import { agreementRoutes } from './_pages/agreement.js';
import { authRoutes } from './_pages/auth.js';
import { caseRoutes } from './_pages/case.js';
import { consentFormRoutes } from './_pages/consent-form.js';
import { evidenceRoutes } from './_pages/evidence.js';
import { knownGroupsRoutes } from './_pages/known-groups.js';
import { overviewRoutes } from './_pages/overview.js';
import { reconciliationRoutes } from './_pages/reconciliation.js';
import { referRoutes } from './_pages/refer.js';
import { reportRoutes } from './_pages/reports.js';
import { stepRoutes } from './_pages/steps.js';
import { unitRoutes } from './_pages/unit.js';
import { originGuard, securityHeaders } from './_security.js';
import { csrfGuard, requireUser, sessionLayer } from './_session.js';
import { Problem } from './_views/layout.js';

/** The files under `static/` the console serves, with their types. */
const STATIC: Record<string, string> = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'report.css': 'text/css; charset=utf-8',
};

function loadStatic(): Map<string, { body: string; type: string }> {
  const files = new Map<string, { body: string; type: string }>();
  for (const [name, type] of Object.entries(STATIC)) {
    files.set(name, { body: readFileSync(new URL(`./static/${name}`, import.meta.url), 'utf8'), type });
  }
  return files;
}

/** How long open pages' event streams wait between heartbeats, and between session checks. */
const HEARTBEAT_MS = 25_000;
/** A form's largest body; the evidence page takes a bundle, which can be larger. */
const FORM_LIMIT = 256 * 1024;
const EVIDENCE_LIMIT = 32 * 1024 * 1024;

/**
 * The console application on `deps`.
 *
 * @example serve({ fetch: createConsoleApp(deps).fetch, hostname: '127.0.0.1', port: 8788 });
 */
export function createConsoleApp(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  const files = loadStatic();

  app.use(securityHeaders());
  app.use(originGuard(deps.config));

  app.get('/static/:file', (c) => {
    const file = files.get(c.req.param('file'));
    if (!file) return c.text('Not found\n', 404);
    return c.body(file.body, 200, { 'content-type': file.type, 'cache-control': 'no-cache' });
  });

  app.use(async (c, next) => {
    const limit = c.req.path === '/bevis' ? EVIDENCE_LIMIT : FORM_LIMIT;
    return bodyLimit({ maxSize: limit, onError: (cc) => cc.text('Payload too large\n', 413) })(c, next);
  });
  app.use(sessionLayer(deps));
  app.use(csrfGuard());
  app.route('/', authRoutes(deps));
  app.use(requireUser());

  app.get('/handelser', (c) => {
    const user = c.get('user')!;
    const session = c.get('session')!;
    return streamSSE(c, async (stream) => {
      const queue: LiveKind[] = [];
      let wake = () => {};
      const unsubscribe = deps.live.subscribe(user.role, (kind) => {
        queue.push(kind);
        wake();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake();
      });
      await stream.writeSSE({ event: 'ready', data: '{}', retry: 5000 });
      try {
        while (!stream.aborted) {
          const timer = new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, HEARTBEAT_MS).unref();
          });
          await timer;
          if (stream.aborted) break;
          // The session may have ended (idle, signed out elsewhere, passphrase reset): tell the page.
          const still = await deps.db.getSession(session.idHash);
          if (!still || deps.now().getTime() - Date.parse(still.lastSeen) > deps.config.idleMs) {
            await stream.writeSSE({ event: 'expired', data: '{}' });
            break;
          }
          const kinds = new Set(queue.splice(0));
          if (kinds.size === 0) await stream.write(': heartbeat\n\n');
          for (const kind of kinds) await stream.writeSSE({ event: kind, data: '{}' });
        }
      } finally {
        unsubscribe();
      }
    });
  });

  app.route('/', overviewRoutes(deps));
  app.route('/', consentFormRoutes(deps));
  app.route('/', caseRoutes(deps));
  app.route('/', stepRoutes(deps));
  app.route('/', referRoutes(deps));
  app.route('/', reconciliationRoutes(deps));
  app.route('/', reportRoutes(deps));
  app.route('/', agreementRoutes(deps));
  app.route('/', unitRoutes(deps));
  app.route('/', adminRoutes(deps));
  app.route('/', evidenceRoutes(deps));
  app.route('/', knownGroupsRoutes(deps));

  app.notFound((c) => (c.get('texts') ? notFound(c, deps) : c.text('Not found\n', 404)));
  app.onError((err, c) => {
    // A bug: say so without content (no personal data reaches a log or a page).
    const code = (err as { code?: unknown }).code;
    process.stderr.write(
      `brygga console: ${typeof code === 'string' ? code : (err as Error).name} on ${c.req.method} ${c.req.routePath}\n`,
    );
    const texts = c.get('texts');
    if (!texts) return c.text('Internal error\n', 500);
    return page(c, deps, {
      title: texts.t.http.notFoundTitle,
      status: 500,
      children: (
        <Problem
          texts={texts}
          title={texts.t.errorSummaryTitle}
          text={texts.t.errorFallback(typeof code === 'string' ? code : 'ERR_INTERNAL')}
        />
      ),
    });
  });
  return app;
}
