/**
 * Internal: watching the relay (PROTOCOL.md §9 `GET /v1/inbox/events`): the client stays connected to
 * the relay's server-sent events and syncs when one says something arrived, and yields the events each
 * sync recorded, once each, as they commit. A broken stream (the relay restarted, the network down) is
 * opened again after a pause that doubles up to a bound and starts over once connected; every
 * (re)connection begins with a sync, so nothing that arrived meanwhile is missed. Hints that arrive
 * while a sync runs are folded into one more sync.
 */
import { BryggaError, isBryggaError } from '../errors.js';
import { type RelayClient, RelayError, pause as wait } from '../transport/relay-client.js';
import type { ClientEvent, ClientEventListener } from './client-events.js';
import type { WatchConnection, WatchOptions } from './client-types.js';

/** What the watch needs of the client. */
export interface Watched {
  relay: RelayClient;
  sync(signal: AbortSignal): Promise<unknown>;
  subscribe(listener: ClientEventListener): () => void;
  pendingEvents(limit: number): Promise<ClientEvent[]>;
}

/** The first pause after the stream broke, and the longest. */
const FIRST_PAUSE_MS = 500;
const LONGEST_PAUSE_MS = 30_000;

/** See the module header. */
export async function* watchRelay(client: Watched, options: WatchOptions = {}): AsyncGenerator<ClientEvent> {
  const outer = options.signal;
  const minPause = options.minPauseMs ?? FIRST_PAUSE_MS;
  const maxPause = options.maxPauseMs ?? LONGEST_PAUSE_MS;
  const tell = (state: WatchConnection) => {
    try {
      options.onConnection?.(state);
    } catch {
      // The caller's listener is its own.
    }
  };
  const queue: ClientEvent[] = [];
  let last = 0;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const unsubscribe = client.subscribe((e) => {
    queue.push(e);
    poke();
  });
  const onAbort = () => poke();
  outer?.addEventListener('abort', onAbort);
  try {
    if (options.fromStart) {
      for (const e of await client.pendingEvents(100_000)) {
        if (outer?.aborted) return;
        last = Math.max(last, e.seq);
        yield e;
      }
    }
    let pause = minPause;
    while (!outer?.aborted) {
      const connection = new AbortController();
      const stop = () => connection.abort();
      outer?.addEventListener('abort', stop, { once: true });
      let dirty = true;
      let broken: unknown;
      let opened = false;
      const pump = (async () => {
        try {
          for await (const _event of client.relay.events(connection.signal)) {
            dirty = true;
            poke();
          }
          broken ??= new RelayError(0, 'urn:brygga:problem:unreachable', 'the relay closed the event stream');
        } catch (err) {
          broken ??= err;
        }
        poke();
      })();
      try {
        while (!outer?.aborted && broken === undefined) {
          if (dirty) {
            dirty = false;
            await client.sync(connection.signal);
            if (!opened) {
              opened = true;
              pause = minPause;
              tell({ connected: true });
            }
          }
          while (queue.length > 0) {
            const e = queue.shift()!;
            if (e.seq <= last) continue;
            last = e.seq;
            yield e;
            if (outer?.aborted) return;
          }
          if (!dirty && broken === undefined && !outer?.aborted) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
        }
      } catch (err) {
        broken ??= err;
      } finally {
        connection.abort();
        outer?.removeEventListener('abort', stop);
        await pump;
      }
      while (queue.length > 0) {
        const e = queue.shift()!;
        if (e.seq <= last) continue;
        last = e.seq;
        yield e;
      }
      if (outer?.aborted) return;
      const error = isBryggaError(broken)
        ? broken
        : new BryggaError('ERR_RELAY', 'the connection to the relay broke', { cause: broken });
      tell({ connected: false, retryInMs: pause, error });
      await wait(pause, outer);
      pause = Math.min(pause * 2, maxPause);
    }
  } finally {
    unsubscribe();
    outer?.removeEventListener('abort', onAbort);
  }
}
