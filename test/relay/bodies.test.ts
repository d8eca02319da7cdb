/**
 * Hostile request bodies and the HTTP face: oversized, deeply nested,
 * truncated, non-JSON and mislabelled bodies are refused with the right status and problem type before
 * anything is processed; every error is RFC 9457; logs carry no secrets. Runs on both engines.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import {
  ADMIN_TOKEN,
  makeEnvelope,
  problemOf,
  startTestRelay,
  submit,
  type TestRelay,
} from '../support/relay.js';
import { assertValid, loadSchemas } from '../support/schemas.js';

const ajv = loadSchemas();
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe.each(ENGINES)('request bodies on %s', (engine) => {
  let relay: TestRelay;
  afterEach(async () => {
    await relay?.close();
  });

  const endpoints = {
    statements: { path: '/v1/directory/statements', limit: 64 * 1024, headers: {} as Record<string, string> },
    agreements: {
      path: '/v1/admin/agreements',
      limit: 1024 * 1024,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    },
  };

  async function refused(
    name: keyof typeof endpoints,
    body: BodyInit,
    headers: Record<string, string>,
    status: number,
    type: string,
  ): Promise<string> {
    const before = await relay.rows();
    const e = endpoints[name];
    const res = await relay.request(e.path, {
      method: 'POST',
      headers: { ...e.headers, ...headers },
      body,
      duplex: 'half',
    } as RequestInit);
    const problem = await problemOf(res);
    expect(problem).toMatchObject({ status, type });
    expect(await relay.rows()).toEqual(before);
    return problem.detail;
  }

  for (const name of ['statements', 'agreements'] as const) {
    it(`refuses bad ${name} bodies before processing them`, async () => {
      relay = await startTestRelay(engine, { agreement: name === 'statements' });
      const json = { 'content-type': 'application/json' };
      const { limit } = endpoints[name];
      // Oversized: declared, and streamed without a length.
      await refused(name, 'x'.repeat(limit + 1), json, 413, 'payload-too-large');
      await refused(name, JSON.stringify({ jws: 'a'.repeat(limit) }), json, 413, 'payload-too-large');
      const chunks = new ReadableStream<Uint8Array>({
        pull(c) {
          c.enqueue(new TextEncoder().encode(`"${'a'.repeat(8192)}`));
        },
      });
      await refused(name, chunks, json, 413, 'payload-too-large');
      await refused(name, 'x', { ...json, 'content-length': String(limit + 1) }, 413, 'payload-too-large');
      // Deeply nested: refused before parsing, whatever the rest.
      expect(await refused(name, nested(33), json, 400, 'malformed')).toMatch(/nest/);
      expect(await refused(name, `{"jws": ${nested(20_000)}}`, json, 400, 'malformed')).toMatch(/nest/);
      // Nesting inside strings does not count; 32 levels are fine (and then not the expected shape).
      // (Refused by the body's JSON Schema instead, naming the member.)
      expect(await refused(name, JSON.stringify({ jws: '[[[['.repeat(50) }), json, 400, 'malformed')).toMatch(
        name === 'statements' ? /^jws must match pattern/ : /^the body must have "payload"/,
      );
      expect(await refused(name, nested(32), json, 400, 'malformed')).toBe('the body must be object');
      // Truncated and not JSON.
      await refused(name, '{"jws": "abc', json, 400, 'malformed');
      await refused(name, '{"payload":', json, 400, 'malformed');
      await refused(name, '', json, 400, 'malformed');
      await refused(name, 'jws=abc', json, 400, 'malformed');
      await refused(name, '{"jws": "a"} trailing', json, 400, 'malformed');
      await refused(name, new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), json, 400, 'malformed');
      await refused(name, new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), json, 400, 'malformed');
      // Wrong or missing media type.
      const valid =
        name === 'statements'
          ? JSON.stringify({ jws: relay.world.statements[0] })
          : relay.world.agreement.serialize();
      await refused(name, valid, { 'content-type': 'text/plain' }, 415, 'unsupported-media-type');
      await refused(
        name,
        valid,
        { 'content-type': 'application/x-www-form-urlencoded' },
        415,
        'unsupported-media-type',
      );
      await refused(
        name,
        valid,
        { 'content-type': 'application/json; charset=latin1' },
        415,
        'unsupported-media-type',
      );
      await refused(name, new Blob([valid]), {}, 415, 'unsupported-media-type');
      // Brygga JSON (PROTOCOL.md §1.1): a duplicate member name refuses the whole body, even when the
      // last copy (what JSON.parse keeps) is a valid body; so do fractions and exponents.
      if (name === 'statements') {
        const fresh = relay.world.statements.at(-1)!;
        expect(
          await refused(name, `{"jws":"a.b.c","jws":${JSON.stringify(fresh)}}`, json, 400, 'malformed'),
        ).toMatch(/duplicate member name/);
        await refused(name, `{"jws":"a.b.c","\u006aws":${JSON.stringify(fresh)}}`, json, 400, 'malformed');
      } else {
        const doc = JSON.parse(relay.world.agreement.serialize()) as {
          payload: string;
          signatures: unknown[];
        };
        const twice = `{"payload":"AAAA","signatures":[],"payload":${JSON.stringify(doc.payload)},"signatures":${JSON.stringify(doc.signatures)}}`;
        expect(await refused(name, twice, json, 400, 'malformed')).toMatch(/duplicate member name/);
      }
      await refused(name, '{"jws":1.5}', json, 400, 'malformed');
      if (name === 'statements') {
        await refused(name, JSON.stringify({ jws: 1 }), json, 400, 'malformed');
        await refused(name, JSON.stringify({ jws: 'a.b.c', extra: 1 }), json, 400, 'malformed');
        await refused(name, JSON.stringify([relay.world.statements[0]]), json, 400, 'malformed');
        await refused(name, 'null', json, 400, 'malformed');
      }
      // The same body, well labelled, is fine (an already stored statement, or a fresh agreement).
      const ok = await relay.request(endpoints[name].path, {
        method: 'POST',
        headers: { ...endpoints[name].headers, 'content-type': 'application/json; charset=UTF-8' },
        body: valid,
      });
      expect(ok.status).toBe(name === 'statements' ? 200 : 201);
    });
  }

  it('answers every error as application/problem+json with a stable type', async () => {
    relay = await startTestRelay(engine);
    const responses = [
      await relay.request('/v1/nothing-here'),
      await relay.request('/'),
      await relay.request('/v1/inbox'),
      await relay.request('/v1/health', { method: 'POST' }),
      await relay.request('/v1/directory?after=x'),
      await submit(relay, relay.world.devices.malmo, new Uint8Array([1, 2, 3])),
    ];
    const problems = [];
    for (const res of responses) {
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const body = await res.json();
      assertValid(ajv, 'urn:brygga:schema:relay-api#/$defs/Problem', body);
      problems.push(`${res.status} ${body.type}`);
    }
    expect(problems).toEqual([
      '404 urn:brygga:problem:not-found',
      '404 urn:brygga:problem:not-found',
      '401 urn:brygga:problem:unauthorized',
      '404 urn:brygga:problem:not-found',
      '400 urn:brygga:problem:malformed',
      '400 urn:brygga:problem:malformed',
    ]);
    const health = await relay.request('/v1/health');
    expect(health.status).toBe(200);
    const body = await health.json();
    assertValid(ajv, 'urn:brygga:schema:relay-api#/$defs/Health', body);
    expect(body).toEqual({
      status: 'ok',
      database: engine,
      storage: 'ok',
      packetLifetimeSeconds: 14 * 24 * 3600,
    });
    const listing = await (await relay.request('/v1/directory')).json();
    assertValid(ajv, 'urn:brygga:schema:relay-api#/$defs/DirectoryListing', listing);
  });

  it('answers 503 from health when the database is gone', async () => {
    relay = await startTestRelay(engine, { agreement: false });
    await relay.db.database.close();
    const res = await relay.request('/v1/health');
    expect(await problemOf(res)).toMatchObject({ status: 503, type: 'unavailable' });
    // drop() would close it again.
    relay.db.drop = async () => {
      if (engine === 'postgres') {
        const { default: pg } = await import('pg');
        const c = new pg.Client({ connectionString: relay.db.location });
        await c.connect();
        await c.query(`drop schema if exists ${relay.db.schema} cascade`);
        await c.end();
      }
    };
  });

  it('logs requests as JSON lines without tokens, keys, bodies or packet content', async () => {
    const logs: string[] = [];
    relay = await startTestRelay(engine, { logs });
    const { devices } = relay.world;
    const envelope = makeEnvelope(devices.malmo, [devices['goteborg-nordost']]);
    const token = relay.token(devices.malmo);
    const res = await relay.request('/v1/packets', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.brygga.envelope' },
      body: envelope.serialize() as Uint8Array<ArrayBuffer>,
    });
    expect(res.status).toBe(201);
    await relay.request(`/v1/inbox/packets/${envelope.id}?secret=query`, {
      headers: relay.auth(devices['goteborg-nordost']),
    });
    await relay.request('/v1/inbox', { headers: { authorization: `Bearer ${token}` } });
    const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests).toContainEqual(
      expect.objectContaining({
        method: 'POST',
        route: '/v1/packets',
        status: 201,
        device: devices.malmo.key.kid,
        packet: envelope.id,
      }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({
        method: 'GET',
        route: '/v1/inbox/packets/:id',
        status: 200,
        packet: envelope.id,
      }),
    );
    expect(requests).toContainEqual(expect.objectContaining({ route: '/v1/inbox', status: 401 }));
    const all = logs.join('\n');
    const ciphertext = Buffer.from(envelope.ciphertext).toString('base64');
    for (const secret of [
      token,
      token.split('.')[2]!,
      ADMIN_TOKEN,
      'secret=query',
      ciphertext.slice(0, 40),
      Buffer.from(envelope.ciphertext).toString('base64url').slice(0, 40),
      Buffer.from(envelope.ciphertext).toString('hex').slice(0, 40),
      relay.world.statements[0]!,
      relay.world.agreement.jws.signatures[0]!.signature,
      envelope.header.nonce,
    ]) {
      expect(all).not.toContain(secret);
    }
    expect(lines.every((l) => l.level !== 'error')).toBe(true);
  });
});
