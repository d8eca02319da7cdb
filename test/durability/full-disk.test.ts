/**
 * A full disk under a SQLite relay (README "What faults look like"): the database lives on a 20 MB tmpfs
 * that submissions fill up. Then submissions are refused as `insufficient-storage` (507, Retry-After) and
 * health says `storage: "full"`, while recipients still list, fetch and acknowledge their packets and read
 * the log's checkpoint; acknowledgements free space, and submissions are taken again. The relay's log
 * names the disk, not an unreachable database. Needs root to mount the tmpfs (CI runs as root).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelayToken, RelayClient, RelayError } from '@brygga/client-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../support/fixtures.js';
import { makeEnvelope } from '../support/relay.js';
import { type RelayProcess, spawnRelay } from '../support/relay-process.js';

const AUDIENCE = 'https://brygga.test';
const ADMIN = 'full-disk-admin-token-0123456789abcdefghij';

/** Whether this process may mount a tmpfs: root, and a kernel that lets it. */
function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), 'brygga-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const MOUNTABLE = canMount();

describe.skipIf(!MOUNTABLE)('a SQLite relay on a full disk (skipped: needs root to mount a tmpfs)', () => {
  let dir: string;
  let mounted = false;
  let relay: RelayProcess;
  let world: World;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brygga-full-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=20m', 'tmpfs', dir]);
    mounted = true;
    mkdirSync(join(dir, 'data'));
    relay = await spawnRelay({
      BRYGGA_DATABASE: join(dir, 'data', 'relay.sqlite'),
      BRYGGA_PUBLIC_URL: AUDIENCE,
      BRYGGA_ADMIN_TOKEN: ADMIN,
      BRYGGA_RATE_PER_MINUTE: '1000000',
      BRYGGA_STATEMENT_RATE_PER_MINUTE: '1000000',
      BRYGGA_LOG_LEVEL: 'info',
    });
    world = makeWorld(new Date());
    const setup = new RelayClient({ baseUrl: relay.url, audience: AUDIENCE });
    await setup.installAgreement(ADMIN, world.agreement);
    for (const jws of world.statements) await setup.submitStatement(jws);
  }, 60_000);
  afterAll(async () => {
    await relay?.stop();
    if (mounted) execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (unit: keyof World['devices']) =>
    new RelayClient({ baseUrl: relay.url, audience: AUDIENCE, key: world.devices[unit].key });

  it('refuses submissions as out of storage, and keeps serving reads and acknowledgements', async () => {
    const sender = client('stockholm-jarva');
    const recipient = client('malmo');
    /** Submit 256 KiB packets until the relay refuses one. */
    const fill = async () => {
      const accepted: string[] = [];
      let refusal: RelayError | undefined;
      for (let i = 0; i < 400 && refusal === undefined; i++) {
        const envelope = makeEnvelope(world.devices['stockholm-jarva'], [world.devices.malmo], {
          payload: 256 * 1024,
        });
        try {
          await sender.submit(envelope);
          accepted.push(envelope.header.id);
        } catch (err) {
          if (!(err instanceof RelayError)) throw err;
          refusal = err;
        }
      }
      return { accepted, refusal };
    };
    const { accepted, refusal } = await fill();
    expect(accepted.length).toBeGreaterThan(10);
    expect(refusal?.status).toBe(507);
    expect(refusal?.errorCode).toBe('ERR_STORAGE_FULL');
    const refused = await fetch(`${relay.url}/v1/packets`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${createRelayToken(world.devices['stockholm-jarva'].key, AUDIENCE)}`,
        'content-type': 'application/vnd.brygga.envelope',
      },
      body: makeEnvelope(world.devices['stockholm-jarva'], [world.devices.malmo], {
        payload: 256 * 1024,
      }).serialize() as Uint8Array<ArrayBuffer>,
    });
    expect(refused.status).toBe(507);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/out of storage/);

    const health = await fetch(`${relay.url}/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'degraded', storage: 'full' });

    // A token the relay could not record on disk is still refused the second time.
    const once = createRelayToken(world.devices.malmo.key, AUDIENCE);
    const first = await fetch(`${relay.url}/v1/inbox?limit=1`, {
      headers: { authorization: `Bearer ${once}` },
    });
    expect(first.status).toBe(200);
    await first.body?.cancel();
    const replay = await fetch(`${relay.url}/v1/inbox?limit=1`, {
      headers: { authorization: `Bearer ${once}` },
    });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { type: string }).type).toBe('urn:brygga:problem:token-replayed');

    // Reads and acknowledgements go on, each with a fresh token the relay cannot record on disk.
    expect(await recipient.checkpoint()).toMatch(/^.+\n\d+\n/);
    const { items } = await recipient.inbox({ limit: 500 });
    expect(items.map((i) => i.id)).toEqual(accepted);
    for (const id of accepted) {
      expect((await recipient.fetchPacket(id)).length).toBeGreaterThan(256 * 1024);
      expect(await recipient.ack(id)).toBe(true);
    }
    expect((await recipient.inbox()).items).toEqual([]);

    // The space freed is used again.
    const again = makeEnvelope(world.devices['stockholm-jarva'], [world.devices.malmo], {
      payload: 256 * 1024,
    });
    expect((await sender.submit(again)).created).toBe(true);
    const after = await (await fetch(`${relay.url}/v1/health`)).json();
    expect(after).toMatchObject({ status: 'ok', storage: 'ok' });

    // And again, as much of it as before: the pages the relay wrote are checkpointed into the database
    // file, whose freed pages it reuses, rather than held in a write-ahead log the disk has no room to
    // checkpoint (sqlite-connection.ts, walBudgetPages).
    expect(await recipient.ack(again.header.id)).toBe(true);
    const second = await fill();
    expect(second.refusal?.errorCode).toBe('ERR_STORAGE_FULL');
    expect(second.accepted.length).toBeGreaterThanOrEqual(Math.floor(accepted.length * 0.75));

    // The log names the condition: no "cannot rollback", no unreachable database.
    const log = relay.output.join('\n');
    expect(log).toMatch(/storage full/);
    expect(log).toMatch(/reserve released for acknowledgements/);
    expect(log).not.toMatch(/cannot rollback/);
    expect(log).not.toMatch(/database unavailable|cannot reach its database/);
  }, 120_000);
});
