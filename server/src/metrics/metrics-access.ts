/**
 * Who may read `GET /v1/metrics` (README "Metrics"): a peer on the loopback interface, or any peer
 * presenting the metrics bearer token (`BRYGGA_METRICS_TOKEN`). The peer is the socket's remote address
 * (`c.env.incoming.socket.remoteAddress` through @hono/node-server's `getConnInfo`), never a header
 * such as `X-Forwarded-For`, which any client can write. A reverse proxy on the same machine is a
 * loopback peer: give it the token, or keep /v1/metrics off its routes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { BryggaError } from '@brygga/client-sdk';
import { bearerToken } from '../auth/index.js';
import { Problem } from '../problem.js';

/** Whether `address` (as Node reports a socket's peer) is on the loopback interface (RFC 6890: 127/8, ::1). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)) return true;
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Allow the request or throw: `ERR_UNAUTHORIZED` (401) for a wrong or missing token when one is
 * configured and the peer is not loopback, `ERR_FORBIDDEN` (403) for a non-loopback peer when none is.
 * A loopback peer needs no token.
 */
export function checkMetricsAccess(input: {
  remoteAddress: string | undefined;
  authorization: string | undefined;
  token: string | undefined;
}): void {
  if (isLoopbackAddress(input.remoteAddress)) return;
  const presented = bearerToken(input.authorization);
  if (input.token === undefined) {
    throw new BryggaError('ERR_FORBIDDEN', 'metrics are served to loopback peers only on this relay');
  }
  // Hashing first makes the comparison constant-time in the token's length too.
  if (!timingSafeEqual(digest(presented ?? ''), digest(input.token))) {
    throw new Problem('ERR_UNAUTHORIZED', 'the metrics token is not valid', {
      headers: { 'www-authenticate': 'Bearer realm="brygga-metrics"' },
    });
  }
}
