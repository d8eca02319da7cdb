/**
 * The per-device inbox. Every route is authenticated and sees only rows of the
 * calling device; another device's packet is indistinguishable from one that does not exist (404).
 *
 * - `GET /v1/inbox?cursor=&limit=&wait=`: undelivered items, oldest first, `{items, next}`. `wait`
 *   (seconds, at most 30) long-polls: the answer comes as soon as an item exists. The cursor pages
 *   through one listing only; clients start every sync from the beginning (acknowledged items disappear,
 *   and on PostgreSQL a row can commit after rows listed before it).
 * - `GET /v1/inbox/packets/{id}`: the envelope bytes.
 * - `DELETE /v1/inbox/packets/{id}`: acknowledge; the packet is deleted with its last delivery.
 * - `DELETE /v1/inbox/notices/{id}`: acknowledge a notice.
 */
import { BryggaError, ENVELOPE_MEDIA_TYPE, PACKET_ID_PATTERN } from '@brygga/client-sdk';
import { Hono } from 'hono';
import type { InboxEntry } from '../storage/index.js';
import { acquireWaiter, authenticate } from './authenticate.js';
import { isoTime, type RelayEnv, type RouteDeps } from './context.js';
import { waitForWake } from './wake.js';

/** Longest long-poll, in seconds. */
const MAX_WAIT_SECONDS = 30;
/** Default and largest page size. */
const DEFAULT_PAGE = 100;
const MAX_PAGE = 500;

const DIGITS = /^\d{1,15}$/;

function queryInt(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (!DIGITS.test(value) || Number(value) < min || Number(value) > max) {
    throw new BryggaError('ERR_MALFORMED', `${name} must be an integer from ${min} to ${max}`);
  }
  return Number(value);
}

/** An inbox entry as the API shows it (schemas/relay-api.schema.json#/$defs/InboxItem). */
function inboxItem(entry: InboxEntry): Record<string, unknown> {
  if (entry.kind === 'packet') {
    return {
      kind: 'packet',
      id: entry.id,
      sender: entry.sender,
      size: entry.size,
      receivedAt: isoTime(entry.receivedAt),
      expiresAt: isoTime(entry.expiresAt),
    };
  }
  return {
    kind: 'notice',
    id: entry.id,
    type: entry.type,
    packetId: entry.packetId,
    recipient: entry.recipient,
    expiredAt: isoTime(entry.expiredAt),
  };
}

function notFound(): BryggaError {
  return new BryggaError('ERR_NOT_FOUND', 'no such item in this inbox');
}

/** The inbox routes. */
export function inboxRoutes(deps: RouteDeps): Hono<RelayEnv> {
  const app = new Hono<RelayEnv>();
  // Authentication is attached per route: a path-wide middleware would also run for routes other
  // modules mount under /inbox (the event stream) and consume their token twice.
  const auth = authenticate(deps);

  app.get('/inbox', auth, async (c) => {
    const device = c.get('device');
    const cursor = c.req.query('cursor');
    if (cursor !== undefined && !DIGITS.test(cursor))
      throw new BryggaError('ERR_MALFORMED', 'invalid cursor');
    const after = cursor === undefined ? 0 : Number(cursor);
    const limit = queryInt(c.req.query('limit'), 'limit', 1, MAX_PAGE, DEFAULT_PAGE);
    const wait = queryInt(c.req.query('wait'), 'wait', 0, MAX_WAIT_SECONDS, 0);
    const list = () => deps.store.list(device.kid, { after, limit, now: deps.now() });
    let entries: InboxEntry[];
    if (wait === 0) {
      entries = await list();
    } else {
      const release = acquireWaiter(deps, device.kid);
      const waiting = waitForWake(deps.notifier, device.kid, wait * 1000, [c.req.raw.signal, deps.shutdown]);
      try {
        entries = await list();
        if (entries.length === 0) {
          await waiting.done;
          entries = await list();
        }
      } finally {
        waiting.cancel();
        release();
      }
    }
    const page = entries.slice(0, limit);
    const next = entries.length > limit ? String(page[page.length - 1]!.seq) : null;
    c.header('cache-control', 'no-store');
    return c.json({ items: page.map(inboxItem), next });
  });

  app.get('/inbox/packets/:id', auth, async (c) => {
    const id = c.req.param('id');
    if (!PACKET_ID_PATTERN.test(id)) throw notFound();
    c.set('packet', id);
    const envelope = await deps.store.envelope(c.get('device').kid, id, deps.now());
    if (!envelope) throw notFound();
    return c.body(envelope as Uint8Array<ArrayBuffer>, 200, {
      'content-type': ENVELOPE_MEDIA_TYPE,
      'cache-control': 'no-store',
    });
  });

  app.delete('/inbox/packets/:id', auth, async (c) => {
    const id = c.req.param('id');
    if (!PACKET_ID_PATTERN.test(id)) throw notFound();
    c.set('packet', id);
    if (!(await deps.store.acknowledgePacket(c.get('device').kid, id))) throw notFound();
    return c.body(null, 204);
  });

  app.delete('/inbox/notices/:id', auth, async (c) => {
    const id = c.req.param('id');
    if (!PACKET_ID_PATTERN.test(id)) throw notFound();
    if (!(await deps.store.acknowledgeNotice(c.get('device').kid, id))) throw notFound();
    return c.body(null, 204);
  });

  return app;
}
