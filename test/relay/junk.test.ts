/**
 * No input a client can send produces a 500: fast-check throws junk (bytes, JSON,
 * mangled envelopes, odd headers, paths and queries) at every endpoint, with and without valid tokens.
 * Every answer must be below 500, and every refusal RFC 9457. Runs on both engines.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { ADMIN_TOKEN, makeEnvelope, startTestRelay, type TestRelay } from '../support/relay.js';

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
});

const ENDPOINTS: [string, string][] = [
  ['POST', '/v1/packets'],
  ['POST', '/v1/directory/statements'],
  ['POST', '/v1/admin/agreements'],
  ['GET', '/v1/inbox'],
  ['GET', '/v1/inbox/packets/{id}'],
  ['DELETE', '/v1/inbox/packets/{id}'],
  ['DELETE', '/v1/inbox/notices/{id}'],
  ['GET', '/v1/inbox/events'],
  ['GET', '/v1/directory'],
  ['GET', '/v1/health'],
  ['GET', '/v1/openapi.json'],
];

const CONTENT_TYPES = [
  'application/vnd.brygga.envelope',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'multipart/form-data; boundary=x',
];

describe.each(ENGINES)('junk on %s', (engine) => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay(engine, { config: { ratePerMinute: 1_000_000 } });
  });
  afterAll(async () => {
    await relay?.close();
  });

  async function expectNo500(res: Response): Promise<void> {
    if (res.status >= 500) throw new Error(`${res.status}: ${await res.text()}`);
    if (res.status >= 400) {
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      await res.json();
    } else {
      await res.body?.cancel();
    }
  }

  it('never answers 500, whatever the body, headers, path or query', async () => {
    const devices = relay.world.all;
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 4096 }),
      fc.json().map((j) => new TextEncoder().encode(j)),
      fc.jsonValue().map((v) => new TextEncoder().encode(JSON.stringify({ jws: v }))),
      printable.map((s) => new TextEncoder().encode(s)),
      fc.constant(new Uint8Array(0)),
    );
    const auth = fc.oneof(
      fc.constant(undefined),
      fc.integer({ min: 0, max: devices.length - 1 }).map((i) => `Bearer ${relay.token(devices[i]!)}`),
      fc.constant(`Bearer ${ADMIN_TOKEN}`),
      printable.map((s) => `Bearer ${s}`),
      printable,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ENDPOINTS),
        body,
        fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
        auth,
        printable,
        fc.option(printable, { nil: undefined }),
        async ([method, template], bytes, contentType, authorization, id, query) => {
          const path = template.replace('{id}', encodeURIComponent(id));
          const headers: Record<string, string> = {};
          if (contentType) headers['content-type'] = contentType;
          if (authorization !== undefined) headers.authorization = authorization;
          const search = query === undefined ? '' : `?${query}`;
          const init: RequestInit = { method, headers };
          if (method === 'POST') init.body = bytes as Uint8Array<ArrayBuffer>;
          await expectNo500(await relay.request(`${path}${search}`, init));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('never answers 500 for mangled envelopes from an authenticated sender', async () => {
    const { devices } = relay.world;
    const sender = devices['stockholm-jarva'];
    const base = makeEnvelope(sender, [devices.malmo, devices['goteborg-nordost']], {
      payload: 64,
    }).serialize();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(base.length),
        fc.option(fc.jsonValue(), { nil: undefined }),
        async (flips, cut, header) => {
          let bytes = base.slice(0, cut === 0 ? base.length : cut);
          for (const [i, v] of flips) if (i < bytes.length) bytes[i] = v;
          if (header !== undefined) {
            const h = new TextEncoder().encode(JSON.stringify(header));
            const out = new Uint8Array(9 + h.length + 80 + 32);
            out.set([0x42, 0x52, 0x59, 0x47, 1]);
            new DataView(out.buffer).setUint32(5, h.length);
            out.set(h, 9);
            bytes = out;
          }
          const res = await relay.request('/v1/packets', {
            method: 'POST',
            headers: relay.auth(sender, { 'content-type': 'application/vnd.brygga.envelope' }),
            body: bytes,
          });
          await expectNo500(res);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never answers 500 for statements that look almost right', async () => {
    const { roots, devices } = relay.world;
    const b64 = (v: unknown) =>
      Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
    const kid = fc.constantFrom(roots.malmo.kid, devices.malmo.key.kid, 'x', 'A'.repeat(43));
    const typ = fc.constantFrom(
      'brygga-device+jws',
      'brygga-hpke-key+jws',
      'brygga-revocation+jws',
      'JWT',
      'x',
    );
    const claims = fc.record(
      {
        v: fc.oneof(fc.constant(1), fc.jsonValue()),
        kind: fc.constantFrom('brygga.device', 'brygga.hpke-key', 'brygga.revocation', 'x'),
        unit: fc.constantFrom('malmo', 'stockholm-jarva', 'uppsala', ''),
        device: fc.oneof(kid, fc.jsonValue()),
        key: fc.oneof(fc.constant(devices.malmo.key.publicKey.serialize()), printable),
        kid: kid,
        name: fc.oneof(printable, fc.jsonValue()),
        iat: fc.oneof(fc.integer(), fc.double()),
        nbf: fc.integer(),
        exp: fc.integer(),
        reason: printable,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({ alg: fc.constantFrom('EdDSA', 'none', 'HS256'), typ, kid }, { requiredKeys: ['alg'] }),
        fc.oneof(claims, fc.jsonValue()),
        fc.uint8Array({ minLength: 0, maxLength: 80 }),
        async (header, payload, signature) => {
          const jws = `${b64(header)}.${b64(payload)}.${Buffer.from(signature).toString('base64url')}`;
          const res = await relay.request('/v1/directory/statements', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ jws }),
          });
          expect([400, 422]).toContain(res.status);
          await expectNo500(res);
        },
      ),
      { numRuns: 300 },
    );
  });
});
