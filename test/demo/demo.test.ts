/**
 * `npm run demo` as a user runs it: a child process that must exit 0, narrate the
 * referral to its closed state, and leave its temporary directory deleted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

describe('npm run demo', () => {
  it('walks a referral to closure, exits 0 and deletes its temporary directory', () => {
    const run = spawnSync(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', join(ROOT, 'test', 'demo', 'demo.ts')],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Case state: at Stockholm "closed", at Malmö "closed"/);
    expect(run.stdout).toMatch(/Final case state: closed\./);
    const dir = /Working directory \(temporary\): (\S+)/.exec(run.stdout)?.[1];
    expect(dir).toBeTruthy();
    expect(run.stdout).toContain(`Deleted ${dir}.`);
    expect(existsSync(dir!)).toBe(false);
    // Safety numbers: six groups of five digits, for three roots and three devices.
    expect(run.stdout.match(/\d{5}( \d{5}){5}/g)).toHaveLength(6);
  });
});
