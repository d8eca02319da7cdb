/**
 * The transparency log through the relay's API (PROTOCOL.md §18) on both engines: directory statements,
 * agreements and packets each appear exactly once and in order; every inclusion proof verifies against
 * the signed checkpoint and every pair of checkpoints is consistent; witness cosignatures are accepted
 * from the right device only; bad queries are 4xx problems. Then as real processes: the log survives a
 * restart, and two relays on one PostgreSQL build one log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cosignCheckpoint,
  formatNote,
  fromBase64url,
  leafHash,
  openCheckpoint,
  parseNote,
  type RelayClient,
  RelayClient as RelayClientClass,
  RelayError,
  verifyConsistency,
  verifyCosignature,
  verifyInclusion,
} from '@brygga/client-sdk';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseUrl, ENGINES } from '../support/databases.js';
import { makeDevice, makeWorld, type TestDevice } from '../support/fixtures.js';
import { makeEnvelope, problemOf, startTestRelay, submit, type TestRelay } from '../support/relay.js';
import { freshPostgresSchema, type RelayProcess, spawnRelay } from '../support/relay-process.js';
import { assertValid, loadSchemas } from '../support/schemas.js';

const ajv = loadSchemas();

const KINDS = { agreement: 1, statement: 2, envelope: 3 } as const;
type Kind = keyof typeof KINDS;

function leafOf(kind: Kind, hash: Uint8Array): Uint8Array {
  return leafHash(Uint8Array.of(KINDS[kind], ...hash));
}

const sha256 = async (text: string) =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));

/** Everything the log holds, read and verified through `client`: entries, checkpoint, inclusion proofs. */
async function audit(client: RelayClient): Promise<{
  size: number;
  root: Uint8Array;
  entries: { kind: Kind; hash: Uint8Array }[];
}> {
  const key = await client.logKey();
  const { checkpoint } = openCheckpoint(await client.checkpoint(), key.origin, key.publicKey);
  const entries: { kind: Kind; hash: Uint8Array }[] = [];
  while (entries.length < checkpoint.size) {
    const page = await client.logEntries(entries.length, 7);
    expect(page.entries.length).toBeGreaterThan(0);
    for (const e of page.entries) {
      expect(e.index).toBe(entries.length);
      entries.push({ kind: e.kind, hash: e.hash });
    }
  }
  for (const [i, e] of entries.entries()) {
    const leaf = leafOf(e.kind, e.hash);
    const p = await client.inclusionProof(leaf, checkpoint.size);
    expect(p.index).toBe(i);
    expect(verifyInclusion(i, checkpoint.size, leaf, p.proof, checkpoint.root), `leaf ${i}`).toBe(true);
  }
  return { size: checkpoint.size, root: checkpoint.root, entries };
}

/** The cosignature line of `device` as witness over the checkpoint note `note`, at `time`. */
function cosignatureLine(device: TestDevice, note: string, time = 1_750_000_000): string {
  const name = `brygga-witness/${device.unit}/${device.key.kid}`;
  const text = parseNote(note).text;
  const seed = device.key.exportSecret();
  try {
    const signed = formatNote({ text, signatures: [cosignCheckpoint(text, name, seed, time)] });
    return signed.trimEnd().split('\n').pop()!;
  } finally {
    seed.fill(0);
  }
}

describe.each(ENGINES)('transparency log on %s', (engine) => {
  let relay: TestRelay;
  let stockholm: TestDevice;
  let malmo: TestDevice;
  beforeEach(async () => {
    relay = await startTestRelay(engine, { log: { mergeDelayMs: 60_000 } });
    stockholm = relay.world.devices['stockholm-jarva'];
    malmo = relay.world.devices.malmo;
  });
  afterEach(async () => {
    await relay?.close();
  });

  it('logs the agreement, the statements and every accepted packet exactly once, in order', async () => {
    const client = relay.client(malmo);
    const world = relay.world;
    expect(await relay.transparency.flush()).toBe(1 + world.statements.length);
    // A statement submitted again is already stored: nothing new in the log.
    const again = await relay.client().submitStatement(world.statements[0]!);
    expect(again.created).toBe(false);
    expect(await relay.transparency.flush()).toBe(1 + world.statements.length);

    const digests: string[] = [];
    for (let i = 0; i < 3; i++) {
      relay.clock.advance(1000);
      const envelope = makeEnvelope(stockholm, [malmo, relay.world.second.malmo]);
      const first = await submit(relay, stockholm, envelope);
      expect(first.status).toBe(201);
      digests.push(((await first.json()) as { digest: string }).digest);
      // The same packet again: the same receipt, and no second leaf.
      expect((await submit(relay, stockholm, envelope)).status).toBe(200);
    }
    const size = await relay.transparency.flush();
    expect(size).toBe(1 + world.statements.length + 3);

    const { entries } = await audit(client);
    const expected: { kind: Kind; hash: Uint8Array }[] = [
      { kind: 'agreement', hash: fromBase64url(world.agreement.digest) },
      ...(await Promise.all(
        world.statements.map(async (s) => ({ kind: 'statement' as const, hash: await sha256(s) })),
      )),
      ...digests.map((d) => ({ kind: 'envelope' as const, hash: fromBase64url(d) })),
    ];
    expect(entries).toEqual(expected);
    // Statements and the agreement come with what they name.
    const page = await client.logEntries(0, 2);
    expect(page.entries[0]!.jws).toEqual(world.agreement.jws);
    expect(page.entries[1]!.jws).toBe(world.statements[0]);
    // Each receipt's digest is provable by itself.
    const key = await client.logKey();
    const { checkpoint } = openCheckpoint(await client.checkpoint(), key.origin, key.publicKey);
    for (const d of digests) {
      const leaf = leafOf('envelope', fromBase64url(d));
      const p = await client.inclusionProof(leaf);
      expect(p.size).toBe(checkpoint.size);
      expect(verifyInclusion(p.index, p.size, leaf, p.proof, checkpoint.root)).toBe(true);
    }
    const logged = await relay.db.database.db.selectFrom('submissions').select('log_index').execute();
    expect(logged.map((r) => r.log_index).sort()).toEqual([size - 3, size - 2, size - 1]);
  });

  it('issues checkpoints that are pairwise consistent, and serves each by size', async () => {
    const client = relay.client(stockholm);
    const sizes = [await relay.transparency.flush()];
    for (let round = 1; round <= 5; round++) {
      for (let i = 0; i < round; i++) {
        relay.clock.advance(10);
        expect((await submit(relay, stockholm, makeEnvelope(stockholm, [malmo]))).status).toBe(201);
      }
      sizes.push(await relay.transparency.flush());
    }
    expect(sizes[5]! - sizes[0]!).toBe(15);
    const key = await client.logKey();
    const roots = new Map<number, Uint8Array>();
    for (const s of sizes) {
      const { checkpoint } = openCheckpoint(await client.checkpointAt(s), key.origin, key.publicKey);
      expect(checkpoint.size).toBe(s);
      roots.set(s, checkpoint.root);
    }
    for (const m of sizes) {
      for (const n of sizes) {
        if (m > n) continue;
        const p = await client.consistencyProof(m, n);
        expect(verifyConsistency(m, n, p.proof, roots.get(m)!, roots.get(n)!), `${m} → ${n}`).toBe(true);
      }
    }
    // The latest checkpoint is the last one issued; a proof for an older size verifies against that one.
    expect(openCheckpoint(await client.checkpoint(), key.origin, key.publicKey).checkpoint.size).toBe(
      sizes[5],
    );
    const { entries } = await audit(client);
    const leaf = leafOf(entries[2]!.kind, entries[2]!.hash);
    const old = await client.inclusionProof(leaf, sizes[0]);
    expect(verifyInclusion(2, sizes[0]!, leaf, old.proof, roots.get(sizes[0]!)!)).toBe(true);
  });

  it('stores cosignatures from the witness device itself, over the checkpoint it signed', async () => {
    const size = await relay.transparency.flush();
    const note = await relay.client(malmo).checkpoint();
    const line = cosignatureLine(malmo, note);
    const cosigned = await relay.client(malmo).submitCosignature(size, line);
    expect(cosigned).toEqual({ size, witness: `brygga-witness/malmo/${malmo.key.kid}`, created: true });
    expect((await relay.client(malmo).submitCosignature(size, line)).created).toBe(false);
    const served = parseNote(await relay.client(stockholm).checkpoint());
    expect(served.signatures).toHaveLength(2);
    expect(
      verifyCosignature(served.text, served.signatures[1]!, cosigned.witness, malmo.key.publicKey.bytes),
    ).toEqual({ time: 1_750_000_000 });

    const count = async () =>
      (await relay.db.database.db.selectFrom('log_cosignatures').selectAll().execute()).length;
    // Malmö's line sent by another device: refused.
    const refusal = async (device: TestDevice, body: unknown) =>
      problemOf(
        await relay.request('/v1/log/cosignatures', {
          method: 'POST',
          headers: relay.auth(device, { 'content-type': 'application/json' }),
          body: JSON.stringify(body),
        }),
      );
    expect(await refusal(stockholm, { size, signature: line })).toMatchObject({
      status: 403,
      type: 'forbidden',
    });
    // The second Malmö device, under its own name, but signing with the first device's key: refused.
    const other = relay.world.second.malmo;
    const forged = line.replace(malmo.key.kid, other.key.kid);
    expect((await refusal(other, { size, signature: forged })).status).toBe(422);
    // Stockholm's own cosignature, but of another checkpoint: refused.
    relay.clock.advance(10);
    expect((await submit(relay, stockholm, makeEnvelope(stockholm, [malmo]))).status).toBe(201);
    const next = await relay.transparency.flush();
    const stockholmLine = cosignatureLine(stockholm, note);
    expect(await refusal(stockholm, { size: next, signature: stockholmLine })).toMatchObject({
      status: 422,
      type: 'invalid-signature',
    });
    expect(await refusal(stockholm, { size: next + 5, signature: stockholmLine })).toMatchObject({
      status: 404,
      type: 'not-found',
    });
    expect(await refusal(stockholm, { size, signature: 'not a signature line' })).toMatchObject({
      status: 400,
    });
    expect(await refusal(stockholm, { size: -1, signature: stockholmLine })).toMatchObject({ status: 400 });
    expect(await refusal(stockholm, { size, signature: stockholmLine, extra: 1 })).toMatchObject({
      status: 400,
    });
    expect(await refusal(stockholm, [size, stockholmLine])).toMatchObject({ status: 400 });
    expect(await count()).toBe(1);
    // Over the checkpoint it did sign, Stockholm's cosignature is accepted.
    expect((await relay.client(stockholm).submitCosignature(size, stockholmLine)).created).toBe(true);
    expect(await count()).toBe(2);
    expect(parseNote(await relay.client(malmo).checkpointAt(size)).signatures).toHaveLength(3);
  });

  it('answers every bad query with a 4xx problem, and every unauthenticated call with 401', async () => {
    const size = await relay.transparency.flush();
    const { entries } = await audit(relay.client(malmo));
    const leaf = Buffer.from(leafOf(entries[3]!.kind, entries[3]!.hash)).toString('base64url');
    const unknown = Buffer.alloc(32, 7).toString('base64url');
    const cases: [string, number, string][] = [
      ['/v1/log/checkpoints/abc', 400, 'malformed'],
      ['/v1/log/checkpoints/-1', 400, 'malformed'],
      ['/v1/log/checkpoints/1e3', 400, 'malformed'],
      ['/v1/log/checkpoints/1234567890123456', 400, 'malformed'],
      [`/v1/log/checkpoints/${size + 1}`, 404, 'not-found'],
      ['/v1/log/proof/inclusion', 400, 'malformed'],
      ['/v1/log/proof/inclusion?leaf=', 400, 'malformed'],
      ['/v1/log/proof/inclusion?leaf=zz', 400, 'malformed'],
      [`/v1/log/proof/inclusion?leaf=${leaf}=`, 400, 'malformed'],
      [`/v1/log/proof/inclusion?leaf=${leaf.slice(0, 42)}`, 400, 'malformed'],
      [`/v1/log/proof/inclusion?leaf=${leaf}AAAA`, 400, 'malformed'],
      [`/v1/log/proof/inclusion?leaf=${leaf}&size=x`, 400, 'malformed'],
      [`/v1/log/proof/inclusion?leaf=${leaf}&size=-3`, 400, 'malformed'],
      [`/v1/log/proof/inclusion?leaf=${leaf}&size=${size + 1}`, 422, 'beyond-log'],
      [`/v1/log/proof/inclusion?leaf=${leaf}&size=3`, 404, 'not-logged'],
      [`/v1/log/proof/inclusion?leaf=${leaf}&size=0`, 404, 'not-logged'],
      [`/v1/log/proof/inclusion?leaf=${unknown}`, 404, 'not-logged'],
      ['/v1/log/proof/consistency', 400, 'malformed'],
      ['/v1/log/proof/consistency?from=1', 400, 'malformed'],
      ['/v1/log/proof/consistency?to=1', 400, 'malformed'],
      ['/v1/log/proof/consistency?from=0&to=1', 400, 'malformed'],
      ['/v1/log/proof/consistency?from=3&to=2', 400, 'malformed'],
      ['/v1/log/proof/consistency?from=1.5&to=2', 400, 'malformed'],
      ['/v1/log/proof/consistency?from=-1&to=2', 400, 'malformed'],
      ['/v1/log/proof/consistency?from=1&to=99999999999999999999', 400, 'malformed'],
      [`/v1/log/proof/consistency?from=1&to=${size + 1}`, 422, 'beyond-log'],
      ['/v1/log/entries?start=x', 400, 'malformed'],
      ['/v1/log/entries?limit=0', 400, 'malformed'],
      ['/v1/log/entries?limit=1001', 400, 'malformed'],
      ['/v1/log/entries?limit=', 400, 'malformed'],
    ];
    for (const [path, status, type] of cases) {
      const res = await relay.request(path, { headers: relay.auth(malmo) });
      expect(await problemOf(res), path).toMatchObject({ status, type });
    }
    // Past the end is an empty page, not an error: a follower polls with it.
    expect(await relay.client(malmo).logEntries(size + 10)).toEqual({ entries: [], size });

    const post = (init: RequestInit) => relay.request('/v1/log/cosignatures', { method: 'POST', ...init });
    expect(
      await problemOf(
        await post({ headers: relay.auth(malmo, { 'content-type': 'text/plain' }), body: '{}' }),
      ),
    ).toMatchObject({ status: 415 });
    expect(
      await problemOf(
        await post({ headers: relay.auth(malmo, { 'content-type': 'application/json' }), body: '{"size":' }),
      ),
    ).toMatchObject({ status: 400, type: 'malformed' });
    // JSON, but not a CosignatureSubmission (relay-api.schema.json): the schema names the member.
    const bodies: [unknown, string][] = [
      [{ size: 1 }, 'the body must have "signature"'],
      // Brygga JSON (PROTOCOL.md §1.1) has no number beyond 2^53 - 1 and no fraction: refused unread.
      [
        { size: 2 ** 53, signature: 'x' },
        'the body is not Brygga JSON (JSON: integer out of range at offset 8)',
      ],
      [
        { size: 1.5, signature: 'x' },
        'the body is not Brygga JSON (JSON: numbers are integers: no fraction or exponent at offset 8)',
      ],
      [{ size: 1, signature: 'x'.repeat(8193) }, 'signature must NOT have more than 8192 characters'],
      [{ size: 1, signature: 'x', witness: 'y' }, 'the body must not have "witness"'],
      [[1, 'x'], 'the body must be object'],
    ];
    for (const [body, detail] of bodies) {
      const headers = relay.auth(malmo, { 'content-type': 'application/json' });
      expect(await problemOf(await post({ headers, body: JSON.stringify(body) })), detail).toEqual({
        status: 400,
        type: 'malformed',
        detail,
      });
    }

    for (const path of [
      '/v1/log/checkpoint',
      '/v1/log/checkpoints/1',
      `/v1/log/proof/inclusion?leaf=${leaf}`,
      '/v1/log/proof/consistency?from=1&to=2',
      '/v1/log/entries',
    ]) {
      expect(await problemOf(await relay.request(path)), path).toMatchObject({ status: 401 });
    }
    expect(await problemOf(await post({}))).toMatchObject({ status: 401 });
    const key = await relay.request('/v1/log/key');
    expect(key.status).toBe(200);
    const body = (await key.json()) as Record<string, string>;
    expect(body.origin).toBe('brygga.test/brygga-log');
    expect(body.verifierKey.startsWith('brygga.test/brygga-log+')).toBe(true);
    expect(body.safetyNumber).toMatch(/^(\d{5} ){5}\d{5}$/);
    // Every JSON answer as relay-api.schema.json describes it.
    assertValid(ajv, 'urn:brygga:schema:relay-api#/$defs/LogKey', body);
    const json = async (path: string) => (await relay.request(path, { headers: relay.auth(malmo) })).json();
    assertValid(
      ajv,
      'urn:brygga:schema:relay-api#/$defs/LogEntries',
      await json('/v1/log/entries?limit=1000'),
    );
    assertValid(
      ajv,
      'urn:brygga:schema:relay-api#/$defs/InclusionProof',
      await json(`/v1/log/proof/inclusion?leaf=${leaf}`),
    );
    assertValid(
      ajv,
      'urn:brygga:schema:relay-api#/$defs/ConsistencyProof',
      await json(`/v1/log/proof/consistency?from=3&to=${size}`),
    );
    const cosignature = { size, signature: cosignatureLine(malmo, await relay.client(malmo).checkpoint()) };
    assertValid(ajv, 'urn:brygga:schema:relay-api#/$defs/CosignatureSubmission', cosignature);
    const stored = await relay.request('/v1/log/cosignatures', {
      method: 'POST',
      headers: relay.auth(malmo, { 'content-type': 'application/json' }),
      body: JSON.stringify(cosignature),
    });
    expect(stored.status).toBe(201);
    assertValid(ajv, 'urn:brygga:schema:relay-api#/$defs/CosignatureReceipt', await stored.json());
    // The note is text.
    const note = await relay.request('/v1/log/checkpoint', { headers: relay.auth(malmo) });
    expect(note.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await note.text()).toMatch(/^brygga\.test\/brygga-log\n\d+\n[A-Za-z0-9+/]{43}=\n\n— /);
  });
});

const AUDIENCE = 'https://brygga.test';
const ADMIN = 'log-test-admin-token-0123456789abcdefghij';

/** Poll until `check` holds (a relay process integrates on its own schedule). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached in time: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the log in relay processes', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  function clientOf(relay: RelayProcess, device?: TestDevice): RelayClient {
    return new RelayClientClass({
      baseUrl: relay.url,
      audience: AUDIENCE,
      ...(device ? { key: device.key } : {}),
    });
  }

  it('keeps its checkpoints across a restart and keeps growing consistently (SQLite file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'brygga-log-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const env = {
      BRYGGA_DATABASE: join(dir, 'relay.sqlite'),
      BRYGGA_PUBLIC_URL: AUDIENCE,
      BRYGGA_ADMIN_TOKEN: ADMIN,
      BRYGGA_LOG_MERGE_DELAY: '50',
    };
    const world = makeWorld(new Date());
    const malmo = world.devices.malmo;
    const stockholm = world.devices['stockholm-jarva'];
    const first = await spawnRelay(env);
    cleanups.push(() => first.stop('SIGKILL'));
    await clientOf(first).installAgreement(ADMIN, world.agreement);
    for (const jws of world.statements) await clientOf(first).submitStatement(jws);
    const total = 1 + world.statements.length;
    const before = await eventually(
      () => clientOf(first, malmo).checkpoint(),
      (note) => parseNote(note).text.split('\n')[1] === String(total),
    );
    const key = await clientOf(first).logKey();
    expect(await first.stop()).toBe(0);

    const second = await spawnRelay(env);
    cleanups.push(() => second.stop('SIGKILL'));
    expect(await clientOf(second).logKey()).toEqual(key);
    expect(await clientOf(second, malmo).checkpoint()).toBe(before);
    const old = openCheckpoint(before, key.origin, key.publicKey).checkpoint;
    for (let i = 0; i < 3; i++) {
      await clientOf(second, stockholm).submit(makeEnvelope(stockholm, [malmo]));
    }
    const after = await eventually(
      async () =>
        openCheckpoint(await clientOf(second, malmo).checkpoint(), key.origin, key.publicKey).checkpoint,
      (c) => c.size === total + 3,
    );
    const p = await clientOf(second, malmo).consistencyProof(old.size, after.size);
    expect(verifyConsistency(old.size, after.size, p.proof, old.root, after.root)).toBe(true);
    await audit(clientOf(second, malmo));
    expect(await second.stop()).toBe(0);
  });

  it('two relay processes on one PostgreSQL build one consistent log', async () => {
    const pgSchema = await freshPostgresSchema(databaseUrl());
    cleanups.push(() => pgSchema.drop());
    const env = {
      BRYGGA_DATABASE: pgSchema.url,
      BRYGGA_PUBLIC_URL: AUDIENCE,
      BRYGGA_ADMIN_TOKEN: ADMIN,
      BRYGGA_RATE_PER_MINUTE: '1000000',
      BRYGGA_STATEMENT_RATE_PER_MINUTE: '1000000',
      BRYGGA_LOG_MERGE_DELAY: '50',
    };
    const a = await spawnRelay(env);
    cleanups.push(() => a.stop('SIGKILL'));
    const b = await spawnRelay(env);
    cleanups.push(() => b.stop('SIGKILL'));
    const world = makeWorld(new Date());
    const second = makeDevice('malmo', world.roots.malmo, world.now, 'Malmö samordnare');
    const statements = [...world.statements, second.enrolment, ...second.publications];
    await clientOf(a).installAgreement(ADMIN, world.agreement);
    for (const [i, jws] of statements.entries()) await clientOf(i % 2 ? b : a).submitStatement(jws);
    const stockholm = world.devices['stockholm-jarva'];
    const malmo = world.devices.malmo;
    const digests = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const receipt = await clientOf(i % 2 ? b : a, stockholm).submit(
          makeEnvelope(stockholm, [malmo, second]),
        );
        return receipt.digest;
      }),
    );
    const total = 1 + statements.length + digests.length;
    for (const relay of [a, b]) {
      await eventually(
        () => clientOf(relay, malmo).logEntries(0, 1),
        (page) => page.size === total,
      );
    }
    const fromA = await audit(clientOf(a, malmo));
    const fromB = await audit(clientOf(b, second));
    expect(fromB).toEqual(fromA);
    expect(fromA.entries.slice(0, 1 + statements.length)).toEqual([
      { kind: 'agreement', hash: fromBase64url(world.agreement.digest) },
      ...(await Promise.all(
        statements.map(async (s) => ({ kind: 'statement' as const, hash: await sha256(s) })),
      )),
    ]);
    const logged = fromA.entries
      .slice(1 + statements.length)
      .map((e) => Buffer.from(e.hash).toString('base64url'));
    expect(logged.sort()).toEqual([...digests].sort());

    // Every checkpoint either process issued is consistent with the next.
    const c = new pg.Client({ connectionString: pgSchema.url });
    await c.connect();
    const sizes = (await c.query('select size from log_checkpoints order by size')).rows.map((r) =>
      Number(r.size),
    );
    await c.end();
    const key = await clientOf(a).logKey();
    let previous: { size: number; root: Uint8Array } | undefined;
    for (const size of sizes) {
      const relay = size % 2 ? a : b;
      const cp = openCheckpoint(
        await clientOf(relay, malmo).checkpointAt(size),
        key.origin,
        key.publicKey,
      ).checkpoint;
      if (previous && previous.size > 0) {
        const p = await clientOf(relay, malmo).consistencyProof(previous.size, size);
        expect(verifyConsistency(previous.size, size, p.proof, previous.root, cp.root)).toBe(true);
      }
      previous = cp;
    }
    expect(previous?.size).toBe(total);
    await expect(clientOf(a, malmo).checkpointAt(total + 1)).rejects.toBeInstanceOf(RelayError);
  });
});
