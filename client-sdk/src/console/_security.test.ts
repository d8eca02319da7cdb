import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, originGuard, securityHeaders } from './_security.js';

function app() {
  const a = new Hono();
  a.use(securityHeaders());
  a.use(
    originGuard({
      hosts: ['127.0.0.1:8788', 'localhost:8788'],
      origins: ['http://127.0.0.1:8788', 'http://localhost:8788'],
    }),
  );
  a.get('/', (c) => c.text('sida'));
  a.post('/', (c) => c.text('postat'));
  a.get('/static', (c) => c.text('css', 200, { 'cache-control': 'no-cache' }));
  return a;
}

const own = { host: '127.0.0.1:8788' };

describe('the console protects its pages', () => {
  it('sends the strict CSP and no-store on every answer, refusals included', async () => {
    for (const res of [
      await app().request('/', { headers: own }),
      await app().request('/', { headers: { host: 'evil.example' } }),
    ]) {
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
    }
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect((await app().request('/static', { headers: own })).headers.get('cache-control')).toBe('no-cache');
  });

  it('answers only to its own host names (DNS rebinding)', async () => {
    expect((await app().request('/', { headers: own })).status).toBe(200);
    expect((await app().request('/', { headers: { host: 'localhost:8788' } })).status).toBe(200);
    expect((await app().request('/', { headers: { host: 'rebind.example:8788' } })).status).toBe(421);
    expect((await app().request('/', { headers: { host: '127.0.0.1:9999' } })).status).toBe(421);
    expect((await app().request('/', {})).status).toBe(421);
  });

  it('refuses foreign origins, and state changes that do not show they come from its pages', async () => {
    const post = (headers: Record<string, string>) =>
      app().request('/', { method: 'POST', headers: { ...own, ...headers } });
    expect((await post({ origin: 'http://127.0.0.1:8788' })).status).toBe(200);
    expect((await post({ referer: 'http://127.0.0.1:8788/arenden/x' })).status).toBe(200);
    expect((await post({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ origin: 'null' })).status).toBe(403);
    expect((await post({})).status).toBe(403);
    expect((await post({ referer: 'https://evil.example/' })).status).toBe(403);
    expect((await post({ origin: 'http://127.0.0.1:8788', 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await app().request('/', { headers: { ...own, origin: 'https://evil.example' } })).status).toBe(
      403,
    );
  });
});
