/**
 * Cross-origin access for browser clients (PROTOCOL.md §9): a case system's page served from another
 * origin may call the relay when its origin is listed in `BRYGGA_CORS_ORIGINS`. Nothing is allowed by
 * default, and a request from an origin not listed gets no CORS header at all, so the browser refuses
 * to hand it the answer. Credentials (cookies) are never allowed: the SDK authenticates every request
 * with a bearer token of its own (PROTOCOL.md §8).
 */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/** The request headers the SDK sends (PROTOCOL.md §9). */
export const CORS_ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Accept'] as const;

/** The answer headers the SDK reads: the relay's clock, when to retry, where a resource is. */
export const CORS_EXPOSE_HEADERS = ['Date', 'Retry-After', 'Location'] as const;

/** How long a browser may keep a preflight's answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * The CORS middleware for `origins` (exact origins, `scheme://host[:port]`), or none when the list is
 * empty.
 *
 * @example app.use(corsFor(['https://arende.malmo.example']));
 */
export function corsFor(origins: readonly string[]): MiddlewareHandler | undefined {
  if (origins.length === 0) return undefined;
  const allowed = new Set(origins);
  const handler = cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'POST', 'DELETE'],
    allowHeaders: [...CORS_ALLOW_HEADERS],
    exposeHeaders: [...CORS_EXPOSE_HEADERS],
    maxAge: CORS_MAX_AGE_SECONDS,
    credentials: false,
  });
  return async (c, next) => {
    if (allowed.has(c.req.header('origin') ?? '')) return handler(c, next);
    await next();
    // The answer differs by origin: no shared cache may hand it to a listed one.
    c.header('vary', 'Origin', { append: true });
  };
}
