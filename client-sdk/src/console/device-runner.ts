/**
 * Keeps the console's client in step with the relay (PROTOCOL.md §10): it listens to the relay's
 * server-sent events for this device's inbox and calls `sync()` on every wake-up, reconnects with
 * exponential backoff (1 s doubling to 60 s, with jitter) when the stream breaks, syncs once after every
 * reconnect to catch up on what arrived meanwhile, and syncs on a timer as well, so a lost event costs at
 * most one period. Syncs never overlap: a wake-up during a sync asks for one more after it.
 *
 * The SDK's events (what arrived, what was refused, log alarms) are consumed here and handed to
 * `onEvent`; the console keeps the ones a person must review and tells open pages to refresh.
 */
import { type BryggaClient, type ClientEvent, isBryggaError, type RelayClient } from '../index.js';

/** What {@link DeviceRunner} needs. */
export interface DeviceRunnerOptions {
  client: BryggaClient;
  /** A relay client with this device's key, for the event stream. */
  relay: RelayClient;
  /** Milliseconds between periodic syncs. */
  syncEveryMs: number;
  /** Called with every SDK event, after the transaction that recorded it. */
  onEvent: (event: ClientEvent) => void | Promise<void>;
  /** Called after every sync, successful or not. */
  onSynced?: () => void;
  now?: () => Date;
}

/** The device's connection as the console shows it. */
export interface RunnerStatus {
  lastSync: Date | null;
  /** The error code of the last sync, when it failed. */
  lastError: string | null;
}

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;
/** A stream that stayed open this long was healthy: the next reconnect starts from the first backoff. */
const HEALTHY_STREAM_MS = 30_000;

/** Runs the device: see the module comment. */
export class DeviceRunner {
  readonly #o: DeviceRunnerOptions;
  readonly #stop = new AbortController();
  readonly #now: () => Date;
  #running: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #tasks: Promise<unknown>[] = [];
  readonly status: RunnerStatus = { lastSync: null, lastError: null };

  constructor(options: DeviceRunnerOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Start listening, consuming events and syncing. */
  start(): void {
    this.#tasks.push(this.#listen(), this.#consume());
    this.#timer = setInterval(() => void this.syncSoon(), this.#o.syncEveryMs);
    this.#timer.unref();
  }

  /** Stop everything and wait for a sync in progress. */
  async stop(): Promise<void> {
    this.#stop.abort();
    clearInterval(this.#timer);
    await Promise.allSettled(this.#tasks);
    await this.#running?.catch(() => {});
  }

  /** Sync now, or once more after the sync in progress. Resolves when the device is in step. */
  syncSoon(): Promise<void> {
    if (this.#stop.signal.aborted) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          await this.#o.client.sync({ signal: this.#stop.signal });
          this.status.lastError = null;
        } catch (err) {
          if (this.#stop.signal.aborted) return;
          this.status.lastError = codeOf(err);
        }
        this.status.lastSync = this.#now();
        this.#o.onSynced?.();
      } while (this.#again && !this.#stop.signal.aborted);
    })().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #listen(): Promise<void> {
    const signal = this.#stop.signal;
    let backoff = FIRST_BACKOFF_MS;
    while (!signal.aborted) {
      const opened = Date.now();
      // Whatever arrived while the stream was down is fetched now; the stream announces what comes next.
      void this.syncSoon();
      try {
        for await (const _event of this.#o.relay.events(signal)) {
          backoff = FIRST_BACKOFF_MS;
          void this.syncSoon();
        }
      } catch {
        // A refused or broken stream: wait, reconnect, and sync to catch up.
      }
      if (signal.aborted) return;
      if (Date.now() - opened > HEALTHY_STREAM_MS) backoff = FIRST_BACKOFF_MS;
      await sleep(backoff / 2 + Math.random() * (backoff / 2), signal);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  async #consume(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        for await (const event of this.#o.client.events({ signal })) await this.#o.onEvent(event);
      } catch {
        // The store refused a read: try again in a moment.
        await sleep(FIRST_BACKOFF_MS, signal);
      }
    }
  }
}

function codeOf(err: unknown): string {
  // A wrong clock is the one relay refusal a coordinator can put right at the device itself.
  if (isBryggaError(err, 'ERR_RELAY') && err.errorCode === 'ERR_CLOCK_SKEW') return 'ERR_CLOCK_SKEW';
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_') ? code : 'ERR_RELAY';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
