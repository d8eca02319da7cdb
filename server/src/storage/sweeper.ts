/**
 * Expiry: runs {@link RelayStore.sweep} every `intervalMs`. Safe to run in several
 * processes at once (see relay-store.ts). A failed sweep is logged and retried at the next tick; it never
 * stops the relay.
 */
import { errorFields, type Logger } from '../logging/index.js';
import type { RelayStore, SweepResult } from './relay-store.js';

/** Periodic sweeps of expired deliveries, notices, token ids and idempotency records. */
export class Sweeper {
  readonly #store: RelayStore;
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<SweepResult | undefined> | undefined;

  constructor(store: RelayStore, options: { now: () => number; logger: Logger; intervalMs: number }) {
    this.#store = store;
    this.#now = options.now;
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs;
  }

  /** Start sweeping periodically (the first sweep runs at once). */
  start(): void {
    if (this.#timer) return;
    void this.runOnce();
    this.#timer = setInterval(() => void this.runOnce(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Sweep now (or wait for the sweep already running). Never rejects. */
  runOnce(): Promise<SweepResult | undefined> {
    this.#running ??= this.#sweep().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #sweep(): Promise<SweepResult | undefined> {
    try {
      const result = await this.#store.sweep(this.#now());
      if (result.expiredDeliveries > 0 || result.expiredNotices > 0) {
        this.#logger.info('sweep', { ...result });
      }
      return result;
    } catch (err) {
      this.#logger.error('sweep failed', errorFields(err));
      return undefined;
    }
  }

  /** Stop the timer and wait for a running sweep. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
