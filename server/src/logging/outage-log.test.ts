import { describe, expect, it } from 'vitest';
import { Logger } from './logger.js';
import { OutageLog } from './outage-log.js';

describe('OutageLog', () => {
  it('logs the first failure, a count per interval, and the end with its length', async () => {
    const lines: { level: string; msg: string; failures?: number }[] = [];
    let now = 1_000_000;
    let over = false;
    const logger = new Logger({ sink: (l) => lines.push(JSON.parse(l)), now: () => now });
    const outages = new OutageLog(logger, {
      recovered: async () => over,
      recoveredMessage: () => 'database reachable again',
      checkMs: 5,
      now: () => now,
    });
    outages.failure('database unreachable', { route: '/v1/inbox' });
    for (let i = 0; i < 30; i++) {
      now += 1000;
      outages.failure('database unreachable');
    }
    expect(outages.active('database unreachable')).toBe(true);
    expect(lines.map((l) => l.msg)).toEqual([
      'database unreachable',
      'database unreachable: 10 more failures in the last 10 s',
      'database unreachable: 10 more failures in the last 10 s',
      'database unreachable: 10 more failures in the last 10 s',
    ]);
    now += 400;
    outages.failure('database unreachable');
    over = true;
    while (outages.active('database unreachable')) await new Promise((r) => setTimeout(r, 5));
    expect(lines.slice(4).map((l) => l.msg)).toEqual([
      'database unreachable: 1 more failure in the last 0 s',
      'database reachable again after 30.4 s',
    ]);
    expect(lines.every((l) => l.level === 'warn')).toBe(true);
    // A new outage starts with a full line again.
    outages.failure('database unreachable');
    expect(lines.at(-1)?.msg).toBe('database unreachable');
    outages.close();
  });
});
