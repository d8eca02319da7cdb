/**
 * The README's administrator block ("Setting up a deployment with the CLI", the fenced block marked
 * `<!-- admin-setup: … -->`), run as written: extracted from README.md, written to a file and run by
 * `bash -euo pipefail` in an empty directory, with `brygga` and `brygga-relay` on the PATH (small
 * scripts that run this repository's binaries), `PORT` set to a free loopback port and `EXAMPLES` to
 * docs/examples. The block starts the relay in the background, sets up Stockholm (Järva), Göteborg
 * (Nordost) and Malmö, and sends a first referral from Järva to Malmö; its last command is Malmö's
 * inbox, which must list that case. Any command of the block that fails makes the run, and this test,
 * fail. The relay the block started is stopped afterwards by the PID it wrote.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSetupBlock, alive, commandShims, freePort, runBash } from '../support/readme-admin-block.js';

const ROOT = join(import.meta.dirname, '..', '..');

// A dozen CLI runs, each deriving scrypt keys (PROTOCOL.md §3.4), and a relay start: about a minute.
describe("the README's administrator block, run as written", { timeout: 300_000 }, () => {
  let dir: string;
  let work: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'brygga-readme-admin-'));
    work = join(dir, 'work');
    mkdirSync(work);
  });
  afterAll(async () => {
    const pidFile = join(work, 'brygga-try', 'relay.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        process.kill(pid, 'SIGTERM');
        while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets up three units and a first referral from Järva reaches Malmö’s inbox', async () => {
    const block = adminSetupBlock(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    const script = join(dir, 'admin-setup.sh');
    writeFileSync(script, block);

    const run = await runBash(script, work, {
      PATH: `${commandShims(dir)}:${process.env.PATH ?? ''}`,
      HOME: dir,
      PORT: String(await freePort()),
      EXAMPLES: join(ROOT, 'docs', 'examples'),
    });
    expect(run.status, `the block failed:\n${run.stderr}\n${run.stdout}`).toBe(0);

    // The relay it started is the one it used, and still runs until afterAll stops it.
    const pid = Number(readFileSync(join(work, 'brygga-try', 'relay.pid'), 'utf8').trim());
    expect(alive(pid)).toBe(true);

    // Each step's own output, in order: the agreement in force, installed, three devices enrolled.
    expect(run.stdout).toContain('Every party has signed, and every signature verifies.');
    expect(run.stdout).toMatch(/Installed: agreement avhoppare-storstad sequence 1\./);
    expect(run.stdout.match(/^Device \S+ of (\S+) enrolled in /gm)).toEqual([
      expect.stringContaining('of stockholm-jarva '),
      expect.stringContaining('of goteborg-nordost '),
      expect.stringContaining('of malmo '),
    ]);

    // Järva's referral, then Malmö's inbox (the last command) listing that case, from Järva to Malmö.
    const referred = /^Case (\S+) referred\.$/m.exec(run.stdout);
    expect(referred, run.stdout).not.toBeNull();
    const caseId = referred![1]!;
    const inbox = run.stdout.slice(referred!.index + referred![0].length);
    expect(inbox).toMatch(/^\nReceived [1-9]\d* packet\(s\), sent \d+\.\n/);
    expect(inbox).toMatch(new RegExp(`^ {2}${caseId} {2}\\S+ {2}stockholm-jarva → malmo$`, 'm'));
  });
});
