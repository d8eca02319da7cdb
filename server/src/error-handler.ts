/**
 * The relay's one error handler (PROTOCOL.md §9): where every error becomes an answer. A refusal is an
 * SDK `BryggaError` and is answered by its code's row of the error table (problem.ts); an outage of the
 * database is named for what it is (storage/database-failure.ts): a full disk `ERR_STORAGE_FULL` (507),
 * an unreachable, busy or unreadable database `ERR_UNAVAILABLE` (503), each with `Retry-After` and a
 * detail and log line that say which; anything else is a bug, logged at error level and answered
 * `ERR_INTERNAL` with a fixed detail.
 */
import { BryggaError, ERROR_TABLE, isBryggaError } from '@brygga/client-sdk';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { errorFields, type Logger, type OutageLog } from './logging/index.js';
import { Problem, problemResponse } from './problem.js';
import { databaseFailure } from './storage/index.js';

/** Seconds a client waits before retrying on a full disk: space comes back as recipients collect. */
const STORAGE_FULL_RETRY_SECONDS = 30;

/**
 * The `onError` handler of the relay's app, logging to `logger`.
 *
 * @example
 * app.onError(errorHandler(logger, outages));
 */
export function errorHandler(logger: Logger, outages?: OutageLog): (err: Error, c: Context) => Response {
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
    const failure = databaseFailure(err);
    if (failure) {
      // One line when it starts, a count per interval, one when it is over (logging/outage-log.ts).
      const fields = { route: c.req.routePath, ...errorFields(err) };
      if (outages) outages.failure(failure.log, fields);
      else logger.warn(failure.log, fields);
      const full = failure.kind === 'storage-full';
      return problemResponse(
        new Problem(full ? 'ERR_STORAGE_FULL' : 'ERR_UNAVAILABLE', failure.detail, {
          headers: { 'retry-after': String(full ? STORAGE_FULL_RETRY_SECONDS : 5) },
        }),
      );
    }
    // Anything else is a bug: log it, and tell the client nothing about it.
    bug(c, err);
    return problemResponse(new BryggaError('ERR_INTERNAL', 'an internal error occurred'));
  };
}
