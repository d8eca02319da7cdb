/**
 * `GET /v1/health`: the relay is up and its database answers, whether it has storage for new packets,
 * and how long it keeps a packet for its recipients (PROTOCOL.md §9), so that senders seal only to keys
 * valid until then (§6.2). Public.
 *
 * A full disk is `200 {status: "degraded", storage: "full"}`, not a 503: the relay still serves reads and
 * acknowledgements, which are what frees the space, so a load balancer must keep sending them.
 */
import { BryggaError } from '@brygga/client-sdk';
import { Hono } from 'hono';
import { errorFields } from '../logging/index.js';
import { databaseFailure, pingDatabase } from '../storage/index.js';
import type { RelayEnv, RouteDeps } from './context.js';

/** The health route. */
export function healthRoutes(deps: RouteDeps): Hono<RelayEnv> {
  return new Hono<RelayEnv>().get('/health', async (c) => {
    try {
      await pingDatabase(deps.database);
    } catch (err) {
      const failure = databaseFailure(err);
      deps.outages.failure(failure?.log ?? 'database unreachable', {
        route: '/v1/health',
        ...errorFields(err),
      });
      throw new BryggaError(
        'ERR_UNAVAILABLE',
        failure?.detail ?? 'the relay cannot reach its database; retry later',
      );
    }
    const full = deps.store.storageFull;
    return c.json({
      status: full ? 'degraded' : 'ok',
      database: deps.database.engine,
      storage: full ? 'full' : 'ok',
      packetLifetimeSeconds: deps.config.packetTtlSeconds,
    });
  });
}
