/** The relay's HTTP routes under /v1 (PROTOCOL.md §9). */
export { acquireWaiter, authenticate, enforceRate } from './authenticate.js';
export {
  checkJsonDepth,
  MAX_JSON_DEPTH,
  mediaType,
  parseJson,
  readBody,
  readIncoming,
  readRequestBody,
  requireMediaType,
} from './body.js';
export { type AppDeps, isoTime, type RelayEnv, type RelayVariables, type RouteDeps } from './context.js';
export { directoryRoutes, MAX_AGREEMENT_BYTES, MAX_STATEMENT_BYTES } from './directory.js';
export { eventRoutes } from './events.js';
export { healthRoutes } from './health.js';
export { DEFAULT_PAGE, inboxItem, inboxRoutes, MAX_PAGE, MAX_WAIT_SECONDS } from './inbox.js';
export { openApiRoutes } from './openapi.js';
export { packetRoutes } from './packets.js';
export { MAX_COSIGNATURE_BYTES, transparencyLogRoutes } from './transparency-log.js';
export { WaiterLimit } from './waiter-limit.js';
