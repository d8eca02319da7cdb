/**
 * CORS (PROTOCOL.md §9, server/src/cors.ts): a listed origin's preflight is answered without a token and
 * its answers carry the headers a browser needs to read them; an origin not listed, and every origin
 * when none is configured, gets no CORS header at all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestRelay, type TestRelay } from '../support/relay.js';

const PAGE = 'http://127.0.0.1:5173';
const OTHER = 'http://127.0.0.1:5174';

function corsHeaders(res: Response): string[] {
  const names: string[] = [];
  res.headers.forEach((_, name) => {
    if (name.startsWith('access-control-')) names.push(name);
  });
  return names;
}

describe('CORS', () => {
  let relay: TestRelay | undefined;
  afterEach(async () => {
    await relay?.close();
    relay = undefined;
  });

  it('answers a listed origin: preflight without a token, then the answer readable with what the SDK reads', async () => {
    relay = await startTestRelay('sqlite', { config: { corsOrigins: [PAGE] } });
    const preflight = await relay.request('/v1/inbox', {
      method: 'OPTIONS',
      headers: {
        origin: PAGE,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase().split(',')).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'accept']),
    );
    expect(preflight.headers.get('access-control-allow-methods')?.split(',')).toEqual(
      expect.arrayContaining(['GET', 'POST', 'DELETE']),
    );
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();

    const device = relay.world.devices.malmo;
    const res = await relay.request('/v1/inbox', { headers: { ...relay.auth(device), origin: PAGE } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(res.headers.get('access-control-expose-headers')?.toLowerCase().split(',')).toEqual(
      expect.arrayContaining(['date', 'retry-after', 'location']),
    );
    expect(res.headers.get('vary')).toMatch(/origin/i);

    // A refusal is readable too: the browser's page learns the problem type, not an opaque failure.
    const refused = await relay.request('/v1/inbox', { headers: { origin: PAGE } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(PAGE);
  });

  it('gives an origin not listed no CORS header, neither on a preflight nor on an answer', async () => {
    relay = await startTestRelay('sqlite', { config: { corsOrigins: [PAGE] } });
    const preflight = await relay.request('/v1/inbox', {
      method: 'OPTIONS',
      headers: { origin: OTHER, 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(corsHeaders(preflight)).toEqual([]);
    const res = await relay.request('/v1/health', { headers: { origin: OTHER } });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual([]);
    expect(res.headers.get('vary')).toMatch(/origin/i);
  });

  it('allows no origin by default', async () => {
    relay = await startTestRelay('sqlite');
    for (const method of ['OPTIONS', 'GET']) {
      const res = await relay.request('/v1/health', {
        method,
        headers: { origin: PAGE, 'access-control-request-method': 'GET' },
      });
      expect(corsHeaders(res)).toEqual([]);
    }
  });
});
