/**
 * `GET /v1/metrics` (PROTOCOL.md §9): the relay's metrics in Prometheus' text exposition format 0.0.4
 * (metrics/), for loopback peers, or for others with the metrics bearer token (metrics/metrics-access.ts).
 */
import { Hono } from 'hono';
import { checkMetricsAccess, EXPOSITION_CONTENT_TYPE } from '../metrics/index.js';
import type { RelayEnv, RouteDeps } from './context.js';

/** The metrics route. */
export function metricsRoutes(deps: RouteDeps): Hono<RelayEnv> {
  return new Hono<RelayEnv>().get('/metrics', async (c) => {
    checkMetricsAccess({
      remoteAddress: deps.clientAddress(c),
      authorization: c.req.header('authorization'),
      token: deps.config.metricsToken,
    });
    const figures = await deps.database.operationalFigures();
    return c.body(deps.metrics.render(figures, deps.now()), 200, { 'content-type': EXPOSITION_CONTENT_TYPE });
  });
}
