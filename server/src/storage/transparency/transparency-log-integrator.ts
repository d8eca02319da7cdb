/**
 * When the transparency log takes in new rows (PROTOCOL.md §18.2): an integration round
 * (integration-round.ts) runs shortly after a commit that added a loggable row (a few milliseconds later,
 * so that the commits of a burst share one round and one checkpoint), and on an interval, the merge delay,
 * which also picks up rows committed by other relay processes on the same database. A round appends at
 * most a bounded number of rows; while rows remain, the next round follows at once.
 *
 * Under continuous load a round started by a commit follows the previous round's start by at least the
 * spacing (default {@link DEFAULT_SPACING_MS}, at most half the merge delay): each round then takes in
 * the objects of many commits, and the log's fixed cost per round (its queries, its checkpoint's
 * signature, its own commit) is paid a few times a second instead of after every burst. An object still
 * waits at most the spacing and one round, well inside the merge delay; after a quiet spell the first
 * commit's round starts after the short debounce as before.
 *
 * Rounds of one process never overlap; a failed round is logged and retried by the next one, having stored
 * nothing.
 */
import { errorFields, type Logger, type OutageLog } from '../../logging/index.js';
import { databaseFailure } from '../database-failure.js';
import { DEFAULT_ROUND_SIZE } from './integration-round.js';
import type { TransparencyLogStore } from './transparency-log-store.js';

/** Default merge delay: the longest an accepted object waits for the log, in milliseconds. */
const DEFAULT_MERGE_DELAY_MS = 1000;

/** Default least time between the starts of rounds that commits ask for, in milliseconds. */
const DEFAULT_SPACING_MS = 150;

/** Longest {@link TransparencyLogIntegrator.stop} waits for the round in flight, in milliseconds. */
const STOP_WAIT_MS = 2000;

/** Options of a {@link TransparencyLogIntegrator}. */
export interface TransparencyLogIntegratorOptions {
  logger: Logger;
  /** Where a round's database failures are summarised (logging/outage-log.ts); absent: each is logged. */
  outages?: OutageLog;
  /** The interval of rounds (default {@link DEFAULT_MERGE_DELAY_MS}). */
  mergeDelayMs?: number;
  /** How long after a commit a round starts, to gather a burst (default 20 ms: well inside the merge delay). */
  debounceMs?: number;
  /**
   * Least time between the start of a round and that of the next round a commit asks for (default
   * {@link DEFAULT_SPACING_MS}; never more than half the merge delay).
   */
  spacingMs?: number;
  /** Most rows per round (default {@link DEFAULT_ROUND_SIZE}). */
  roundSize?: number;
  /** A monotonic clock in milliseconds, for the spacing (default `performance.now`). */
  clock?: () => number;
}

/** Runs the log's integration rounds (see the module header). */
export class TransparencyLogIntegrator {
  readonly store: TransparencyLogStore;
  readonly #logger: Logger;
  readonly #outages: OutageLog | undefined;
  readonly #mergeDelayMs: number;
  readonly #debounceMs: number;
  readonly #spacingMs: number;
  readonly #roundSize: number;
  readonly #clock: () => number;
  /** When the latest round started, by {@link TransparencyLogIntegratorOptions.clock}. */
  #lastStart = Number.NEGATIVE_INFINITY;
  #interval: ReturnType<typeof setInterval> | undefined;
  #debounce: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<number> | undefined;
  #again = false;
  #stopped = false;

  constructor(store: TransparencyLogStore, options: TransparencyLogIntegratorOptions) {
    this.store = store;
    this.#logger = options.logger;
    this.#outages = options.outages;
    this.#mergeDelayMs = options.mergeDelayMs ?? DEFAULT_MERGE_DELAY_MS;
    this.#debounceMs = options.debounceMs ?? 20;
    this.#spacingMs = Math.min(options.spacingMs ?? DEFAULT_SPACING_MS, this.#mergeDelayMs / 2);
    this.#roundSize = options.roundSize ?? DEFAULT_ROUND_SIZE;
    this.#clock = options.clock ?? (() => performance.now());
  }

  /** Whether rounds run on their interval: started and not stopped (the relay's readiness, §9). */
  get running(): boolean {
    return this.#interval !== undefined && !this.#stopped;
  }

  /** Run rounds on the merge-delay interval, and one now. */
  start(): void {
    if (this.#interval || this.#stopped) return;
    this.#interval = setInterval(() => this.#background(), this.#mergeDelayMs);
    this.#interval.unref();
    this.#background();
  }

  /** A commit added a loggable row: run a round soon (after the debounce, and the spacing since the last). */
  notify(): void {
    if (this.#stopped || this.#debounce) return;
    const spaced = this.#lastStart + this.#spacingMs - this.#clock();
    this.#debounce = setTimeout(
      () => {
        this.#debounce = undefined;
        this.#background();
      },
      Math.max(this.#debounceMs, spaced),
    );
    this.#debounce.unref();
  }

  /**
   * Take in every row committed before the call (rounds until none waits); resolves with the tree size.
   * Rejects if a round fails.
   */
  flush(): Promise<number> {
    return this.#run();
  }

  /** Stop scheduling rounds and wait for the one running. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#interval);
    clearTimeout(this.#debounce);
    this.#interval = undefined;
    this.#debounce = undefined;
    const running = this.#running;
    if (!running) return;
    // A round normally ends in milliseconds; one on a database already closed under it may never
    // settle, and must not hold up a shutdown. Closing the database waits for a round in flight anyway.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      running.catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, STOP_WAIT_MS);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  #background(): void {
    if (this.#stopped) return;
    this.#run().catch((err) => {
      const failure = databaseFailure(err);
      const fields = { during: 'transparency log integration', ...errorFields(err) };
      if (failure && this.#outages) this.#outages.failure(failure.log, fields);
      else this.#logger.warn('transparency log integration failed', fields);
    });
  }

  /**
   * Ask for a round that starts after this call. A chain already running runs one more round (its
   * current one may have read its rows before the caller's commit); otherwise a chain starts.
   */
  #run(): Promise<number> {
    this.#again = true;
    this.#running ??= this.#chain();
    return this.#running;
  }

  async #chain(): Promise<number> {
    try {
      for (;;) {
        this.#again = false;
        this.#lastStart = this.#clock();
        const { appended, repeated, size } = await this.store.integrate(this.#roundSize);
        if (appended + repeated >= this.#roundSize) this.#again = true;
        if (!this.#again) {
          // Cleared in the same turn as the decision to stop, so no request for a round falls between.
          this.#running = undefined;
          return size;
        }
      }
    } catch (err) {
      this.#running = undefined;
      throw err;
    }
  }
}
