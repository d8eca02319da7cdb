/**
 * The authentication middleware (PROTOCOL.md §8): verifies the bearer token of every device call and
 * puts the device into the request's variables. See auth/device-token.ts for the checks.
 */
import { ERROR_TABLE, isBryggaError } from '@brygga/client-sdk';
import { createMiddleware } from 'hono/factory';
import { type AuthenticatedDevice, bearerToken, type TokenUse, verifyDeviceToken } from '../auth/index.js';
import { Problem } from '../problem.js';
import type { RelayEnv, RouteDeps } from './context.js';

/**
 * Middleware that admits only requests carrying a valid, unused device token, and spends one request of
 * the device's allowance (`BRYGGA_RATE_PER_MINUTE`, PROTOCOL.md §9): reads are limited like writes. With
 * `recordToken: false` the route records the token id itself, inside its own write, and spends the
 * allowance itself before it reads the body (see packets.ts).
 */
export function authenticate(deps: RouteDeps, options: { recordToken?: boolean } = {}) {
  const record = options.recordToken ?? true;
  return createMiddleware<RelayEnv>(async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token) {
      throw new Problem('ERR_UNAUTHORIZED', 'a bearer token is required', {
        headers: { 'www-authenticate': 'Bearer realm="brygga"' },
      });
    }
    const directory = await deps.directory.require();
    let device: AuthenticatedDevice;
    try {
      device = await verifyDeviceToken(token, {
        directory,
        audience: deps.config.publicUrl,
        now: deps.now(),
        ...(record
          ? {
              useToken: (token: TokenUse) => deps.store.useToken(token),
            }
          : {}),
      });
    } catch (err) {
      // The reason a credential was refused, for the operator: the request line gives the status only.
      // Details name a claim or rule and the relay's time, never the token.
      if (isBryggaError(err) && ERROR_TABLE[err.code].status < 500) {
        deps.logger.info('credential refused', {
          route: c.req.routePath,
          code: err.code,
          detail: err.message,
        });
      }
      throw err;
    }
    if (record) enforceRate(deps, 'device', device.kid);
    c.set('device', device);
    c.set('directory', directory);
    await next();
  });
}

/** Throw `ERR_RATE_LIMITED` (with Retry-After) when `key` has used up its allowance. */
export function enforceRate(deps: RouteDeps, limiter: 'device' | 'address', key: string): void {
  const decision = (limiter === 'device' ? deps.deviceLimiter : deps.addressLimiter).take(key, deps.now());
  if (!decision.allowed) {
    throw new Problem('ERR_RATE_LIMITED', 'too many requests; retry later', {
      headers: { 'retry-after': String(decision.retryAfterSeconds) },
    });
  }
}

/**
 * Middleware that spends one request of the caller's allowance: the authenticated device's, or the
 * client address's for public and administrator calls. Runs before the body is read.
 */
export function rateLimit(deps: RouteDeps, limiter: 'device' | 'address') {
  return createMiddleware<RelayEnv>(async (c, next) => {
    const key = limiter === 'device' ? c.get('device').kid : (deps.clientAddress?.(c) ?? 'unknown');
    enforceRate(deps, limiter, key);
    await next();
  });
}

/** Take one of the device's waiter slots, or throw `ERR_RATE_LIMITED` when it holds as many as allowed. */
export function acquireWaiter(deps: RouteDeps, device: string): () => void {
  const release = deps.waiters.acquire(device);
  if (!release) {
    throw new Problem(
      'ERR_RATE_LIMITED',
      `at most ${deps.waiters.max} event streams and long-polls per device`,
      {
        headers: { 'retry-after': '5' },
      },
    );
  }
  return release;
}
