import { BryggaError, ERROR_CODES, ERROR_TABLE } from '@brygga/client-sdk';
import { describe, expect, it } from 'vitest';
import { Problem, problemDocument, problemResponse } from './problem.js';

describe('problem responses', () => {
  it('answer every error code by its row of the error table', async () => {
    for (const code of ERROR_CODES) {
      const { problem, status, title } = ERROR_TABLE[code];
      const res = problemResponse(new BryggaError(code, 'why'));
      expect(res.status, code).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({
        type: `urn:brygga:problem:${problem}`,
        title,
        status,
        // Every cryptographic failure says the same fixed thing.
        detail: code === 'ERR_CRYPTO' ? 'cryptographic verification failed' : 'why',
      });
    }
  });

  it("adds a Problem's own headers, and nothing else of it", async () => {
    const p = new Problem('ERR_RATE_LIMITED', 'slow down', { headers: { 'retry-after': '3' } });
    expect(problemDocument(p)).toEqual({
      type: 'urn:brygga:problem:rate-limited',
      title: 'Too many requests',
      status: 429,
      detail: 'slow down',
    });
    const res = problemResponse(p);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(problemResponse(new BryggaError('ERR_RATE_LIMITED', 'x')).headers.get('retry-after')).toBeNull();
  });
});
