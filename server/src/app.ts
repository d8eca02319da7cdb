/**
 * The relay's HTTP application (PROTOCOL.md §9): the routes under /v1 and the one error
 * handler (error-handler.ts) that turns every refusal into `application/problem+json` (RFC 9457).
 *
 * Tests build it on any database and clock and call it with `app.request()`; main.ts serves it with
 * @hono/node-server.
 */

import { BryggaError } from '@brygga/client-sdk';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { RateLimiter } from './auth/index.js';
import { corsFor } from './cors.js';
import { errorHandler } from './error-handler.js';
import { requestLog } from './logging/index.js';
import { RelayMetrics } from './metrics/index.js';
import { problemResponse } from './problem.js';
import {
  type AppDeps,
  directoryRoutes,
  eventRoutes,
  healthRoutes,
  inboxRoutes,
  metricsRoutes,
  openApiRoutes,
  packetRoutes,
  type RelayEnv,
  type RouteDeps,
  transparencyLogRoutes,
  WaiterLimit,
} from './routes/index.js';
import { databaseOutageLog } from './storage/index.js';

/** Event streams and long-polls one device may hold open at once (per process). */
export const MAX_WAITERS_PER_DEVICE = 16;

function defaultClientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // Not served by @hono/node-server (tests calling app.request()).
    return 'local';
  }
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
    outages: deps.outages ?? databaseOutageLog(deps.logger, deps.database, deps.store),
    clientAddress: deps.clientAddress ?? defaultClientAddress,
    deviceLimiter: new RateLimiter(deps.config.ratePerMinute),
    addressLimiter: new RateLimiter(deps.config.statementRatePerMinute),
    waiters: new WaiterLimit(MAX_WAITERS_PER_DEVICE),
    metrics: deps.metrics ?? new RelayMetrics(),
  };
  const app = new Hono<RelayEnv>();

  app.use(requestLog(deps.logger));
  // Before everything else, so a listed origin's preflight is answered without a token.
  const corsMiddleware = corsFor(deps.config.corsOrigins ?? []);
  if (corsMiddleware) app.use(corsMiddleware);
  app.use(async (c, next) => {
    try {
      await next();
    } finally {
      // The route pattern, never the concrete path: ids in paths would make a series per packet.
      routeDeps.metrics.countRequest(c.req.routePath, c.res.status);
    }
  });
  app.use(async (c, next) => {
    await next();
    // The relay's own time on every answer (RFC 9110 §6.6.1), from its clock: a device whose token was
    // refused as out of its window (ERR_CLOCK_SKEW, PROTOCOL.md §8) reads how far off its clock is.
    c.res.headers.set('date', new Date(deps.now()).toUTCString());
    c.res.headers.set('x-content-type-options', 'nosniff');
    c.res.headers.set('referrer-policy', 'no-referrer');
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
  });

  app.route('/v1', healthRoutes(routeDeps));
  app.route('/v1', openApiRoutes());
  app.route('/v1', metricsRoutes(routeDeps));
  app.route('/v1', directoryRoutes(routeDeps));
  app.route('/v1', packetRoutes(routeDeps));
  app.route('/v1', eventRoutes(routeDeps));
  app.route('/v1', inboxRoutes(routeDeps));
  if (deps.transparency) app.route('/v1', transparencyLogRoutes(routeDeps, deps.transparency));

  app.notFound(() => problemResponse(new BryggaError('ERR_NOT_FOUND', 'no such resource')));

  app.onError(errorHandler(deps.logger, routeDeps.outages));

  return app;
}
