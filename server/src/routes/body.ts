/**
 * Reading request bodies defensively: the size limit is enforced while the
 * body streams in (a declared Content-Length over the limit is refused before reading anything), JSON
 * must be strict UTF-8 and at most {@link MAX_JSON_DEPTH} levels deep, checked before it is parsed, and
 * is then parsed as Brygga JSON (PROTOCOL.md §1.1: a duplicate member name refuses the whole body).
 * Bodies are read from the Node request when there is one, else from the Web request.
 */
import { IncomingMessage } from 'node:http';
import { BryggaError, parseJson as parseBryggaJson } from '@brygga/client-sdk';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';

/** Deepest JSON nesting accepted. */
const MAX_JSON_DEPTH = 32;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The media type of a Content-Type header, lower-cased, and its parameters. */
export function mediaType(header: string | undefined): { type: string; params: Record<string, string> } {
  const [type = '', ...rest] = (header ?? '').split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq > 0)
      params[p.slice(0, eq).trim().toLowerCase()] = p
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, '');
  }
  return { type: type.trim().toLowerCase(), params };
}

/** Throw `ERR_UNSUPPORTED_MEDIA_TYPE` unless the request's media type is `expected`. */
export function requireMediaType(header: string | undefined, expected: string): void {
  const { type, params } = mediaType(header);
  if (type !== expected) throw new BryggaError('ERR_UNSUPPORTED_MEDIA_TYPE', `the body must be ${expected}`);
  if (params.charset !== undefined && params.charset.toLowerCase() !== 'utf-8') {
    throw new BryggaError('ERR_UNSUPPORTED_MEDIA_TYPE', 'the only charset accepted is utf-8');
  }
}

function tooLarge(limit: number): BryggaError {
  return new BryggaError('ERR_PAYLOAD_TOO_LARGE', `the body may be at most ${limit} bytes`);
}

/** Refuse a declared Content-Length that is not a number (`ERR_MALFORMED`) or over `limit` (`ERR_PAYLOAD_TOO_LARGE`). */
function checkDeclaredLength(declared: string | null | undefined, limit: number): void {
  if (declared === null || declared === undefined) return;
  if (!/^\d{1,16}$/.test(declared)) throw new BryggaError('ERR_MALFORMED', 'invalid Content-Length');
  if (Number(declared) > limit) throw tooLarge(limit);
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/**
 * Read the request body of `c`, refusing (413) as soon as it exceeds `limit` bytes. Served by
 * @hono/node-server, straight from the Node request ({@link readIncoming}); otherwise (`app.request()`
 * in tests) through the Web request ({@link readBody}). The checks are the same.
 */
export function readRequestBody(c: Context, limit: number): Promise<Uint8Array> {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  return incoming instanceof IncomingMessage ? readIncoming(incoming, limit) : readBody(c.req.raw, limit);
}

/**
 * Read the whole body of a Node request, refusing (413) as soon as it exceeds `limit` bytes. Reading the
 * socket's chunks directly spares the WHATWG Request, its ReadableStream and its AbortSignal that
 * @hono/node-server builds when a handler touches `c.req.raw.body` (about a tenth of a millisecond per
 * request, measured with the relay benchmark's profile). After a refusal the rest of the body is left
 * unread; @hono/node-server drains or closes the connection once the answer is sent.
 */
function readIncoming(incoming: IncomingMessage, limit: number): Promise<Uint8Array> {
  try {
    checkDeclaredLength(incoming.headers['content-length'], limit);
  } catch (err) {
    return Promise.reject(err);
  }
  if (incoming.readableDidRead) return Promise.reject(new Error('the request body was read already'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const finish = (err: unknown, bytes?: Uint8Array) => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
      if (err) reject(err);
      else resolve(bytes!);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > limit) {
        incoming.pause();
        finish(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(undefined, concat(chunks, total));
    const onError = (cause: unknown) =>
      finish(new BryggaError('ERR_MALFORMED', 'the request body was cut off', { cause }));
    const onClose = () => {
      if (!incoming.complete) finish(new BryggaError('ERR_MALFORMED', 'the request body was cut off'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

/** Read the whole body of a Web request, refusing (413) as soon as it exceeds `limit` bytes. */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  checkDeclaredLength(request.headers.get('content-length'), limit);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (cause) {
      throw new BryggaError('ERR_MALFORMED', 'the request body was cut off', { cause });
    }
    if (chunk.done) break;
    total += chunk.value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(chunk.value);
  }
  return concat(chunks, total);
}

/** Throw `ERR_MALFORMED` if `text` nests arrays and objects deeper than `max` (strings are skipped correctly). */
export function checkJsonDepth(text: string, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) throw new BryggaError('ERR_MALFORMED', `JSON may nest at most ${max} levels`);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
}

/**
 * Decode and parse a JSON body: strict UTF-8 without a byte order mark, at most {@link MAX_JSON_DEPTH}
 * levels deep (checked before parsing), then Brygga JSON (PROTOCOL.md §1.1, the SDK's one parser): no
 * duplicate member names, integers only. Returns the text and the parsed value.
 */
export function parseJson(bytes: Uint8Array): { text: string; value: unknown } {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (cause) {
    throw new BryggaError('ERR_MALFORMED', 'the body is not valid UTF-8', { cause });
  }
  checkJsonDepth(text);
  try {
    return { text, value: parseBryggaJson(text) };
  } catch (cause) {
    const why = cause instanceof BryggaError ? cause.message : 'the body is not JSON';
    throw new BryggaError('ERR_MALFORMED', `the body is not Brygga JSON (${why})`, { cause });
  }
}
