/**
 * The relay's HTTP application (PROTOCOL.md §9): the routes under /v1 and the one error
 * handler that turns every refusal into `application/problem+json` (RFC 9457).
 *
 * Tests build it on any database and clock and call it with `app.request()`; main.ts serves it with
 * @hono/node-server.
 */

import { isBryggaError } from '@brygga/client-sdk';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { DeviceKeyCache, RateLimiter } from './auth/index.js';
import { errorFields, requestLog } from './logging/index.js';
import { Problem, problemFromSdk } from './problem.js';
import {
  type AppDeps,
  directoryRoutes,
  eventRoutes,
  healthRoutes,
  inboxRoutes,
  openApiRoutes,
  packetRoutes,
  type RelayEnv,
  type RouteDeps,
  transparencyLogRoutes,
  WaiterLimit,
} from './routes/index.js';

/** Event streams and long-polls one device may hold open at once (per process). */
export const MAX_WAITERS_PER_DEVICE = 16;

/** Error codes of an unreachable, overloaded or full database: an outage (503), not a bug. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '53100',
  'SQLITE_BUSY',
  'SQLITE_FULL',
  'SQLITE_IOERR',
]);

function isOutage(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return UNAVAILABLE_CODES.has(code) || code.startsWith('SQLITE_IOERR');
}

function defaultClientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // Not served by @hono/node-server (tests calling app.request()).
    return 'local';
  }
}

/** The RFC 9457 response for `problem`. */
export function problemResponse(problem: Problem): Response {
  return new Response(JSON.stringify(problem.toJSON()), {
    status: problem.status,
    headers: {
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...problem.headers,
    },
  });
}

/**
 * Build the relay application on `deps`.
 *
 * @example
 * const app = createApp({ database, store, directory, notifier, logger, config, now: Date.now, shutdown });
 * const res = await app.request('/v1/health');
 */
export function createApp(deps: AppDeps): Hono<RelayEnv> {
  const routeDeps: RouteDeps = {
    ...deps,
    clientAddress: deps.clientAddress ?? defaultClientAddress,
    keys: new DeviceKeyCache(),
    deviceLimiter: new RateLimiter(deps.config.ratePerMinute),
    addressLimiter: new RateLimiter(deps.config.statementRatePerMinute),
    waiters: new WaiterLimit(MAX_WAITERS_PER_DEVICE),
  };
  const app = new Hono<RelayEnv>();

  app.use(requestLog(deps.logger));
  app.use(async (c, next) => {
    await next();
    c.res.headers.set('x-content-type-options', 'nosniff');
    c.res.headers.set('referrer-policy', 'no-referrer');
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
  });

  app.route('/v1', healthRoutes(routeDeps));
  app.route('/v1', openApiRoutes());
  app.route('/v1', directoryRoutes(routeDeps));
  app.route('/v1', packetRoutes(routeDeps));
  app.route('/v1', eventRoutes(routeDeps));
  app.route('/v1', inboxRoutes(routeDeps));
  if (deps.transparency) app.route('/v1', transparencyLogRoutes(routeDeps, deps.transparency));

  app.notFound(() => problemResponse(new Problem('not-found', 'no such resource')));

  app.onError((err, c) => {
    if (err instanceof Problem) return problemResponse(err);
    if (isBryggaError(err)) {
      const problem = problemFromSdk(err);
      if (problem) return problemResponse(problem);
    }
    if (err instanceof HTTPException && err.status < 500) {
      return problemResponse(
        new Problem('malformed', 'the request could not be read', { status: err.status }),
      );
    }
    if (isOutage(err)) {
      deps.logger.warn('database unavailable', { route: c.req.routePath, ...errorFields(err) });
      return problemResponse(
        new Problem('unavailable', 'the relay cannot reach its database; retry later', {
          headers: { 'retry-after': '5' },
        }),
      );
    }
    // Anything else is a bug: log it, and tell the client nothing about it.
    deps.logger.error('unhandled error', {
      method: c.req.method,
      route: c.req.routePath,
      ...errorFields(err),
    });
    return problemResponse(new Problem('internal', 'an internal error occurred'));
  });

  return app;
}
