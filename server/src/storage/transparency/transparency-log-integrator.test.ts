import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../../test/support/databases.js';
import { Logger } from '../../logging/index.js';
import type { TransparencyRoundResult } from '../database.js';
import { TransparencyLogIntegrator } from './transparency-log-integrator.js';
import { TransparencyLogKey } from './transparency-log-key.js';
import { TransparencyLogStore } from './transparency-log-store.js';

const now = 1_700_000_000_000;

/** The real store, counting the rounds it is asked for (started, and what each appended). */
class CountingStore extends TransparencyLogStore {
  started = 0;
  appended: number[] = [];
  override async integrate(limit?: number): Promise<TransparencyRoundResult> {
    this.started++;
    const result = await super.integrate(limit);
    this.appended.push(result.appended);
    return result;
  }
}

describe('TransparencyLogIntegrator under continuous load', () => {
  let t: TestDatabase;
  let log: CountingStore;
  let n = 0;

  beforeEach(async () => {
    t = await openTestDatabase('sqlite');
    const key = await TransparencyLogKey.load(t.database, { origin: 'brygga.test/brygga-log', now });
    log = new CountingStore(t.database, { key, now: () => now });
    // Only the integrator's timers are faked (the writer's setImmediate runs as usual); the spacing reads
    // the faked clock, so no assertion below depends on how fast this machine is.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await t.drop();
  });

  async function addSubmission(): Promise<void> {
    const id = `p${n++}`;
    const digest = createHash('sha256').update(id).digest('base64url');
    await t.database.write((trx) =>
      trx
        .insertInto('submissions')
        .values({ id, digest, received_at: now + n, expires_at: now + n + 1000 })
        .execute(),
    );
  }

  /** Until the rounds started so far have finished. */
  async function settled(): Promise<void> {
    while (log.appended.length < log.started) await new Promise((resolve) => setImmediate(resolve));
  }

  it('starts the first round after the debounce, then spaces the rounds commits ask for', async () => {
    const integrator = new TransparencyLogIntegrator(log, {
      logger: new Logger({ level: 'silent' }),
      debounceMs: 20,
      spacingMs: 150,
      clock: () => Date.now(),
    });
    await addSubmission();
    integrator.notify();
    await vi.advanceTimersByTimeAsync(19);
    expect(log.started).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(log.started).toBe(1);
    await settled();
    // Commits keep coming: none of them starts a round before the spacing has passed.
    for (let i = 0; i < 30; i++) {
      await addSubmission();
      integrator.notify();
      await vi.advanceTimersByTimeAsync(4);
      await settled();
    }
    // At 20 + 30 × 4 ms; the second round is due at 20 + 150.
    await vi.advanceTimersByTimeAsync(29);
    expect(log.started).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(log.started).toBe(2);
    await settled();
    // The one round took in all thirty.
    expect(log.appended).toEqual([1, 30]);
    expect(await integrator.flush()).toBe(31);
    await integrator.stop();
  });

  it('never spaces rounds by more than half the merge delay', async () => {
    const integrator = new TransparencyLogIntegrator(log, {
      logger: new Logger({ level: 'silent' }),
      mergeDelayMs: 100,
      debounceMs: 20,
      spacingMs: 10_000,
      clock: () => Date.now(),
    });
    await addSubmission();
    integrator.notify();
    await vi.advanceTimersByTimeAsync(20);
    await settled();
    await addSubmission();
    integrator.notify();
    // The first round started at 20; the second is due 50 later, not 10 000.
    await vi.advanceTimersByTimeAsync(49);
    expect(log.started).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(log.started).toBe(2);
    await settled();
    expect(log.appended).toEqual([1, 1]);
    await integrator.stop();
  });
});
