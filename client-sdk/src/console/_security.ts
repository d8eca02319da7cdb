/**
 * The page protects itself (THREAT-MODEL.md, the console):
 *
 * - every answer carries a strict Content-Security-Policy (nothing inline, nothing from elsewhere), is
 *   never framed, never sniffed, and pages are `Cache-Control: no-store` (they hold personal data);
 * - the Host header must name the console (DNS rebinding: a hostile page whose name suddenly resolves to
 *   127.0.0.1 sends its own name as Host, and is refused with 421);
 * - a request that says it comes from another origin is refused (403), and a state-changing request must
 *   say it comes from the console's own origin (Origin, or failing that Referer); the CSRF token in every
 *   form is checked on top of this, by the session layer.
 */
import type { MiddlewareHandler } from 'hono';

/** The Content-Security-Policy of every answer. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Headers on every answer; `no-store` unless a route set its own caching (the static files). */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set('content-security-policy', CONTENT_SECURITY_POLICY);
    h.set('x-content-type-options', 'nosniff');
    h.set('x-frame-options', 'DENY');
    h.set('referrer-policy', 'same-origin');
    h.set('cross-origin-opener-policy', 'same-origin');
    h.set('cross-origin-resource-policy', 'same-origin');
    h.set('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
    if (!h.has('cache-control')) h.set('cache-control', 'no-store');
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuse a Host the console does not answer to (421), a foreign Origin (403), and a state-changing
 * request that does not show it came from the console's own pages (403).
 */
export function originGuard(config: {
  hosts: readonly string[];
  origins: readonly string[];
}): MiddlewareHandler {
  return async (c, next) => {
    // Read per request: the addresses are known once the server listens (a port of 0 picks one).
    const hosts = new Set(config.hosts.map((h) => h.toLowerCase()));
    const origins = new Set(config.origins);
    const host = (c.req.header('host') ?? '').toLowerCase();
    if (!hosts.has(host)) {
      return c.text('Misdirected request: this console does not answer to that host name.\n', 421);
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && !origins.has(origin)) {
      return c.text('Forbidden: the request came from another site.\n', 403);
    }
    if (!SAFE_METHODS.has(c.req.method)) {
      const site = c.req.header('sec-fetch-site');
      if (site !== undefined && site !== 'same-origin' && site !== 'none') {
        return c.text('Forbidden: the request came from another site.\n', 403);
      }
      if (origin === undefined && !fromOwnPage(c.req.header('referer'), origins)) {
        return c.text('Forbidden: the request does not show where it came from.\n', 403);
      }
    }
    return next();
  };
}

function fromOwnPage(referer: string | undefined, origins: Set<string>): boolean {
  if (!referer) return false;
  try {
    return origins.has(new URL(referer).origin);
  } catch {
    return false;
  }
}
