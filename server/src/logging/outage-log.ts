/**
 * The log of an outage: one warn line when a kind of failure starts (in full), then at most one line per
 * interval counting the failures since ("database unreachable: 412 more failures in the last 10 s"),
 * and one warn line when it is over ("database reachable again after 20.4 s"). Without it, every
 * failed request and every retry of a background job wrote its own warn line: thousands in a short
 * outage, which hide the start and the end of it.
 *
 * Whether a failure is over is asked of `recovered(kind)` once a second while it lasts (for the
 * database, a `select 1`; for a full disk, whether a packet has been stored since), so the end is logged
 * even when no request comes.
 */
import type { LogFields, Logger } from './logger.js';

/** Options of an {@link OutageLog}. */
export interface OutageLogOptions {
  /** Whether the failure named `kind` is over. */
  recovered: (kind: string) => Promise<boolean>;
  /** The recovery line's words for `kind`, e.g. "database reachable again". */
  recoveredMessage?: (kind: string) => string;
  /** How often repeated failures are counted in one line, in milliseconds (default 10 s). */
  intervalMs?: number;
  /** How often recovery is checked while a failure lasts, in milliseconds (default 1 s). */
  checkMs?: number;
  now?: () => number;
}

interface Outage {
  since: number;
  windowStart: number;
  /** Failures since the last line. */
  pending: number;
  /** Failures in all. */
  total: number;
  timer: ReturnType<typeof setInterval>;
  checking: boolean;
}

/** Summarises repeated failures of a kind (see the module header). */
export class OutageLog {
  readonly #logger: Logger;
  readonly #options: Required<Omit<OutageLogOptions, 'recoveredMessage'>> &
    Pick<OutageLogOptions, 'recoveredMessage'>;
  readonly #outages = new Map<string, Outage>();

  constructor(logger: Logger, options: OutageLogOptions) {
    this.#logger = logger;
    this.#options = { intervalMs: 10_000, checkMs: 1000, now: Date.now, ...options };
  }

  /** Whether a failure of `kind` is going on. */
  active(kind: string): boolean {
    return this.#outages.has(kind);
  }

  /** A failure of `kind` (the log message, e.g. "database unreachable"), with the fields of its first line. */
  failure(kind: string, fields: LogFields = {}): void {
    const now = this.#options.now();
    const outage = this.#outages.get(kind);
    if (!outage) {
      this.#logger.warn(kind, fields);
      const timer = setInterval(() => void this.#check(kind), this.#options.checkMs);
      timer.unref();
      this.#outages.set(kind, { since: now, windowStart: now, pending: 0, total: 1, timer, checking: false });
      return;
    }
    outage.pending++;
    outage.total++;
    if (now - outage.windowStart >= this.#options.intervalMs) this.#flush(kind, outage, now);
  }

  /** Stop checking (the relay is shutting down); nothing more is logged. */
  close(): void {
    for (const outage of this.#outages.values()) clearInterval(outage.timer);
    this.#outages.clear();
  }

  #flush(kind: string, outage: Outage, now: number): void {
    if (outage.pending > 0) {
      const seconds = Math.round((now - outage.windowStart) / 1000);
      const noun = outage.pending === 1 ? 'failure' : 'failures';
      this.#logger.warn(`${kind}: ${outage.pending} more ${noun} in the last ${seconds} s`, {
        failures: outage.pending,
      });
    }
    outage.pending = 0;
    outage.windowStart = now;
  }

  async #check(kind: string): Promise<void> {
    const outage = this.#outages.get(kind);
    if (!outage || outage.checking) return;
    outage.checking = true;
    let over = false;
    try {
      over = await this.#options.recovered(kind);
    } catch {
      // Still failing.
    } finally {
      outage.checking = false;
    }
    if (!over || this.#outages.get(kind) !== outage) return;
    const now = this.#options.now();
    this.#flush(kind, outage, now);
    clearInterval(outage.timer);
    this.#outages.delete(kind);
    const seconds = ((now - outage.since) / 1000).toFixed(1);
    const words = this.#options.recoveredMessage?.(kind) ?? `${kind}: over`;
    this.#logger.warn(`${words} after ${seconds} s`, { failures: outage.total, seconds: Number(seconds) });
  }
}
