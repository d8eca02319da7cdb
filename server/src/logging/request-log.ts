/**
 * The request log: one line per request with the method, the route pattern (never
 * the concrete path or query, which could carry ids a pattern does not), the status, the duration, and
 * the public ids of the device and packet involved when there are any.
 */
import { createMiddleware } from 'hono/factory';
import type { Logger } from './logger.js';

/** Variables the request log reads, when routes set them. */
interface LoggedVariables {
  device?: { kid: string };
  packet?: string;
}

/** Middleware writing one log line per request. */
export function requestLog(logger: Logger, now: () => number = () => performance.now()) {
  return createMiddleware<{ Variables: LoggedVariables }>(async (c, next) => {
    const start = now();
    try {
      await next();
    } finally {
      const status = c.res.status;
      // A 503 or 507 is an outage (or a full disk), summarised by the outage log: at warn level, every
      // refused request would write its own line.
      const level = status >= 500 && status !== 503 && status !== 507 ? 'warn' : 'info';
      // At the usual production levels most lines are dropped: do not gather them first.
      if (logger.enabled(level)) {
        logger[level]('request', {
          method: c.req.method,
          route: c.req.routePath,
          status,
          ms: Math.round((now() - start) * 10) / 10,
          device: c.get('device')?.kid,
          packet: c.get('packet'),
        });
      }
    }
  });
}
