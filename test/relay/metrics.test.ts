/**
 * `GET /v1/metrics` (PROTOCOL.md §9, README "Metrics"): after known traffic the counters and gauges
 * read what happened, on both engines; the route answers loopback peers, and others only with the
 * metrics token (never on the word of X-Forwarded-For).
 */
import { networkInterfaces } from 'node:os';
import { DEFAULT_CONFIG, Logger, startRelay } from '@brygga/server';
import { afterEach, describe, expect, it } from 'vitest';
import { checkMetricsAccess, formatExposition, isLoopbackAddress } from '../../server/src/metrics/index.js';
import { ENGINES } from '../support/databases.js';
import { codeOf } from '../support/error-code.js';
import { makeEnvelope, problemOf, startTestRelay, submit, type TestRelay } from '../support/relay.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdefghijklmnop';

/** The samples of an exposition: `name{labels}` → value, every line checked against the format. */
function parseExposition(text: string): Map<string, number> {
  expect(text.endsWith('\n')).toBe(true);
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(['counter', 'gauge']).toContain(meta[3]);
        typed.add(meta[2]!);
      }
      continue;
    }
    const sample =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$/.exec(line);
    expect(sample, line).not.toBeNull();
    expect(typed.has(sample![1]!)).toBe(true);
    samples.set(`${sample![1]}${sample![2] ?? ''}`, Number(sample![3]));
  }
  return samples;
}

describe.each(ENGINES)('GET /v1/metrics on %s', (engine) => {
  let relay: TestRelay;
  let peer = '127.0.0.1';
  afterEach(async () => {
    await relay?.close();
  });

  const metrics = async () => {
    const res = await relay.request('/v1/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parseExposition(await res.text());
  };

  it('counts requests by route pattern and reads waiting deliveries and the log from the database', async () => {
    peer = '127.0.0.1';
    relay = await startTestRelay(engine, { clientAddress: () => peer });
    const { devices } = relay.world;
    const start = relay.clock.now;
    const envelopes = [0, 1, 2].map(() => makeEnvelope(devices['stockholm-jarva'], [devices.malmo]));
    for (const e of envelopes) expect((await submit(relay, devices['stockholm-jarva'], e)).status).toBe(201);
    // A repeat is answered 200 and is not a new submission.
    expect((await submit(relay, devices['stockholm-jarva'], envelopes[0]!)).status).toBe(200);
    relay.clock.advance(30_000);
    const later = makeEnvelope(devices['stockholm-jarva'], [devices.malmo]);
    expect((await submit(relay, devices['stockholm-jarva'], later)).status).toBe(201);
    const ack = await relay.request(`/v1/inbox/packets/${envelopes[1]!.id}`, {
      method: 'DELETE',
      headers: relay.auth(devices.malmo),
    });
    expect(ack.status).toBe(204);
    // A path no route matches is counted under the catch-all pattern, not under its own path.
    expect((await relay.request('/v1/no-such-thing/abc123')).status).toBe(404);
    const size = await relay.transparency.flush();
    relay.clock.advance(15_000);

    const m = await metrics();
    expect(m.get('brygga_http_requests_total{route="/v1/packets",status="201"}')).toBe(4);
    expect(m.get('brygga_http_requests_total{route="/v1/packets",status="200"}')).toBe(1);
    expect(m.get('brygga_http_requests_total{route="/v1/inbox/packets/:id",status="204"}')).toBe(1);
    expect([...m.keys()].some((k) => k.includes(envelopes[1]!.id) || k.includes('abc123'))).toBe(false);
    expect([...m.entries()].filter(([k]) => k.endsWith('status="404"}'))).toEqual([
      ['brygga_http_requests_total{route="/*",status="404"}', 1],
    ]);
    expect(m.get('brygga_submissions_total')).toBe(4);
    // Four packets to one device, one acknowledged; the oldest waiting was stored at `start`.
    expect(m.get('brygga_deliveries_waiting')).toBe(3);
    expect(m.get('brygga_oldest_delivery_age_seconds')).toBe((relay.clock.now - start) / 1000);
    expect(m.get('brygga_log_size')).toBe(size);
    expect(size).toBeGreaterThanOrEqual(4);
    expect(m.get('brygga_log_last_round_timestamp_seconds')).toBeGreaterThan(0);
    expect(m.get('brygga_event_streams_open')).toBe(0);

    // An open event stream is counted while it is open.
    const abort = new AbortController();
    const stream = await relay.request('/v1/inbox/events', {
      headers: relay.auth(devices.malmo),
      signal: abort.signal,
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    await reader.read();
    expect((await metrics()).get('brygga_event_streams_open')).toBe(1);
    abort.abort();
    await reader.cancel().catch(() => {});
    for (;;) {
      if ((await metrics()).get('brygga_event_streams_open') === 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    // The scrapes themselves are counted too.
    expect(
      (await metrics()).get('brygga_http_requests_total{route="/v1/metrics",status="200"}'),
    ).toBeGreaterThan(2);
  });

  it('refuses a peer other than loopback without the token, whatever X-Forwarded-For says', async () => {
    peer = '192.0.2.9';
    relay = await startTestRelay(engine, { clientAddress: () => peer });
    const refused = await relay.request('/v1/metrics', { headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(await problemOf(refused)).toMatchObject({ status: 403, type: 'forbidden' });
    peer = '::1';
    expect((await relay.request('/v1/metrics')).status).toBe(200);
  });

  it('lets any peer with the metrics token in, and no one with another', async () => {
    peer = '192.0.2.9';
    relay = await startTestRelay(engine, {
      clientAddress: () => peer,
      config: { metricsToken: METRICS_TOKEN },
    });
    const missing = await relay.request('/v1/metrics');
    expect(await problemOf(missing)).toMatchObject({ status: 401, type: 'unauthorized' });
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await relay.request('/v1/metrics', {
      headers: { authorization: `Bearer ${METRICS_TOKEN}x` },
    });
    expect(await problemOf(wrong)).toMatchObject({ status: 401, type: 'unauthorized' });
    const right = await relay.request('/v1/metrics', {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(right.status).toBe(200);
    expect(parseExposition(await right.text()).get('brygga_deliveries_waiting')).toBe(0);
  });
});

describe('the metrics access rule', () => {
  it('knows loopback addresses as Node reports them', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
      expect(isLoopbackAddress(a)).toBe(true);
    for (const a of ['192.0.2.2', '::ffff:192.0.2.2', 'fd00::2', '10.127.0.1', 'local', '', undefined]) {
      expect(isLoopbackAddress(a)).toBe(false);
    }
  });

  it('refuses with the one error table codes', () => {
    const check = (remoteAddress: string, authorization?: string, token?: string) =>
      codeOf(() => checkMetricsAccess({ remoteAddress, authorization, token }));
    expect(check('127.0.0.1')).toBe('ok');
    expect(check('192.0.2.2')).toBe('ERR_FORBIDDEN');
    expect(check('192.0.2.2', `Bearer ${METRICS_TOKEN}`)).toBe('ERR_FORBIDDEN');
    expect(check('192.0.2.2', undefined, METRICS_TOKEN)).toBe('ERR_UNAUTHORIZED');
    expect(check('192.0.2.2', `Basic ${METRICS_TOKEN}`, METRICS_TOKEN)).toBe('ERR_UNAUTHORIZED');
    expect(check('192.0.2.2', `Bearer ${METRICS_TOKEN}`, METRICS_TOKEN)).toBe('ok');
  });
});

describe('the exposition format', () => {
  it('writes HELP and TYPE lines and escapes label values and help text', () => {
    const text = formatExposition([
      {
        name: 'x_total',
        help: 'a \\ b\nc',
        type: 'counter',
        samples: [{ labels: { route: 'a"b\\c\nd', status: '200' }, value: 3 }, { value: Number.NaN }],
      },
    ]);
    expect(text).toBe(
      '# HELP x_total a \\\\ b\\nc\n# TYPE x_total counter\nx_total{route="a\\"b\\\\c\\nd",status="200"} 3\nx_total NaN\n',
    );
    expect(() => formatExposition([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }])).toThrow();
  });
});

/** A non-loopback address of this machine, if it has one, to reach the relay from a peer that is not loopback. */
const outside = Object.values(networkInterfaces())
  .flat()
  .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;

describe.skipIf(outside === undefined)('the relay on a non-loopback address', () => {
  it('refuses metrics to a peer on that address without the token and serves them with it', async () => {
    const relay = await startRelay(
      {
        ...DEFAULT_CONFIG,
        host: outside!,
        port: 0,
        database: ':memory:',
        logLevel: 'silent',
        metricsToken: METRICS_TOKEN,
      },
      { logger: new Logger({ level: 'silent' }) },
    );
    try {
      const url = `http://${outside}:${relay.port}/v1/metrics`;
      const refused = await fetch(url, { headers: { 'x-forwarded-for': '127.0.0.1' } });
      expect(refused.status).toBe(401);
      const allowed = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(allowed.status).toBe(200);
      expect(parseExposition(await allowed.text()).get('brygga_submissions_total')).toBe(0);
    } finally {
      await relay.close();
    }
  });
});
