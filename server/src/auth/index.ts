/** Authentication and rate limits (PROTOCOL.md §8). */
export { checkAdminToken, MIN_ADMIN_TOKEN_LENGTH } from './admin-token.js';
export {
  type AuthenticatedDevice,
  bearerToken,
  CLOCK_TOLERANCE_SECONDS,
  refuseUnlessFresh,
  type TokenUse,
  type TokenVerdict,
  tokenRefusal,
  tokenReplayed,
  verifyDeviceToken,
} from './device-token.js';
export { RateLimiter } from './rate-limiter.js';
