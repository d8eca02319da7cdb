/**
 * Reading request bodies defensively (issue 3, items 4, 5 and 8): the size limit is enforced while the
 * body streams in (a declared Content-Length over the limit is refused before reading anything), JSON
 * must be strict UTF-8 and at most {@link MAX_JSON_DEPTH} levels deep, checked before it is parsed.
 */
import { Problem } from '../problem.js';

/** Deepest JSON nesting accepted. */
export const MAX_JSON_DEPTH = 32;

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

/** Throw 415 unless the request's media type is `expected`. */
export function requireMediaType(header: string | undefined, expected: string): void {
  const { type, params } = mediaType(header);
  if (type !== expected) throw new Problem('unsupported-media-type', `the body must be ${expected}`);
  if (params.charset !== undefined && params.charset.toLowerCase() !== 'utf-8') {
    throw new Problem('unsupported-media-type', 'the only charset accepted is utf-8');
  }
}

/** Read the whole body, refusing (413) as soon as it exceeds `limit` bytes. */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null) {
    if (!/^\d{1,16}$/.test(declared)) throw new Problem('malformed', 'invalid Content-Length');
    if (Number(declared) > limit)
      throw new Problem('payload-too-large', `the body may be at most ${limit} bytes`);
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (cause) {
      throw new Problem('malformed', 'the request body was cut off', { cause });
    }
    if (chunk.done) break;
    total += chunk.value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new Problem('payload-too-large', `the body may be at most ${limit} bytes`);
    }
    chunks.push(chunk.value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** Throw 400 if `text` nests arrays and objects deeper than `max` (strings are skipped correctly). */
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
      if (++depth > max) throw new Problem('malformed', `JSON may nest at most ${max} levels`);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
}

/** Read a JSON body of at most `limit` bytes: media type, size, UTF-8 and depth checked before parsing. */
export async function readJson(request: Request, limit: number): Promise<unknown> {
  requireMediaType(request.headers.get('content-type') ?? undefined, 'application/json');
  const bytes = await readBody(request, limit);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (cause) {
    throw new Problem('malformed', 'the body is not valid UTF-8', { cause });
  }
  checkJsonDepth(text);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new Problem('malformed', 'the body is not JSON', { cause });
  }
}
