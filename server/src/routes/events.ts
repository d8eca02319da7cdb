/**
 * `GET /v1/inbox/events`: server-sent events for the calling device.
 *
 * On connection the stream announces every item already waiting, then each new one right after the
 * write that added it committed: `event: packet` or `event: notice`, `data: {"id": …}`. `event: resync`
 * means wake-ups may have been missed (the PostgreSQL LISTEN connection was re-established) and the
 * client should list its inbox. A comment line every `heartbeatSeconds` keeps proxies from closing the
 * stream; at each heartbeat the device is checked again and the stream closed if it was revoked. The
 * stream closes when the relay shuts down; clients reconnect (with a fresh token) and list their inbox.
 *
 * Which items were announced is tracked by id, not by position, so an item that commits after items
 * with later positions (possible on PostgreSQL) is still announced. At most the first 500 waiting items
 * are considered; later ones are announced as earlier ones are acknowledged.
 */
import { Hono } from 'hono';
import { errorFields } from '../logging/index.js';
import { acquireWaiter, authenticate } from './authenticate.js';
import type { RelayEnv, RouteDeps } from './context.js';

const WINDOW = 500;

/** The event stream route. */
export function eventRoutes(deps: RouteDeps): Hono<RelayEnv> {
  const app = new Hono<RelayEnv>();
  app.get('/inbox/events', authenticate(deps), (c) => {
    const device = c.get('device');
    const release = acquireWaiter(deps, device.kid);
    const encoder = new TextEncoder();
    const announced = new Set<string>();
    const signals = [c.req.raw.signal, deps.shutdown];
    let closed = false;
    let pumping = false;
    let again = false;
    let cleanup = () => {};

    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const close = () => {
          if (closed) return;
          closed = true;
          cleanup();
          try {
            controller.close();
          } catch {
            // Already closed by the client.
          }
        };
        const write = (text: string) => {
          if (closed) return;
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            close();
          }
        };
        const pump = async (): Promise<void> => {
          if (pumping) {
            again = true;
            return;
          }
          pumping = true;
          try {
            do {
              again = false;
              const items = await deps.store.list(device.kid, { after: 0, limit: WINDOW, now: deps.now() });
              const present = new Set<string>();
              for (const item of items.slice(0, WINDOW)) {
                const key = `${item.kind}:${item.id}`;
                present.add(key);
                if (announced.has(key)) continue;
                announced.add(key);
                write(`event: ${item.kind}\ndata: ${JSON.stringify({ id: item.id })}\n\n`);
              }
              for (const key of announced) if (!present.has(key)) announced.delete(key);
            } while (again && !closed);
          } catch (err) {
            deps.logger.warn('event stream: listing failed', { device: device.kid, ...errorFields(err) });
          } finally {
            pumping = false;
          }
        };
        const stillActive = async () => {
          try {
            (await deps.directory.require()).activeDevice(device.kid);
          } catch {
            close();
          }
        };
        const unsubscribe = deps.notifier.subscribe(device.kid, (reason) => {
          if (reason === 'resync') write('event: resync\ndata: {}\n\n');
          void pump();
        });
        const heartbeat = setInterval(() => {
          write(': heartbeat\n\n');
          void stillActive();
        }, deps.config.heartbeatSeconds * 1000);
        for (const s of signals) s.addEventListener('abort', close, { once: true });
        cleanup = () => {
          release();
          unsubscribe();
          clearInterval(heartbeat);
          for (const s of signals) s.removeEventListener('abort', close);
        };
        if (signals.some((s) => s.aborted)) {
          close();
          return;
        }
        write('retry: 2000\n\n');
        void pump();
      },
      cancel() {
        closed = true;
        cleanup();
        release();
      },
    });
    return new Response(stream, {
      status: 200,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      },
    });
  });
  return app;
}
