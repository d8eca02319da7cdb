/**
 * Backup and restore (README "Backup and restore"): `brygga-relay backup` copies a relay's SQLite
 * database while clients keep submitting; a relay started on the copy has every packet acknowledged
 * before the backup started, and its transparency log extends what devices saw before the backup
 * (PROTOCOL.md §19: a consistency proof joins the checkpoints). A device that saw a newer log than the
 * backup holds refuses the restored relay with ERR_LOG_ROLLBACK.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isBryggaError, type LogState, LogVerifier, RelayClient, sealPacket } from '@brygga/client-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { type VerifiedCheckpoint, verifyConsistency } from '../../client-sdk/src/transparency/index.js';
import { makeWorld } from '../support/fixtures.js';
import { type RelayProcess, spawnRelay } from '../support/relay-process.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'server', 'dist', 'main.js');
const AUDIENCE = 'https://brygga.test';
const ADMIN = 'backup-test-admin-token-0123456789abcdefghij';
const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('base64url');
const run = promisify(execFile);

/** A device's log verifier on `relay`, keeping its state in `holder`. */
function verifier(relay: RelayClient, holder: { state: LogState }): LogVerifier {
  return new LogVerifier({
    source: {
      logKey: () => relay.logKey(),
      checkpoint: () => relay.checkpoint(),
      checkpointAt: (size) => relay.checkpointAt(size),
      inclusionProof: (leaf, size) => relay.inclusionProof(leaf, size),
      consistencyProof: (from, to) => relay.consistencyProof(from, to),
      logEntries: (start, limit) => relay.logEntries(start, limit),
      submitCosignature: (size, line) => relay.submitCosignature(size, line).then(() => {}),
    },
    state: holder.state,
    save: async (s) => {
      holder.state = s;
    },
  });
}

/** Refresh until the log holds at least `size` entries (its merge delay, PROTOCOL.md §18.2). */
async function refreshUntil(v: LogVerifier, size: number): Promise<VerifiedCheckpoint> {
  for (;;) {
    const { checkpoint } = await v.refresh();
    if (checkpoint.size >= size) return checkpoint;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('brygga-relay backup on PostgreSQL', () => {
  it('refuses, pointing to pg_dump and the README', () => {
    const refused = spawnSync(process.execPath, [MAIN, 'backup', join(tmpdir(), 'never-written.sqlite')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', BRYGGA_DATABASE: 'postgres://brygga@127.0.0.1:1/brygga' },
      encoding: 'utf8',
    });
    expect(refused.status).toBe(2);
    expect(JSON.parse(refused.stdout)).toMatchObject({ msg: 'configuration error' });
    expect(refused.stdout).toMatch(/pg_dump -Fc.*pg_restore.*README/);
  });
});

describe('an online backup of the SQLite database, restored', () => {
  const cleanups: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('keeps every packet acknowledged before it, and a log that extends what devices saw', {
    timeout: 240_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'brygga-backup-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const env = {
      BRYGGA_DATABASE: join(dir, 'relay.sqlite'),
      BRYGGA_PUBLIC_URL: AUDIENCE,
      BRYGGA_ADMIN_TOKEN: ADMIN,
      BRYGGA_RATE_PER_MINUTE: '1000000',
      BRYGGA_STATEMENT_RATE_PER_MINUTE: '1000000',
      BRYGGA_LOG_MERGE_DELAY: '20',
    };
    let relay: RelayProcess = await spawnRelay(env);
    cleanups.push(() => relay.stop('SIGKILL'));

    const world = makeWorld(new Date());
    const setup = new RelayClient({ baseUrl: relay.url, audience: AUDIENCE });
    await setup.installAgreement(ADMIN, world.agreement);
    for (const jws of world.statements) await setup.submitStatement(jws);
    const sender = world.devices['stockholm-jarva'];
    const recipients = world.directory.recipientsFor(['malmo'], world.now);
    const client = new RelayClient({ baseUrl: relay.url, key: sender.key, audience: AUDIENCE });
    const reader = new RelayClient({ baseUrl: relay.url, key: world.devices.malmo.key, audience: AUDIENCE });
    const seal = async (n: number) =>
      (
        await sealPacket({
          sender: { unit: 'stockholm-jarva', key: sender.key },
          recipients,
          type: 'message',
          body: { n },
          now: world.now,
        })
      ).envelope.serialize();

    const acked = new Map<string, string>();
    let n = 0;
    const submitOne = async () => {
      const envelope = await seal(n++);
      const receipt = await client.submit(envelope);
      acked.set(receipt.id, receipt.digest);
    };
    for (let i = 0; i < 20; i++) await submitOne();

    // A device sees a checkpoint; then more is accepted, so the backup's log is larger than it.
    const early = { state: {} as LogState };
    const earlySeen = await refreshUntil(verifier(reader, early), 1 + world.statements.length + 20);
    const earlySize = earlySeen.size;
    for (let i = 0; i < 10; i++) await submitOne();

    // Submissions continue during the backup.
    let submitting = true;
    const during = (async () => {
      while (submitting) await submitOne();
    })();
    const before = new Map(acked);
    const target = join(dir, 'backup.sqlite');
    const taken = await run(process.execPath, [MAIN, 'backup', target], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    const report = JSON.parse(taken.stdout) as { msg: string; file: string; logSize: number; bytes: number };
    expect(report).toMatchObject({ msg: 'backup written', file: target });
    expect(report.logSize).toBeGreaterThan(earlySize);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    // Nothing left beside it but the copy (and the relay's own files).
    expect(readdirSync(dir).filter((f) => !f.startsWith('relay.sqlite'))).toEqual(['backup.sqlite']);
    // Some submissions went on while it ran, and after it.
    const count = acked.size;
    while (acked.size < count + 10) await new Promise((r) => setTimeout(r, 20));
    submitting = false;
    await during;

    // A device sees the log after the backup: larger than the backup's.
    const late = { state: {} as LogState };
    // Everything acknowledged so far logged: ten more than the backup can hold.
    const lateSize = (await refreshUntil(verifier(reader, late), 1 + world.statements.length + acked.size))
      .size;

    // An existing file is not replaced without --force, and is with it.
    const refused = await run(process.execPath, [MAIN, 'backup', target], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    }).then(
      () => undefined,
      (err: { code: number; stdout: string }) => err,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stdout).toMatch(/exists.*--force/);
    const forced = join(dir, 'forced.sqlite');
    writeFileSync(forced, 'not a database');
    // The database named by the relay's flag this time: `--database <file>` is not the backup's name.
    await run(process.execPath, [MAIN, 'backup', '--database', env.BRYGGA_DATABASE, forced, '--force'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(readFileSync(forced).subarray(0, 15).toString()).toBe('SQLite format 3');

    expect(await relay.stop('SIGKILL')).toBe(null);
    relay = await spawnRelay({ ...env, BRYGGA_DATABASE: target });

    // Every packet acknowledged before the backup started is there, byte for byte.
    const restored = new RelayClient({
      baseUrl: relay.url,
      key: world.devices.malmo.key,
      audience: AUDIENCE,
    });
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await restored.inbox({ cursor, limit: 100 });
      for (const item of page.items) seen.add(item.id);
      cursor = page.next ?? undefined;
    } while (cursor);
    for (const [id, d] of before) {
      expect(seen.has(id)).toBe(true);
      expect(digest(await restored.fetchPacket(id))).toBe(d);
    }
    expect(seen.size).toBeLessThan(acked.size);

    // The device that saw the log before the backup: the restored checkpoint extends it (a consistency
    // proof from its size joins them). It is the backup's log, plus what the copy held accepted but not
    // yet logged, which the restored relay logs in its first round (PROTOCOL.md §18.2).
    const { checkpoint } = await verifier(restored, early).refresh();
    expect(checkpoint.size).toBeGreaterThanOrEqual(report.logSize);
    expect(checkpoint.size).toBeGreaterThan(earlySize);
    const { proof } = await restored.consistencyProof(earlySize, checkpoint.size);
    expect(verifyConsistency(earlySize, checkpoint.size, proof, earlySeen.root, checkpoint.root)).toBe(true);

    // The device that saw the newer log refuses the restored one: a rollback.
    expect(lateSize).toBeGreaterThan(checkpoint.size);
    const rollback = await verifier(restored, late)
      .refresh()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(isBryggaError(rollback) && rollback.code).toBe('ERR_LOG_ROLLBACK');
    expect(await relay.stop('SIGTERM')).toBe(0);
  });
});
