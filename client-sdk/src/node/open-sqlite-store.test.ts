/** The Node SQLite store: a file that outlives the process that wrote it, readable by its owner only. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from './open-sqlite-store.js';

describe('openSqliteStore', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('creates the file and its folder, and keeps committed data across closing and reopening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'brygga-node-store-'));
    dirs.push(dir);
    const path = join(dir, 'sub', 'device.sqlite');
    const first = await openSqliteStore(path);
    await first.store.transaction(async (tx) => {
      await tx.setMeta('directory.cursor', '17');
      await tx.enqueueOutbox('pid-1', 'AAAA', '2025-03-03T09:00:00Z');
    });
    await first.close();
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o077).toBe(0);
    const second = await openSqliteStore(path);
    expect(await second.store.getMeta('directory.cursor')).toBe('17');
    expect((await second.store.listOutbox()).map((o) => o.pid)).toEqual(['pid-1']);
    await second.close();
  });

  it('opens an in-memory store for tests', async () => {
    const { store, close } = await openSqliteStore(':memory:');
    expect(await store.listCases()).toEqual([]);
    await close();
  });
});
