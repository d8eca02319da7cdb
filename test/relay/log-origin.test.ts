/**
 * The relay's public URL and its transparency log's origin (PROTOCOL.md §18.3): without a configured
 * public URL the relay's audience is the address it actually listens on (port 0 included); the log's
 * origin is stored at the first start, kept by every later start whatever the public URL, and changed
 * only by the operator's `brygga-relay log-origin set … --confirm`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBryggaError, type LogState, LogVerifier, RelayClient } from '@brygga/client-sdk';
import { fixLogOrigin, setLogOrigin, storedLogOrigin, TransparencyLogKey } from '@brygga/server';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES, openTestDatabase } from '../support/databases.js';
import { ADMIN_TOKEN, makeRelayWorld } from '../support/relay.js';
import { type RelayProcess, spawnRelay } from '../support/relay-process.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'server', 'dist', 'main.js');

describe.each(ENGINES)('the stored log origin on %s', (engine) => {
  it('is fixed by the first start, kept by later ones, and changed only explicitly', async () => {
    const { database, drop } = await openTestDatabase(engine);
    try {
      expect(await storedLogOrigin(database)).toBeUndefined();
      expect(await fixLogOrigin(database, 'a.example/brygga-log', 1)).toEqual({
        origin: 'a.example/brygga-log',
        created: true,
        ignored: undefined,
      });
      expect(await fixLogOrigin(database, 'b.example/brygga-log', 2)).toEqual({
        origin: 'a.example/brygga-log',
        created: false,
        ignored: 'b.example/brygga-log',
      });
      const key = TransparencyLogKey.fromSeed('b.example/brygga-log', new Uint8Array(32).fill(7));
      expect(await setLogOrigin(database, key, 3)).toBe('a.example/brygga-log');
      expect(await fixLogOrigin(database, 'b.example/brygga-log', 4)).toMatchObject({
        origin: 'b.example/brygga-log',
        ignored: undefined,
      });
    } finally {
      await drop();
    }
  });
});

describe('the relay without a public URL, restarted with one', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function logLines(relay: RelayProcess): Record<string, unknown>[] {
    return relay.output.flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  it('serves on the port it got, keeps the log origin across a new public URL, and changes it only on command', {
    timeout: 180_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'brygga-origin-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const env = {
      BRYGGA_DATABASE: join(dir, 'relay.sqlite'),
      BRYGGA_ADMIN_TOKEN: ADMIN_TOKEN,
      BRYGGA_LOG_LEVEL: 'info',
    };
    const world = makeRelayWorld();

    // Port 0 and no public URL: the audience is the address actually listened on, end to end.
    const first = await spawnRelay(env);
    cleanups.push(() => first.stop('SIGKILL'));
    const listening = logLines(first).find((l) => l.msg === 'listening')!;
    expect(listening.publicUrl).toBe(first.url);
    const origin = `127.0.0.1:${first.port}/brygga-log`;
    expect(listening.logOrigin).toBe(origin);
    const setup = new RelayClient({ baseUrl: first.url });
    await setup.installAgreement(ADMIN_TOKEN, world.agreement);
    for (const jws of world.statements) await setup.submitStatement(jws);
    const device = new RelayClient({ baseUrl: first.url, audience: first.url, key: world.devices.malmo.key });
    expect((await device.inbox()).items).toEqual([]);
    // The log takes the agreement and the statements in at a round after their commits (PROTOCOL.md
    // §18.2), not at once: wait for a checkpoint that holds them.
    const logged = 1 + world.statements.length;
    let issuedSize = 0;
    for (const deadline = Date.now() + 10_000; issuedSize < logged && Date.now() < deadline; ) {
      issuedSize = Number((await device.checkpoint()).split('\n')[1]);
      if (issuedSize < logged) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(issuedSize).toBe(logged);

    // A device pins the log's key and sees a checkpoint.
    let state: LogState = {};
    const verifierOn = (relay: RelayClient) =>
      new LogVerifier({
        source: {
          logKey: () => relay.logKey(),
          checkpoint: () => relay.checkpoint(),
          checkpointAt: (size) => relay.checkpointAt(size),
          inclusionProof: (leaf, size) => relay.inclusionProof(leaf, size),
          consistencyProof: (from, to) => relay.consistencyProof(from, to),
          logEntries: (start, limit) => relay.logEntries(start, limit),
          submitCosignature: (size, line) => relay.submitCosignature(size, line).then(() => {}),
        },
        state,
        save: async (s) => {
          state = s;
        },
      });
    await verifierOn(device).refresh();
    const pinned = state.key;
    expect(pinned).toMatch(new RegExp(`^${origin.replace(/\./g, '\\.')}\\+`));
    expect(await first.stop()).toBe(0);

    // Restarted with a public URL: the origin stays, with a warning; the pinned device keeps verifying.
    const publicUrl = 'https://relay.example.test';
    const second = await spawnRelay({ ...env, BRYGGA_PUBLIC_URL: publicUrl });
    cleanups.push(() => second.stop('SIGKILL'));
    expect(logLines(second)).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'transparency log origin kept',
        origin,
        configured: 'relay.example.test/brygga-log',
      }),
    );
    const again = new RelayClient({ baseUrl: second.url, audience: publicUrl, key: world.devices.malmo.key });
    expect((await again.logKey()).verifierKey).toBe(pinned);
    await verifierOn(again).refresh();
    expect(state.key).toBe(pinned);
    expect((await again.inbox()).items).toEqual([]);
    expect(await second.stop()).toBe(0);

    // The operator's command: refused without --confirm, done with it.
    const command = (args: string[]) =>
      spawnSync(process.execPath, [MAIN, 'log-origin', ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
      });
    const unconfirmed = command(['set', 'relay.example.test/brygga-log']);
    expect(unconfirmed.status).toBe(2);
    expect(unconfirmed.stdout).toMatch(/brygga log repin.*--confirm/);
    expect(JSON.parse(command(['show']).stdout)).toMatchObject({ origin });
    const changed = command(['set', 'relay.example.test/brygga-log', '--confirm']);
    expect(changed.status).toBe(0);
    expect(JSON.parse(changed.stdout)).toMatchObject({
      msg: 'transparency log origin changed',
      from: origin,
      to: 'relay.example.test/brygga-log',
    });

    // The next start signs under the new origin: the device's pinned key no longer verifies it.
    const third = await spawnRelay({ ...env, BRYGGA_PUBLIC_URL: publicUrl });
    cleanups.push(() => third.stop('SIGKILL'));
    const moved = new RelayClient({ baseUrl: third.url, audience: publicUrl, key: world.devices.malmo.key });
    expect((await moved.logKey()).origin).toBe('relay.example.test/brygga-log');
    expect(logLines(third).map((l) => l.msg)).not.toContain('transparency log origin kept');
    const refused = await verifierOn(moved)
      .refresh()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(isBryggaError(refused) && refused.code).toBe('ERR_LOG_BAD_SIGNATURE');
    // Every checkpoint was signed again: the old ones too, same sizes and roots.
    const renamed = await moved.checkpointAt(issuedSize);
    expect(renamed.startsWith(`relay.example.test/brygga-log\n${issuedSize}\n`)).toBe(true);
  });
});
