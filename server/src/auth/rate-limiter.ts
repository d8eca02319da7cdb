/**
 * Rate limits: a token bucket per key (a device, or a client address for public
 * writes). The bucket holds one minute's allowance, so a burst of up to `perMinute` requests passes and
 * the sustained rate is `perMinute`. Limits are per process: with N relay processes behind a balancer a
 * device can reach N times the rate; the database, not the limiter, is what keeps data consistent.
 */
import { BryggaError } from '@brygga/client-sdk';

/** The answer for one request. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Token buckets by key. */
export class RateLimiter {
  readonly #perMinute: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #maxKeys: number;

  constructor(perMinute: number, options: { maxKeys?: number } = {}) {
    if (!(perMinute > 0)) throw new BryggaError('ERR_CONFIG', 'a rate limit must be positive');
    this.#perMinute = perMinute;
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  /** Take one token for `key` at `now` (milliseconds). */
  take(key: string, now: number): RateDecision {
    const rate = this.#perMinute / 60_000;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.#maxKeys) this.#prune(now);
      bucket = { tokens: this.#perMinute, at: now };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.#perMinute, bucket.tokens + Math.max(0, now - bucket.at) * rate);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000)) };
  }

  /** Forget buckets that have refilled (they behave exactly like new ones). */
  #prune(now: number): void {
    const full = 60_000;
    for (const [key, b] of this.#buckets) if (now - b.at >= full) this.#buckets.delete(key);
    // Under a flood of distinct keys, drop the oldest half rather than grow without bound.
    if (this.#buckets.size >= this.#maxKeys) {
      let n = Math.floor(this.#buckets.size / 2);
      for (const key of this.#buckets.keys()) {
        if (n-- <= 0) break;
        this.#buckets.delete(key);
      }
    }
  }
}
