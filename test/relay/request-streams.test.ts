/**
 * Request bodies over a real socket: served by @hono/node-server, the relay
 * reads a submission straight from the Node request (routes/body.ts, `readIncoming`), not through the
 * Web request that `app.request()` builds. The same limits hold there: the size limit while the body
 * streams in, a declared length over the limit before anything is read, a body that breaks off stores
 * nothing. Runs on both engines.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { listen, makeEnvelope, startTestRelay, type TestRelay } from '../support/relay.js';

const LIMIT = 16 * 1024;

/** Status and body of a raw POST whose body is written by `write` (which may stop early). */
function post(
  url: string,
  headers: Record<string, string>,
  write: (req: http.ClientRequest, answered: () => boolean) => Promise<void>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; sent: number }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    let answered = false;
    let sent = 0;
    const req = http.request({ hostname, port, method: 'POST', path: '/v1/packets', headers }, (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, sent }));
    });
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const originalWrite = req.write.bind(req);
    req.write = ((chunk: Uint8Array, ...rest: never[]) => {
      sent += chunk.byteLength;
      return originalWrite(chunk, ...rest);
    }) as typeof req.write;
    write(req, () => answered).catch(reject);
  });
}

describe.each(ENGINES)('request bodies over a socket on %s', (engine) => {
  let relay: TestRelay;
  let server: { url: string; close: () => Promise<void> } | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await relay?.close();
  });

  async function start(): Promise<string> {
    relay = await startTestRelay(engine, { config: { maxEnvelopeBytes: LIMIT } });
    server = await listen(relay);
    return server.url;
  }

  const headers = (extra: Record<string, string> = {}) =>
    relay.auth(relay.world.devices.malmo, { 'content-type': 'application/vnd.brygga.envelope', ...extra });

  it('stores a submission read from the Node request, byte for byte', async () => {
    const url = await start();
    const { devices } = relay.world;
    const envelope = makeEnvelope(devices.malmo, [devices['goteborg-nordost']], { payload: 4112 });
    const bytes = envelope.serialize();
    // In small chunks, so the body arrives in several reads.
    const res = await post(url, headers(), async (req) => {
      for (let i = 0; i < bytes.length; i += 1000) {
        req.write(bytes.subarray(i, i + 1000));
        await new Promise((r) => setTimeout(r, 1));
      }
      req.end();
    });
    expect(res.status).toBe(201);
    expect(res.headers).toMatchObject({
      'content-type': 'application/json',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    expect(JSON.parse(res.body)).toMatchObject({ id: envelope.id });
    const stored = await relay.db.database.db
      .selectFrom('packets')
      .select('envelope')
      .executeTakeFirstOrThrow();
    expect(Buffer.from(stored.envelope).equals(Buffer.from(bytes))).toBe(true);
  });

  it('refuses a streamed body as soon as it passes the limit, storing nothing', async () => {
    const url = await start();
    const before = await relay.rows();
    // Chunked, no Content-Length: only counting while reading can stop it.
    const res = await post(url, headers(), async (req, answered) => {
      const chunk = new Uint8Array(1024);
      for (let i = 0; i < 1024 && !answered(); i++) {
        req.write(chunk);
        await new Promise((r) => setTimeout(r, 1));
      }
      req.end();
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ type: 'urn:brygga:problem:payload-too-large' });
    expect(res.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    // Answered long before the megabyte the client was prepared to send.
    expect(res.sent).toBeLessThan(256 * 1024);
    const after = await relay.rows();
    expect({ ...after, tokens: 0 }).toEqual({ ...before, tokens: 0 });
  });

  it('refuses a declared length over the limit before the body is sent', async () => {
    const url = await start();
    const res = await post(url, headers({ 'content-length': String(LIMIT + 1) }), async (req, answered) => {
      // Send the headers alone and wait for the answer before sending any of the body.
      req.flushHeaders();
      for (let i = 0; i < 200 && !answered(); i++) await new Promise((r) => setTimeout(r, 5));
      req.destroy();
    });
    expect(res.status).toBe(413);
    expect(res.sent).toBe(0);
  });

  it('stores nothing of a body that breaks off, and keeps serving', async () => {
    const url = await start();
    const { devices } = relay.world;
    const before = await relay.rows();
    const bytes = makeEnvelope(devices.malmo, [devices['goteborg-nordost']]).serialize();
    await new Promise<void>((resolve) => {
      const { hostname, port } = new URL(url);
      const req = http.request({
        hostname,
        port,
        method: 'POST',
        path: '/v1/packets',
        headers: headers({ 'content-length': String(bytes.length) }),
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(bytes.subarray(0, 1000));
      setTimeout(() => req.destroy(), 50);
    });
    // The relay noticed (its token id is used up) and stored nothing else.
    await expect.poll(async () => (await relay.rows()).tokens).toBe(before.tokens + 1);
    const after = await relay.rows();
    expect({ ...after, tokens: 0 }).toEqual({ ...before, tokens: 0 });
    const ok = await post(url, headers(), async (req) => {
      req.end(bytes);
    });
    expect(ok.status).toBe(201);
  });
});
