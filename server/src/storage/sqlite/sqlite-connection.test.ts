import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  openSqliteConnection,
  setWalBudget,
  WAL_BUDGET_MAX_PAGES,
  WAL_BUDGET_MIN_PAGES,
  walBudgetPages,
} from './sqlite-connection.js';

const MiB = 1024 * 1024;

describe('the write-ahead log budget', () => {
  it('is 10,000 pages on a roomy disk, an eighth of the free space on a small one, 100 at the least', () => {
    expect(walBudgetPages(100 * 1024 * MiB, 4096)).toBe(WAL_BUDGET_MAX_PAGES);
    expect(walBudgetPages(16 * MiB, 4096)).toBe(512);
    expect(walBudgetPages(16 * MiB, 8192)).toBe(256);
    expect(walBudgetPages(1 * MiB, 4096)).toBe(WAL_BUDGET_MIN_PAGES);
    expect(walBudgetPages(0, 4096)).toBe(WAL_BUDGET_MIN_PAGES);
  });

  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('is what a connection to a file checkpoints at, for the disk that holds the file', () => {
    dir = mkdtempSync(join(tmpdir(), 'brygga-wal-budget-'));
    const location = join(dir, 'relay.sqlite');
    const sqlite = openSqliteConnection(location);
    try {
      const fs = statfsSync(dir);
      const expected = walBudgetPages(fs.bavail * fs.bsize, 4096);
      const set = sqlite.pragma('wal_autocheckpoint', { simple: true });
      // The free space may move by a few pages between the two reads.
      expect(Math.abs((set as number) - expected)).toBeLessThanOrEqual(1);
      expect(setWalBudget(sqlite, location)).toBe(sqlite.pragma('wal_autocheckpoint', { simple: true }));
    } finally {
      sqlite.close();
    }
  });

  it('leaves an in-memory database, which has no log, at SQLite’s default', () => {
    const sqlite = openSqliteConnection(':memory:');
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    sqlite.close();
  });
});
