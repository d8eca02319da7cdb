/**
 * Replay protection across a crash (PROTOCOL.md §8, "Replay protection"): a token used at a relay that
 * is then killed with SIGKILL is refused by the relay restarted on the same database, while a token
 * issued after the token ceiling passes. A SQLite relay keeps token ids in memory, so it refuses the old
 * token because it cannot tell it from one used before the crash (503 `token-uncertain`, `Retry-After`), and the SDK's client, waiting that long and retrying once with
 * a fresh token, goes on as if nothing happened;
 * PostgreSQL finds the id's row (401 `token-replayed`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelayToken, RelayClient } from '@brygga/client-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseUrl, ENGINES } from '../support/databases.js';
import { makeWorld } from '../support/fixtures.js';
import { freshPostgresSchema, type RelayProcess, spawnRelay } from '../support/relay-process.js';

const AUDIENCE = 'https://brygga.test';
const ADMIN = 'replay-test-admin-token-0123456789abcdefghij';

describe.each(ENGINES)('a token used before SIGKILL, after the restart (%s)', (engine) => {
  const cleanups: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('is refused; a token issued after the ceiling is accepted', async () => {
    let database: string;
    if (engine === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'brygga-replay-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      database = join(dir, 'relay.sqlite');
    } else {
      const pgSchema = await freshPostgresSchema(databaseUrl());
      cleanups.push(() => pgSchema.drop());
      database = pgSchema.url;
    }
    const env = { BRYGGA_DATABASE: database, BRYGGA_PUBLIC_URL: AUDIENCE, BRYGGA_ADMIN_TOKEN: ADMIN };
    let relay: RelayProcess = await spawnRelay(env);
    cleanups.push(() => void relay.stop('SIGKILL'));
    const world = makeWorld(new Date());
    const setup = new RelayClient({ baseUrl: relay.url, audience: AUDIENCE });
    await setup.installAgreement(ADMIN, world.agreement);
    for (const jws of world.statements) await setup.submitStatement(jws);

    const device = world.devices.malmo.key;
    const inbox = (token: string) =>
      fetch(`${relay.url}/v1/inbox`, { headers: { authorization: `Bearer ${token}` } });
    const used = createRelayToken(device, AUDIENCE);
    expect((await inbox(used)).status).toBe(200);
    expect((await inbox(used)).status).toBe(401);

    await relay.stop('SIGKILL');
    relay = await spawnRelay(env);
    const replay = await inbox(used);
    const problem = (await replay.json()) as { type: string };
    if (engine === 'sqlite') {
      expect(replay.status).toBe(503);
      expect(problem.type).toBe('urn:brygga:problem:token-uncertain');
      expect(Number(replay.headers.get('retry-after'))).toBeGreaterThan(0);
      const client = new RelayClient({ baseUrl: relay.url, audience: AUDIENCE, key: device });
      await expect(client.inbox()).resolves.toBeDefined();
    } else {
      expect(replay.status).toBe(401);
      expect(problem.type).toBe('urn:brygga:problem:token-replayed');
    }
    // Issued past the ceiling (a step after the used token; within the 30 s the relay allows).
    const later = createRelayToken(device, AUDIENCE, { now: new Date(Date.now() + 10_000) });
    expect((await inbox(later)).status).toBe(200);
    expect((await inbox(later)).status).toBe(401);
  });
});
