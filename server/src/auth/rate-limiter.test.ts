import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.js';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst of one minute, then the sustained rate, per key', () => {
    const limiter = new RateLimiter(60);
    const t = 1_000_000;
    for (let i = 0; i < 60; i++) expect(limiter.take('a', t).allowed).toBe(true);
    expect(limiter.take('a', t)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take('b', t).allowed).toBe(true);
    expect(limiter.take('a', t + 999).allowed).toBe(false);
    expect(limiter.take('a', t + 1000).allowed).toBe(true);
    expect(limiter.take('a', t + 1000).allowed).toBe(false);
  });

  it('says how long to wait at low rates', () => {
    const limiter = new RateLimiter(2);
    expect(limiter.take('a', 0).allowed).toBe(true);
    expect(limiter.take('a', 0).allowed).toBe(true);
    expect(limiter.take('a', 0)).toEqual({ allowed: false, retryAfterSeconds: 30 });
    expect(limiter.take('a', 10_000)).toEqual({ allowed: false, retryAfterSeconds: 20 });
  });

  it('does not grow without bound under many keys, and forgotten keys start full', () => {
    const limiter = new RateLimiter(1, { maxKeys: 100 });
    for (let i = 0; i < 1000; i++) limiter.take(`k${i}`, 0);
    expect(limiter.take('k999', 0).allowed).toBe(false);
    for (let i = 0; i < 200; i++) limiter.take(`x${i}`, 120_000);
    expect(limiter.take('k0', 120_000).allowed).toBe(true);
  });

  it('refuses a rate that is not positive', () => {
    expect(codeOf(() => new RateLimiter(0))).toBe('ERR_CONFIG');
  });
});
