/**
 * `brygga log repin` (PROTOCOL.md §19.1): after the relay's operator changed the log's origin
 * (`brygga-relay log-origin set … --confirm`), a device's pinned log key no longer verifies the relay's
 * checkpoints; the device re-pins the new key explicitly, after seeing both safety numbers, and the
 * change is recorded in its store.
 */

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreementTerms, party, periodFromThisYear } from '../support/agreement-terms.js';
import { type RelayProcess, spawnRelay } from '../support/relay-process.js';
import { brygga, writeJson } from './cli-harness.js';

const UNITS = ['stockholm-jarva', 'malmo'] as const;
const AUDIENCE = 'https://brygga.test.invalid';
const MAIN = join(import.meta.dirname, '..', '..', 'server', 'dist', 'main.js');

describe('re-pinning the log key after an announced change of origin', { timeout: 480_000 }, () => {
  let dir: string;
  let relay: RelayProcess;
  const adminToken = randomBytes(32).toString('base64url');
  const env = () => ({
    BRYGGA_DATABASE: join(dir, 'relay.sqlite'),
    BRYGGA_ADMIN_TOKEN: adminToken,
    BRYGGA_PUBLIC_URL: AUDIENCE,
  });
  const as = (u: (typeof UNITS)[number]) => ({
    BRYGGA_PASSPHRASE: `${u}-lösenfras-2025`,
    BRYGGA_DEVICE: join(dir, `${u}-device`),
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brygga-repin-'));
    relay = await spawnRelay(env());
  });
  afterAll(async () => {
    await relay?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the renamed log under the old key, re-pins only when confirmed, and records it', async () => {
    const keys: string[] = [];
    for (const u of UNITS) {
      const run = brygga(dir, ['unit', 'init', '--unit', u, '--out', `${u}-root.json`, '--json'], as(u));
      expect(run.status).toBe(0);
      keys.push(run.json<{ rootKey: string }>().rootKey);
    }
    writeJson(
      dir,
      'terms.json',
      agreementTerms(
        UNITS.map((u, i) => party(u, keys[i]!)),
        { period: periodFromThisYear() },
      ),
    );
    expect(
      brygga(dir, ['agreement', 'create', '--terms', 'terms.json', '--out', 'agreement.json']).status,
    ).toBe(0);
    for (const u of UNITS) {
      expect(
        brygga(dir, ['agreement', 'sign', 'agreement.json', '--key', `${u}-root.json`], as(u)).status,
      ).toBe(0);
    }
    const flags = ['--relay', relay.url, '--audience', AUDIENCE];
    const install = brygga(dir, ['relay', 'install-agreement', 'agreement.json', ...flags], {
      BRYGGA_ADMIN_TOKEN: adminToken,
    });
    expect(install.status).toBe(0);
    const enrol = brygga(
      dir,
      [
        'device',
        'enrol',
        '--unit-key',
        'malmo-root.json',
        '--agreement',
        'agreement.json',
        '--name',
        'Malmö',
        ...flags,
      ],
      as('malmo'),
    );
    expect(enrol.status).toBe(0);
    // The device pins the log key on first use.
    const first = brygga(dir, ['log', 'checkpoint', '--json'], as('malmo'));
    expect(first.status).toBe(0);
    const before = first.json<{ logKey: string; safetyNumber: string; size: number }>();
    expect(before.logKey.startsWith('brygga.test.invalid/brygga-log+')).toBe(true);

    // The operator changes the origin, and restarts the relay.
    await relay.stop();
    const set = spawnSync(
      process.execPath,
      [MAIN, 'log-origin', 'set', 'relay.example.se/brygga-log', '--confirm'],
      {
        env: { PATH: process.env.PATH ?? '', ...env() },
        encoding: 'utf8',
      },
    );
    expect(set.status).toBe(0);
    relay = await spawnRelay(env());
    const at = ['--relay', relay.url];

    const refused = brygga(dir, ['log', 'checkpoint', ...at], as('malmo'));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/ERR_LOG_BAD_SIGNATURE/);

    // Not confirmed: nothing changes.
    const declined = brygga(dir, ['log', 'repin', ...at], as('malmo'), { input: 'n\n' });
    expect(declined.status).toBe(1);
    expect(declined.stderr).toContain(before.safetyNumber);
    expect(declined.stderr).toMatch(/ERR_NOT_CONFIRMED/);
    expect(brygga(dir, ['log', 'checkpoint', ...at], as('malmo')).status).toBe(1);

    // Confirmed: both safety numbers shown, the new key pinned, the log checked to continue.
    const repinned = brygga(dir, ['log', 'repin', ...at, '--json'], as('malmo'), { input: 'y\n' });
    expect(repinned.stderr).toContain(before.safetyNumber);
    expect(repinned.status).toBe(0);
    const after = repinned.json<{
      changed: boolean;
      logKey: string;
      safetyNumber: string;
      previous: string;
    }>();
    expect(after).toMatchObject({
      changed: true,
      previous: before.logKey,
      recorded: { from: before.logKey, to: after.logKey },
    });
    expect(after.logKey.startsWith('relay.example.se/brygga-log+')).toBe(true);
    expect(repinned.stderr).toContain(after.safetyNumber);
    const now = brygga(dir, ['log', 'checkpoint', ...at, '--json'], as('malmo'));
    expect(now.status).toBe(0);
    expect(now.json()).toMatchObject({ logKey: after.logKey, keySource: 'pinned' });
    expect(now.json<{ size: number }>().size).toBeGreaterThanOrEqual(before.size);

    // Again: nothing to do, with --yes for scripts.
    const again = brygga(dir, ['log', 'repin', ...at, '--yes', '--json'], as('malmo'));
    expect(again.status).toBe(0);
    expect(again.json()).toMatchObject({ changed: false, logKey: after.logKey });
  });
});
