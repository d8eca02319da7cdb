/**
 * The relay's one error handler (PROTOCOL.md §9): where every error becomes an answer. A refusal is an
 * SDK `BryggaError` and is answered by its code's row of the error table (problem.ts); an outage of the
 * database is `ERR_UNAVAILABLE` with `Retry-After`; anything else is a bug, logged at error level and
 * answered `ERR_INTERNAL` with a fixed detail.
 */
import { BryggaError, ERROR_TABLE, isBryggaError } from '@brygga/client-sdk';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { errorFields, type Logger } from './logging/index.js';
import { Problem, problemResponse } from './problem.js';

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

/**
 * The `onError` handler of the relay's app, logging to `logger`.
 *
 * @example
 * app.onError(errorHandler(logger));
 */
export function errorHandler(logger: Logger): (err: Error, c: Context) => Response {
  const bug = (c: Context, err: unknown) =>
    logger.error('unhandled error', { method: c.req.method, route: c.req.routePath, ...errorFields(err) });
  return (err, c) => {
    if (isBryggaError(err)) {
      if (ERROR_TABLE[err.code].status !== 500) return problemResponse(err);
      // A code answered with 500 is never a refusal of the request but a bug: logged, and its message
      // (which may quote internals) not sent.
      bug(c, err);
      return problemResponse(new BryggaError(err.code, 'an internal error occurred'));
    }
    if (err instanceof HTTPException && err.status < 500) {
      return problemResponse(
        new BryggaError('ERR_MALFORMED', 'the request could not be read', { cause: err }),
      );
    }
    if (isOutage(err)) {
      logger.warn('database unavailable', { route: c.req.routePath, ...errorFields(err) });
      return problemResponse(
        new Problem('ERR_UNAVAILABLE', 'the relay cannot reach its database; retry later', {
          headers: { 'retry-after': '5' },
        }),
      );
    }
    // Anything else is a bug: log it, and tell the client nothing about it.
    bug(c, err);
    return problemResponse(new BryggaError('ERR_INTERNAL', 'an internal error occurred'));
  };
}
