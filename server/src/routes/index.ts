/** The relay's HTTP routes under /v1 (PROTOCOL.md §9). */
export type { AppDeps, RelayEnv, RouteDeps } from './context.js';
export { directoryRoutes } from './directory.js';
export { eventRoutes } from './events.js';
export { healthRoutes } from './health.js';
export { inboxRoutes } from './inbox.js';
export { metricsRoutes } from './metrics.js';
export { openApiRoutes } from './openapi.js';
export { packetRoutes } from './packets.js';
export { transparencyLogRoutes } from './transparency-log.js';
export { WaiterLimit } from './waiter-limit.js';
