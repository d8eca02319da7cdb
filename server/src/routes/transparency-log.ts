/**
 * The transparency log's routes (PROTOCOL.md §18.5). Every call but the key carries a device token
 * (§8), like the inbox: the log is for the parties, and the key is what they compare out of band.
 *
 * - `GET /v1/log/key`: `{origin, verifierKey, publicKey, safetyNumber}`.
 * - `GET /v1/log/checkpoint`, `GET /v1/log/checkpoints/{size}`: a signed note (`text/plain`) with
 *   every stored cosignature appended.
 * - `GET /v1/log/proof/inclusion?leaf=&size=`, `GET /v1/log/proof/consistency?from=&to=`: proofs, each
 *   element base64url.
 * - `GET /v1/log/entries?start=&limit=`: the leaves, with the statement or agreement they name: a JSON
 *   page, or with `Accept: application/vnd.brygga.log-entries` the entry stream, sent as it is read.
 * - `POST /v1/log/cosignatures`: `{size, signature}`, a witness device's cosignature of a checkpoint.
 */
import {
  BryggaError,
  fromBase64url,
  LOG_ENTRIES_MEDIA_TYPE,
  MAX_STREAM_ENTRIES,
  toBase64url,
} from '@brygga/client-sdk';
import { Hono } from 'hono';
import { errorFields } from '../logging/index.js';
import { MAX_ENTRIES_PAGE, type TransparencyLogIntegrator } from '../storage/index.js';
import { authenticate } from './authenticate.js';
import type { RelayEnv, RouteDeps } from './context.js';
import { readJsonBody, requestSchemas, validJson } from './json-body.js';

/** Largest cosignature submission accepted (bytes). */
const MAX_COSIGNATURE_BYTES = 16 * 1024;

/** Entries listed when `limit` is not given. */
const DEFAULT_ENTRIES = 100;

const DIGITS = /^\d{1,15}$/;

/** A non-negative integer query parameter; `fallback` when absent (undefined: required). */
function integer(value: string | undefined, name: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new BryggaError('ERR_MALFORMED', `${name} is required`);
    return fallback;
  }
  if (!DIGITS.test(value)) throw new BryggaError('ERR_MALFORMED', `${name} must be a non-negative integer`);
  return Number(value);
}

function leafParameter(value: string | undefined): Uint8Array {
  if (value === undefined) throw new BryggaError('ERR_MALFORMED', 'leaf is required');
  try {
    return fromBase64url(value, 32);
  } catch {
    throw new BryggaError('ERR_MALFORMED', 'leaf must be a leaf hash: 32 bytes in base64url');
  }
}

/** Whether an Accept header asks for the entry stream (PROTOCOL.md §18.5). */
function wantsEntryStream(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    return type === LOG_ENTRIES_MEDIA_TYPE && !params.some((p) => /^q=0(\.0*)?$/.test(p));
  });
}

const NOTE_HEADERS = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };

/** The witness key name of a device (PROTOCOL.md §18.4). */
function witnessName(unit: string, device: string): string {
  return `brygga-witness/${unit}/${device}`;
}

/** The log routes over `log`. */
export function transparencyLogRoutes(deps: RouteDeps, log: TransparencyLogIntegrator): Hono<RelayEnv> {
  const app = new Hono<RelayEnv>();
  const store = log.store;
  // Per route, as in inbox.ts: a path-wide middleware would also take the public key route's requests.
  const auth = authenticate(deps);

  app.get('/log/key', (c) =>
    c.json({
      origin: store.key.origin,
      verifierKey: store.key.verifierKey,
      publicKey: store.key.publicKeyBase64url,
      safetyNumber: store.key.safetyNumber,
    }),
  );

  app.get('/log/checkpoint', auth, async (c) => {
    const note = await store.checkpoint();
    if (note === undefined)
      throw new BryggaError('ERR_UNAVAILABLE', 'the log has not issued a checkpoint yet');
    return c.body(note, 200, NOTE_HEADERS);
  });

  app.get('/log/checkpoints/:size', auth, async (c) => {
    const size = integer(c.req.param('size'), 'size');
    const note = await store.checkpoint(size);
    if (note === undefined)
      throw new BryggaError('ERR_NOT_FOUND', `no checkpoint was issued at size ${size}`);
    return c.body(note, 200, NOTE_HEADERS);
  });

  app.get('/log/proof/inclusion', auth, async (c) => {
    const leaf = leafParameter(c.req.query('leaf'));
    const sizeText = c.req.query('size');
    const size = sizeText === undefined ? undefined : integer(sizeText, 'size');
    const { index, size: n, proof } = await store.inclusionProof(leaf, size);
    return c.json({ index, size: n, proof: proof.map(toBase64url) });
  });

  app.get('/log/proof/consistency', auth, async (c) => {
    const from = integer(c.req.query('from'), 'from');
    const to = integer(c.req.query('to'), 'to');
    const { proof } = await store.consistencyProof(from, to);
    return c.json({ from, to, proof: proof.map(toBase64url) });
  });

  app.get('/log/entries', auth, async (c) => {
    const start = integer(c.req.query('start'), 'start', 0);
    c.header('vary', 'accept');
    if (wantsEntryStream(c.req.header('accept'))) {
      const limit = integer(c.req.query('limit'), 'limit', MAX_STREAM_ENTRIES);
      if (limit < 1 || limit > MAX_STREAM_ENTRIES) {
        throw new BryggaError('ERR_MALFORMED', `limit must be an integer from 1 to ${MAX_STREAM_ENTRIES}`);
      }
      const chunks = await store.entryStream(start, limit);
      // Not Hono's stream(): it ends a failed stream as if it were complete, and an answer cut short
      // must look cut short (the connection breaks), not like a relay that served fewer entries.
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const next = await chunks.next();
            if (next.done) controller.close();
            else controller.enqueue(next.value);
          } catch (err) {
            deps.logger.warn('log entry stream failed', errorFields(err));
            controller.error(err);
          }
        },
        async cancel() {
          await chunks.return(undefined);
        },
      });
      return c.body(body, 200, { 'content-type': LOG_ENTRIES_MEDIA_TYPE });
    }
    const limit = integer(c.req.query('limit'), 'limit', DEFAULT_ENTRIES);
    if (limit < 1 || limit > MAX_ENTRIES_PAGE) {
      throw new BryggaError('ERR_MALFORMED', `limit must be an integer from 1 to ${MAX_ENTRIES_PAGE}`);
    }
    return c.json(await store.entries(start, limit));
  });

  app.post(
    '/log/cosignatures',
    auth,
    readJsonBody(MAX_COSIGNATURE_BYTES),
    validJson(requestSchemas().cosignature),
    async (c) => {
      const device = c.get('device');
      const { size, signature } = c.req.valid('json');
      const record = c.get('directory').device(device.kid);
      if (!record) throw new BryggaError('ERR_UNKNOWN_DEVICE', 'the device is not enrolled');
      const witness = witnessName(device.unit, device.kid);
      const { created } = await store.addCosignature(
        size,
        witness,
        record.key.bytes,
        signature.replace(/\n$/, ''),
      );
      return c.json({ size, witness }, created ? 201 : 200);
    },
  );

  return app;
}
