import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.js';
import { SigningKeyPair } from '../crypto/keys.js';
import { isBryggaError } from '../errors.js';
import { RelayClient, RelayError } from './relay-client.js';

type Call = { url: string; init: RequestInit };

function fakeFetch(respond: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    const call = { url, init };
    calls.push(call);
    return respond(call);
  };
  return { calls, fetch };
}

const problem = (status: number, code: string, detail: string) =>
  new Response(JSON.stringify({ type: `urn:brygga:problem:${code}`, title: 't', status, detail }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });

describe('RelayClient', () => {
  const key = SigningKeyPair.generate();

  it('sends a fresh token per call, for the configured audience', async () => {
    const { calls, fetch } = fakeFetch(() => Response.json({ items: [], next: null }));
    const client = new RelayClient({
      baseUrl: 'https://relay.test/',
      audience: 'https://public.test',
      key,
      fetch,
    });
    await client.inbox({ cursor: '5', limit: 10, wait: 3 });
    await client.inbox();
    expect(calls.map((c) => c.url)).toEqual([
      'https://relay.test/v1/inbox?cursor=5&limit=10&wait=3',
      'https://relay.test/v1/inbox',
    ]);
    const tokens = calls.map((c) => (c.init.headers as Record<string, string>).authorization);
    expect(tokens[0]).not.toBe(tokens[1]);
    const claims = JSON.parse(Buffer.from(tokens[0]!.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ aud: 'https://public.test', iss: key.kid });
  });

  it('turns problem documents into RelayError with status and type', async () => {
    const { fetch } = fakeFetch(() => problem(401, 'token-replayed', 'this token has been used before'));
    const err = await new RelayClient({ baseUrl: 'https://relay.test', key, fetch })
      .inbox()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayError);
    expect(isBryggaError(err, 'ERR_RELAY')).toBe(true);
    expect(err).toMatchObject({
      status: 401,
      problemType: 'urn:brygga:problem:token-replayed',
      problemCode: 'token-replayed',
      errorCode: 'ERR_TOKEN_REPLAYED',
    });
    const plain = fakeFetch(() => new Response('bad gateway', { status: 502, statusText: 'Bad Gateway' }));
    const err2 = await new RelayClient({ baseUrl: 'https://relay.test', fetch: plain.fetch })
      .health()
      .catch((e: unknown) => e);
    expect(err2).toMatchObject({ status: 502, problemType: 'about:blank' });
    // A problem type this SDK does not know keeps its raw type, and stands for no code.
    expect((err2 as RelayError).problemCode).toBeUndefined();
    expect((err2 as RelayError).errorCode).toBeUndefined();
    const foreign = fakeFetch(() => problem(400, 'some-future-code', 'newer relay'));
    const err4 = await new RelayClient({ baseUrl: 'https://relay.test', fetch: foreign.fetch })
      .health()
      .catch((e: unknown) => e);
    expect(err4).toMatchObject({
      problemType: 'urn:brygga:problem:some-future-code',
      problemCode: undefined,
    });
    const down = fakeFetch(() => Promise.reject(new TypeError('fetch failed')));
    const err3 = await new RelayClient({ baseUrl: 'https://relay.test', fetch: down.fetch })
      .health()
      .catch((e: unknown) => e);
    expect(err3).toMatchObject({
      status: 0,
      problemType: 'urn:brygga:problem:unreachable',
      errorCode: 'ERR_RELAY_UNREACHABLE',
    });
  });

  it('reports acknowledgements of items not in the inbox as false', async () => {
    const { fetch } = fakeFetch(({ url }) =>
      url.endsWith('gone') ? problem(404, 'not-found', 'no such item') : new Response(null, { status: 204 }),
    );
    const client = new RelayClient({ baseUrl: 'https://relay.test', key, fetch });
    expect(await client.ack('here')).toBe(true);
    expect(await client.ack('gone')).toBe(false);
    expect(await client.ackNotice('gone')).toBe(false);
  });

  it('needs the device key for authenticated calls only', async () => {
    const { fetch } = fakeFetch(() => Response.json({ status: 'ok', database: 'sqlite' }));
    const client = new RelayClient({ baseUrl: 'https://relay.test', fetch });
    expect(await client.health()).toEqual({ status: 'ok', database: 'sqlite' });
    await expect(client.inbox()).rejects.toMatchObject({ code: 'ERR_MALFORMED' });
    expect(codeOf(() => new RelayClient({ baseUrl: 'relay.test' }))).toBe('ERR_MALFORMED');
  });

  it('parses server-sent events split across chunks, skipping comments and unknown events', async () => {
    const text =
      'retry: 2000\n\n: heartbeat\n\nevent: packet\ndata: {"id":"AAAA"}\n\nevent: other\ndata: {}\n\n' +
      'event: notice\r\ndata: {"id":"BBBB"}\r\n\r\nevent: resync\ndata: {}\n\nevent: packet\ndata: not json\n\n';
    const bytes = new TextEncoder().encode(text);
    const { fetch } = fakeFetch(
      () =>
        new Response(
          new ReadableStream({
            start(c) {
              for (let i = 0; i < bytes.length; i += 7) c.enqueue(bytes.slice(i, i + 7));
              c.close();
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
    );
    const events = [];
    for await (const e of new RelayClient({ baseUrl: 'https://relay.test', key, fetch }).events())
      events.push(e);
    expect(events).toEqual([
      { event: 'packet', id: 'AAAA' },
      { event: 'notice', id: 'BBBB' },
      { event: 'resync' },
    ]);
  });
});
