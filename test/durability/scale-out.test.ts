/**
 * Scale-out: two relay processes share one PostgreSQL database. A packet submitted to
 * one is pushed and delivered through the other, and acknowledgements racing through both processes
 * lose and duplicate nothing.
 */

import { openPacket, RelayClient, RelayError, sealPacket } from '@brygga/client-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseUrl } from '../support/databases.js';
import { makeDevice, makeWorld } from '../support/fixtures.js';
import { freshPostgresSchema, type RelayProcess, spawnRelay } from '../support/relay-process.js';

const AUDIENCE = 'https://brygga.test';
const ADMIN = 'scale-out-admin-token-0123456789abcdefghij';

describe('two relay processes on one PostgreSQL', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('deliver and push across processes; acknowledge through either', async () => {
    const pgSchema = await freshPostgresSchema(databaseUrl());
    cleanups.push(() => pgSchema.drop());
    const env = {
      BRYGGA_DATABASE: pgSchema.url,
      BRYGGA_PUBLIC_URL: AUDIENCE,
      BRYGGA_ADMIN_TOKEN: ADMIN,
      BRYGGA_RATE_PER_MINUTE: '1000000',
      BRYGGA_STATEMENT_RATE_PER_MINUTE: '1000000',
    };
    const a: RelayProcess = await spawnRelay(env);
    cleanups.push(() => a.stop('SIGKILL'));
    const b: RelayProcess = await spawnRelay(env);
    cleanups.push(() => b.stop('SIGKILL'));

    const world = makeWorld(new Date());
    const second = makeDevice('malmo', world.roots.malmo, world.now, 'Malmö samordnare');
    world.directory.applyAll([second.enrolment, ...second.publications]);
    // The agreement through A; the statements alternately through A and B.
    await new RelayClient({ baseUrl: a.url, audience: AUDIENCE }).installAgreement(ADMIN, world.agreement);
    const statements = [...world.statements, second.enrolment, ...second.publications];
    for (const [i, jws] of statements.entries()) {
      await new RelayClient({ baseUrl: i % 2 ? b.url : a.url, audience: AUDIENCE }).submitStatement(jws);
    }

    const stockholm = world.devices['stockholm-jarva'];
    const malmo = world.devices.malmo;
    const client = (relay: RelayProcess, device = malmo) =>
      new RelayClient({ baseUrl: relay.url, key: device.key, audience: AUDIENCE });

    // Push: Malmö listens on B; Stockholm submits to A.
    const abort = new AbortController();
    const events = client(b).events(abort.signal);
    const firstEvent = (async () => {
      for await (const e of events) if (e.event === 'packet') return e;
      return undefined;
    })();
    await new Promise((r) => setTimeout(r, 300));
    const recipients = world.directory.recipientsFor(['malmo'], world.now);
    const sealed = await sealPacket({
      sender: { unit: 'stockholm-jarva', key: stockholm.key },
      recipients,
      type: 'message',
      body: { text: 'Via A, levererad via B' },
      now: world.now,
    });
    const submittedAt = performance.now();
    await client(a, stockholm).submit(sealed.envelope);
    const event = await Promise.race([
      firstEvent,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000)),
    ]);
    abort.abort();
    expect(event?.id).toBe(sealed.envelope.id);
    expect(performance.now() - submittedAt).toBeLessThan(5000);
    const bytes = await client(b).fetchPacket(sealed.envelope.id);
    const opened = await openPacket({ envelope: bytes, device: malmo.receiving, directory: world.directory });
    expect(opened.claims.body).toEqual({ text: 'Via A, levererad via B' });

    // A burst through both processes.
    const ids: string[] = [sealed.envelope.id];
    const more = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        sealPacket({
          sender: { unit: 'stockholm-jarva', key: stockholm.key },
          recipients,
          type: 'message',
          body: { i },
          now: world.now,
        }),
      ),
    );
    await Promise.all(more.map((s, i) => client(i % 2 ? a : b, stockholm).submit(s.envelope)));
    ids.push(...more.map((s) => s.envelope.id));

    const list = async (relay: RelayProcess, device = malmo) => {
      const out: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await client(relay, device).inbox({ cursor, limit: 25 });
        out.push(...page.items.map((x) => x.id));
        cursor = page.next ?? undefined;
      } while (cursor);
      return out;
    };
    for (const relay of [a, b]) {
      for (const device of [malmo, second]) {
        const seen = await list(relay, device);
        expect(seen.length).toBe(ids.length);
        expect([...seen].sort()).toEqual([...ids].sort());
      }
    }

    // Acknowledged alternately through A and B: gone from both views, for each device separately.
    for (const device of [malmo, second]) {
      for (const [i, id] of ids.entries()) expect(await client(i % 2 ? a : b, device).ack(id)).toBe(true);
      expect(await list(a, device)).toEqual([]);
      expect(await list(b, device)).toEqual([]);
    }
  });

  it('concurrent acknowledgements through both processes: one wins, none lost', async () => {
    const pgSchema = await freshPostgresSchema(databaseUrl());
    cleanups.push(() => pgSchema.drop());
    const env = {
      BRYGGA_DATABASE: pgSchema.url,
      BRYGGA_PUBLIC_URL: AUDIENCE,
      BRYGGA_ADMIN_TOKEN: ADMIN,
      BRYGGA_RATE_PER_MINUTE: '1000000',
      BRYGGA_STATEMENT_RATE_PER_MINUTE: '1000000',
    };
    const a = await spawnRelay(env);
    cleanups.push(() => a.stop('SIGKILL'));
    const b = await spawnRelay(env);
    cleanups.push(() => b.stop('SIGKILL'));
    const world = makeWorld(new Date());
    await new RelayClient({ baseUrl: a.url, audience: AUDIENCE }).installAgreement(ADMIN, world.agreement);
    for (const jws of world.statements)
      await new RelayClient({ baseUrl: b.url, audience: AUDIENCE }).submitStatement(jws);
    const stockholm = world.devices['stockholm-jarva'];
    const malmo = world.devices.malmo;
    const recipients = world.directory.recipientsFor(['malmo'], world.now);
    const sealed = await Promise.all(
      Array.from({ length: 80 }, (_, i) =>
        sealPacket({
          sender: { unit: 'stockholm-jarva', key: stockholm.key },
          recipients,
          type: 'message',
          body: { i },
          now: world.now,
        }),
      ),
    );
    const sender = new RelayClient({ baseUrl: a.url, key: stockholm.key, audience: AUDIENCE });
    for (const s of sealed) await sender.submit(s.envelope);
    const viaA = new RelayClient({ baseUrl: a.url, key: malmo.key, audience: AUDIENCE });
    const viaB = new RelayClient({ baseUrl: b.url, key: malmo.key, audience: AUDIENCE });
    const outcome = async (c: RelayClient, id: string) => {
      try {
        return (await c.ack(id)) ? 1 : 0;
      } catch (err) {
        if (err instanceof RelayError && err.status === 404) return 0;
        throw err;
      }
    };
    // Both acknowledgements of every packet are in flight at the same time.
    const results = await Promise.all(
      sealed.map((s) => Promise.all([outcome(viaA, s.envelope.id), outcome(viaB, s.envelope.id)])),
    );
    for (const [x, y] of results) expect(x + y).toBe(1);
    expect((await viaA.inbox()).items).toEqual([]);
    // The packets are gone from the store once their only recipient acknowledged them.
    for (const s of sealed.slice(0, 5)) {
      await expect(viaB.fetchPacket(s.envelope.id)).rejects.toMatchObject({ status: 404 });
    }
  });
});
