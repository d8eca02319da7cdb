import { BryggaError } from '@brygga/client-sdk';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { errorHandler } from './error-handler.js';
import { Logger } from './logging/index.js';
import { Problem } from './problem.js';

/** An app whose one route throws `err`, with the relay's handler and a logger that keeps its lines. */
function throwing(err: unknown) {
  const lines: Record<string, unknown>[] = [];
  const logger = new Logger({ level: 'debug', sink: (line) => lines.push(JSON.parse(line)) });
  const app = new Hono();
  app.get('/x', () => {
    throw err;
  });
  app.onError(errorHandler(logger));
  return { request: () => app.request('/x'), lines };
}

async function answer(err: unknown) {
  const { request, lines } = throwing(err);
  const res = await request();
  return { status: res.status, headers: res.headers, body: await res.json(), lines };
}

describe('the relay error handler', () => {
  it('answers a refusal by its code, with its message as detail, and logs nothing', async () => {
    const { status, body, lines } = await answer(new BryggaError('ERR_TOKEN_REPLAYED', 'used before'));
    expect(status).toBe(401);
    expect(body).toEqual({
      type: 'urn:brygga:problem:token-replayed',
      title: 'Token already used',
      status: 401,
      detail: 'used before',
    });
    expect(lines).toEqual([]);
  });

  it("sends a Problem's headers", async () => {
    const { status, headers } = await answer(
      new Problem('ERR_UNAUTHORIZED', 'no', { headers: { 'www-authenticate': 'Bearer realm="brygga"' } }),
    );
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe('Bearer realm="brygga"');
  });

  it('treats a code answered with 500 as a bug: its message is not sent, and it is logged', async () => {
    const { status, body, lines } = await answer(
      new BryggaError('ERR_STORE', 'table inbox is locked at row 17'),
    );
    expect(status).toBe(500);
    expect(body).toMatchObject({
      type: 'urn:brygga:problem:store-failed',
      detail: 'an internal error occurred',
    });
    expect(lines).toMatchObject([{ level: 'error', msg: 'unhandled error', errorCode: 'ERR_STORE' }]);
  });

  it('answers an unreadable request as malformed, an outage as unavailable, anything else as internal', async () => {
    expect(await answer(new HTTPException(400, { message: 'bad json' }))).toMatchObject({
      status: 400,
      body: { type: 'urn:brygga:problem:malformed', detail: 'the request could not be read' },
    });
    const outage = await answer(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(outage).toMatchObject({ status: 503, body: { type: 'urn:brygga:problem:unavailable' } });
    expect(outage.headers.get('retry-after')).toBe('5');
    expect(outage.lines).toMatchObject([{ level: 'warn' }]);
    const bug = await answer(new TypeError("Cannot read properties of undefined (reading 'secret')"));
    expect(bug).toMatchObject({
      status: 500,
      body: { type: 'urn:brygga:problem:internal', detail: 'an internal error occurred' },
      lines: [{ level: 'error', error: 'TypeError' }],
    });
  });

  it('names each database failure for what it is, in the answer and in the log', async () => {
    const full = await answer(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    expect(full).toMatchObject({
      status: 507,
      body: {
        type: 'urn:brygga:problem:insufficient-storage',
        detail: expect.stringMatching(/out of storage/),
      },
      lines: [{ level: 'warn', msg: 'storage full', errorCode: 'SQLITE_FULL' }],
    });
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
    const pgFull = await answer(Object.assign(new Error('could not extend file'), { code: '53100' }));
    expect(pgFull).toMatchObject({ status: 507, lines: [{ msg: 'storage full' }] });
    const cases: [string, string, RegExp][] = [
      ['ECONNREFUSED', 'database unreachable', /cannot reach its database/],
      ['SQLITE_BUSY', 'database busy', /busy/],
      [
        'SQLITE_IOERR_WRITE',
        'database file cannot be read or written',
        /cannot read or write its database file/,
      ],
      ['53300', 'database refuses connections', /refuses more connections/],
    ];
    for (const [code, msg, detail] of cases) {
      const res = await answer(Object.assign(new Error(code), { code }));
      expect(res, code).toMatchObject({
        status: 503,
        body: { type: 'urn:brygga:problem:unavailable', detail: expect.stringMatching(detail) },
        lines: [{ level: 'warn', msg }],
      });
    }
  });
});
