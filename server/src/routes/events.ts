/**
 * `GET /v1/inbox/events`: server-sent events for the calling device (PROTOCOL.md §9), through Hono's
 * `streamSSE`.
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
 *
 * Nothing that fails inside the stream reaches the client: `streamSSE` would write an error's message
 * as an event, so every failure is caught here, logged, and ends at most the stream.
 */
import { Hono } from 'hono';
import { type SSEMessage, type SSEStreamingApi, streamSSE } from 'hono/streaming';
import { errorFields } from '../logging/index.js';
import { acquireWaiter, authenticate } from './authenticate.js';
import type { RelayEnv, RouteDeps } from './context.js';

const WINDOW = 500;

/** How long a client waits before reconnecting, in milliseconds (the stream's `retry:` field). */
const RECONNECT_MS = 2000;

/** The event stream route. */
export function eventRoutes(deps: RouteDeps): Hono<RelayEnv> {
  const app = new Hono<RelayEnv>();
  app.get('/inbox/events', authenticate(deps), (c) => {
    const device = c.get('device').kid;
    const release = acquireWaiter(deps, device);
    const signals = [c.req.raw.signal, deps.shutdown];

    /** Announce the device's inbox on `stream` until the client leaves, the relay stops or the device is revoked. */
    async function announce(stream: SSEStreamingApi): Promise<void> {
      let stop = () => {};
      const stopped = new Promise<void>((resolve) => {
        stop = resolve;
      });
      stream.onAbort(stop);
      // One write at a time, in order: a resync or heartbeat never lands inside another message.
      let writing = Promise.resolve();
      const send = (write: () => Promise<unknown>) => {
        writing = writing.then(write).then(
          () => {},
          () => stop(),
        );
        return writing;
      };
      const message = (m: SSEMessage) => send(() => stream.writeSSE(m));

      const announced = new Set<string>();
      let pumping = false;
      let again = false;
      const pump = async (): Promise<void> => {
        if (pumping) {
          again = true;
          return;
        }
        pumping = true;
        try {
          do {
            again = false;
            const items = await deps.store.list(device, { after: 0, limit: WINDOW, now: deps.now() });
            const present = new Set<string>();
            for (const item of items.slice(0, WINDOW)) {
              const key = `${item.kind}:${item.id}`;
              present.add(key);
              if (announced.has(key)) continue;
              announced.add(key);
              void message({ event: item.kind, data: JSON.stringify({ id: item.id }) });
            }
            for (const key of announced) if (!present.has(key)) announced.delete(key);
          } while (again && !stream.closed && !stream.aborted);
        } catch (err) {
          deps.logger.warn('event stream: listing failed', { device, ...errorFields(err) });
        } finally {
          pumping = false;
        }
      };
      const stillActive = async () => {
        try {
          (await deps.directory.require()).activeDevice(device);
        } catch {
          stop();
        }
      };

      const unsubscribe = deps.notifier.subscribe(device, (reason) => {
        if (reason === 'resync') void message({ event: 'resync', data: '{}' });
        void pump();
      });
      const heartbeat = setInterval(() => {
        void send(() => stream.write(': heartbeat\n\n'));
        void stillActive();
      }, deps.config.heartbeatSeconds * 1000);
      for (const s of signals) s.addEventListener('abort', stop, { once: true });
      try {
        if (signals.some((s) => s.aborted)) return;
        void send(() => stream.write(`retry: ${RECONNECT_MS}\n\n`));
        void pump();
        await stopped;
      } finally {
        unsubscribe();
        clearInterval(heartbeat);
        for (const s of signals) s.removeEventListener('abort', stop);
      }
    }

    const response = streamSSE(c, async (stream) => {
      const closed = deps.metrics.openEventStream();
      try {
        await announce(stream);
      } catch (err) {
        deps.logger.warn('event stream failed', { device, ...errorFields(err) });
      } finally {
        closed();
        release();
      }
    });
    // The inbox is per device and changes with every packet: never stored by a cache or proxy.
    response.headers.set('content-type', 'text/event-stream; charset=utf-8');
    response.headers.set('cache-control', 'no-store');
    response.headers.set('x-accel-buffering', 'no');
    return response;
  });
  return app;
}
