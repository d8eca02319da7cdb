import { ERROR_TABLE, isBryggaError } from '@brygga/client-sdk';
import { describe, expect, it } from 'vitest';
import { checkJsonDepth, mediaType, parseJson, readBody, requireMediaType } from './body.js';

const codeOf = async (f: () => unknown): Promise<string> => {
  try {
    await f();
  } catch (e) {
    return isBryggaError(e)
      ? `${ERROR_TABLE[e.code].status} ${ERROR_TABLE[e.code].problem}`
      : `other: ${String(e)}`;
  }
  return 'ok';
};

function request(body: BodyInit | null, headers: Record<string, string> = {}): Request {
  return new Request('http://relay.test/x', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
}

describe('checkJsonDepth', () => {
  it('counts arrays and objects, not brackets inside strings', async () => {
    expect(await codeOf(() => checkJsonDepth('[[[]]]', 3))).toBe('ok');
    expect(await codeOf(() => checkJsonDepth('[[[[]]]]', 3))).toBe('400 malformed');
    expect(await codeOf(() => checkJsonDepth('{"a":{"b":{"c":{}}}}', 3))).toBe('400 malformed');
    expect(await codeOf(() => checkJsonDepth('["[[[[[[", "\\"[[[[[[["]', 2))).toBe('ok');
    expect(await codeOf(() => checkJsonDepth('["\\\\", [[[]]]]', 3))).toBe('400 malformed');
    expect(await codeOf(() => checkJsonDepth('[],[],[],[]', 1))).toBe('ok');
  });
});

describe('media types', () => {
  it('parses the type and parameters case-insensitively', () => {
    expect(mediaType('Application/JSON; Charset="UTF-8"')).toEqual({
      type: 'application/json',
      params: { charset: 'UTF-8' },
    });
    expect(mediaType(undefined)).toEqual({ type: '', params: {} });
  });

  it('accepts only the expected type and utf-8', async () => {
    expect(await codeOf(() => requireMediaType('application/json; charset=utf-8', 'application/json'))).toBe(
      'ok',
    );
    expect(await codeOf(() => requireMediaType('application/json; charset=utf-16', 'application/json'))).toBe(
      '415 unsupported-media-type',
    );
    expect(await codeOf(() => requireMediaType('application/jsonx', 'application/json'))).toBe(
      '415 unsupported-media-type',
    );
  });
});

describe('readBody', () => {
  it('returns the bytes of a body within the limit', async () => {
    expect(await readBody(request(new Uint8Array([1, 2, 3])), 3)).toEqual(new Uint8Array([1, 2, 3]));
    expect(await readBody(request(null), 3)).toEqual(new Uint8Array(0));
  });

  it('refuses a declared length over the limit without reading', async () => {
    let pulled = 0;
    const stream = new ReadableStream({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(10));
      },
    });
    expect(await codeOf(() => readBody(request(stream, { 'content-length': '1000' }), 100))).toBe(
      '413 payload-too-large',
    );
    expect(pulled).toBeLessThanOrEqual(1);
    expect(await codeOf(() => readBody(request('x', { 'content-length': 'abc' }), 100))).toBe(
      '400 malformed',
    );
  });

  it('stops reading as soon as a streamed body passes the limit', async () => {
    let pulled = 0;
    const stream = new ReadableStream({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(1000));
      },
    });
    expect(await codeOf(() => readBody(request(stream), 4500))).toBe('413 payload-too-large');
    expect(pulled).toBeLessThanOrEqual(7);
  });

  it('reports a body that breaks off as malformed', async () => {
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new Uint8Array(10));
        c.error(new Error('connection reset'));
      },
    });
    expect(await codeOf(() => readBody(request(stream), 100))).toBe('400 malformed');
  });
});

describe('parseJson', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  it('parses strict UTF-8 JSON', () => {
    expect(parseJson(bytes('{"jws":"ä"}'))).toEqual({ text: '{"jws":"ä"}', value: { jws: 'ä' } });
  });

  it('refuses bad UTF-8, a BOM, deep nesting and non-JSON', async () => {
    expect(await codeOf(() => parseJson(new Uint8Array([0x22, 0xc3, 0x28, 0x22])))).toBe('400 malformed');
    expect(await codeOf(() => parseJson(new Uint8Array([0xef, 0xbb, 0xbf, 0x31])))).toBe('400 malformed');
    expect(await codeOf(() => parseJson(bytes('['.repeat(33) + ']'.repeat(33))))).toBe('400 malformed');
    expect(await codeOf(() => parseJson(bytes('{a:1}')))).toBe('400 malformed');
    expect(await codeOf(() => parseJson(bytes('{"a":1,"a":1}')))).toBe('400 malformed');
    expect(await codeOf(() => parseJson(bytes('{"a":{"b":1,"\\u0062":2}}')))).toBe('400 malformed');
    expect(await codeOf(() => parseJson(bytes('[1e3]')))).toBe('400 malformed');
    expect(await codeOf(() => parseJson(bytes('1')))).toBe('ok');
  });
});
