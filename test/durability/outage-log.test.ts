/**
 * The relay's log during a PostgreSQL outage (logging/outage-log.ts): PostgreSQL is stopped under load
 * and started again. The outage is logged once when it starts, its failed requests are counted in
 * summary lines instead of one warn line each, and its end is logged at warn level with its length. On a
 * private cluster, since stopping the shared one would disturb the other test files.
 */
import { RelayClient } from '@brygga/client-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../support/fixtures.js';
import {
  type PrivatePostgres,
  privatePostgresUnavailable,
  startPrivatePostgres,
} from '../support/private-postgres.js';
import { type RelayProcess, spawnRelay } from '../support/relay-process.js';

const AUDIENCE = 'https://brygga.test';
const ADMIN = 'outage-admin-token-0123456789abcdefghijkl';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const UNAVAILABLE = privatePostgresUnavailable();

interface LogLine {
  level: string;
  msg: string;
  failures?: number;
  seconds?: number;
}

describe.skipIf(UNAVAILABLE !== undefined)(
  `the log of a PostgreSQL outage${UNAVAILABLE ? ` (skipped: ${UNAVAILABLE})` : ''}`,
  () => {
    let pg: PrivatePostgres;
    let relay: RelayProcess;
    let world: World;

    beforeAll(async () => {
      pg = await startPrivatePostgres();
      relay = await spawnRelay({
        BRYGGA_DATABASE: pg.url,
        BRYGGA_PUBLIC_URL: AUDIENCE,
        BRYGGA_ADMIN_TOKEN: ADMIN,
        BRYGGA_RATE_PER_MINUTE: '1000000',
        BRYGGA_STATEMENT_RATE_PER_MINUTE: '1000000',
        BRYGGA_PG_POOL_SIZE: '4',
      });
      world = makeWorld(new Date());
      const setup = new RelayClient({ baseUrl: relay.url, audience: AUDIENCE });
      await setup.installAgreement(ADMIN, world.agreement);
      for (const jws of world.statements) await setup.submitStatement(jws);
    }, 60_000);
    afterAll(async () => {
      await relay?.stop('SIGKILL');
      pg?.destroy();
    });

    it('writes one line when it starts, counts the failures, and one line when it is over', async () => {
      const client = new RelayClient({
        baseUrl: relay.url,
        audience: AUDIENCE,
        key: world.devices.malmo.key,
      });
      let stopped = false;
      let failed = 0;
      let served = 0;
      const load = async () => {
        while (!stopped) {
          try {
            await client.inbox();
            served++;
          } catch {
            failed++;
            await sleep(5);
          }
        }
      };
      const loops = [load(), load(), load(), load()];
      await sleep(500);
      const before = relay.output.length;
      pg.stop();
      await sleep(5000);
      const failedDuringOutage = failed;
      pg.start();
      // Served again (PostgreSQL's restart and the pool's reconnection can take a while on a loaded
      // machine: up to 45 s is waited for), then the recovery check (once a second) has had its turn.
      const servedBefore = served;
      const failedBefore = failed;
      for (let i = 0; served === servedBefore && i < 450; i++) await sleep(100);
      // Should it not serve again, say whether its requests failed meanwhile or hung, and what it logged.
      expect(
        served,
        `served again after PostgreSQL came back (${failed - failedBefore} requests failed meanwhile; ` +
          `the relay's last lines: ${relay.output.slice(-5).join(' | ')})`,
      ).toBeGreaterThan(servedBefore);
      await sleep(1500);
      stopped = true;
      await Promise.all(loops);

      const lines = relay.output
        .slice(before)
        .flatMap((l) => l.split('\n'))
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as LogLine);
      const warnings = lines.filter((l) => l.level === 'warn' || l.level === 'error');
      expect(failedDuringOutage).toBeGreaterThan(100);
      // Without the summary: two warn lines per failed request, and one a second from the log's rounds.
      expect(warnings.length).toBeLessThan(8);
      expect(
        warnings.filter((l) => l.msg === 'database unreachable' || l.msg === 'database refuses connections')
          .length,
      ).toBeGreaterThanOrEqual(1);
      const counted = warnings
        .filter((l) => / more failures? in the last \d+ s$/.test(l.msg))
        .reduce((sum, l) => sum + (l.failures ?? 0), 0);
      expect(counted).toBeGreaterThan(failedDuringOutage / 2);
      const recovered = warnings.find((l) => /^database reachable again after \d+\.\d s$/.test(l.msg));
      expect(recovered?.seconds).toBeGreaterThanOrEqual(4);
    }, 120_000);
  },
);
