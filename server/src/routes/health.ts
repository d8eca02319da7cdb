/**
 * `GET /v1/health`: the relay is up and its database answers, whether it has storage for new packets,
 * and how long it keeps a packet for its recipients (PROTOCOL.md §9), so that senders seal only to keys
 * valid until then (§6.2). Public.
 *
 * A full disk is `200 {status: "degraded", storage: "full"}`, not a 503: the relay still serves reads and
 * acknowledgements, which are what frees the space, so a load balancer must keep sending them.
 *
 * For supervisors and orchestrators, two narrower probes (PROTOCOL.md §9):
 * - `GET /v1/health/live`: the process answers; nothing else is checked, so a restart is called for
 *   only when the process itself is stuck.
 * - `GET /v1/health/ready`: the database answers, storage is not full, and the transparency log's
 *   integrator is running; otherwise 503 (`unavailable`) naming what is not ready.
 */
import { BryggaError } from '@brygga/client-sdk';
import { Hono } from 'hono';
import { errorFields } from '../logging/index.js';
import { databaseFailure, pingDatabase } from '../storage/index.js';
import type { RelayEnv, RouteDeps } from './context.js';

/** The health route. */
export function healthRoutes(deps: RouteDeps): Hono<RelayEnv> {
  return new Hono<RelayEnv>()
    .get('/health/live', (c) => c.json({ status: 'live' }))
    .get('/health/ready', async (c) => {
      const waiting: string[] = [];
      try {
        await pingDatabase(deps.database);
      } catch {
        waiting.push('the database does not answer');
      }
      if (deps.store.storageFull) waiting.push('storage is full');
      if (deps.transparency && !deps.transparency.running)
        waiting.push('the transparency log is not being integrated');
      if (waiting.length > 0) throw new BryggaError('ERR_UNAVAILABLE', `not ready: ${waiting.join('; ')}`);
      return c.json({ status: 'ready' });
    })
    .get('/health', async (c) => {
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
