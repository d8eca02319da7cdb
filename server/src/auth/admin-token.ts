/**
 * Administrator authentication for installing agreements: an opaque random secret
 * configured on the relay (`BRYGGA_ADMIN_TOKEN` or a file), presented as a bearer credential and
 * compared in constant time. Without a configured secret the endpoint is disabled.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { BryggaError } from '@brygga/client-sdk';
import { Problem } from '../problem.js';
import { bearerToken } from './device-token.js';

export { MIN_ADMIN_TOKEN_LENGTH } from '../config.js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Check an `Authorization` header against the configured admin secret. Throws `ERR_ADMIN_DISABLED`
 * when none is configured and `ERR_UNAUTHORIZED` when it does not match.
 */
export function checkAdminToken(configured: string | undefined, header: string | undefined): void {
  if (!configured) throw new BryggaError('ERR_ADMIN_DISABLED', 'administration is disabled on this relay');
  const presented = bearerToken(header) ?? '';
  // Hashing first makes the comparison constant-time in the secret's length too.
  if (!timingSafeEqual(digest(presented), digest(configured))) {
    throw new Problem('ERR_UNAUTHORIZED', 'the admin token is not valid', {
      headers: { 'www-authenticate': 'Bearer realm="brygga-admin"' },
    });
  }
}
