/**
 * The directory on the relay: agreements installed by an administrator,
 * statements accepted only when they chain to the agreement, served in order, and verified again by
 * clients. Runs on both engines.
 */
import {
  Agreement,
  DEVICE_TYP,
  Directory,
  decodeCompact,
  designateIntake,
  enrolDevice,
  HPKE_KEY_TYP,
  HpkeKeyPair,
  publishHpkeKey,
  REVOCATION_TYP,
  RelayError,
  revokeDevice,
  SigningKeyPair,
  signCompact,
} from '@brygga/client-sdk';
import { DirectoryStore, Logger } from '@brygga/server';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { agreementTerms, makeDevice, UNITS } from '../support/fixtures.js';
import { ADMIN_TOKEN, problemOf, startTestRelay, type TestRelay } from '../support/relay.js';

const payloadOf = (jws: string) =>
  JSON.parse(new TextDecoder().decode(decodeCompact(jws).payloadBytes)) as Record<string, unknown>;

describe.each(ENGINES)('directory on %s', (engine) => {
  let relay: TestRelay;
  afterEach(async () => {
    await relay?.close();
  });

  const postStatement = (jws: unknown) =>
    relay.request('/v1/directory/statements', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jws }),
    });

  const install = (body: string, token: string | null = ADMIN_TOKEN) =>
    relay.request('/v1/admin/agreements', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });

  /** A refusal: status and problem type as expected, and no table changed. */
  async function refused(res: Promise<Response>, status: number, type: string): Promise<void> {
    const before = await relay.rows();
    const problem = await problemOf(await res);
    expect(problem).toMatchObject({ status, type });
    expect(await relay.rows()).toEqual(before);
  }

  it('installs the agreement once and serves what clients verify again', async () => {
    relay = await startTestRelay(engine);
    const again = await install(relay.world.agreement.serialize());
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ digest: relay.world.agreement.digest, sequence: 1 });

    const res = await relay.request('/v1/directory');
    expect(res.status).toBe(200);
    const listing = (await res.json()) as {
      agreements: unknown[];
      statements: { seq: number; jws: string }[];
    };
    expect(listing.agreements).toEqual([relay.world.agreement.jws]);
    expect(listing.statements.map((s) => s.jws)).toEqual(relay.world.statements);
    expect(listing.statements.map((s) => s.seq)).toEqual(relay.world.statements.map((_, i) => i + 1));

    // A client pinned to the agreement verifies everything the relay serves.
    const pinned = new Directory(Agreement.deserialize(relay.world.agreement.serialize()));
    const latest = await relay.client().syncDirectory(pinned);
    expect(latest).toBe(relay.world.statements.length);
    for (const d of relay.world.all) {
      expect(pinned.activeDevice(d.key.kid).unit).toBe(d.unit);
      expect(pinned.currentHpkeKey(d.key.kid, relay.clock.date).key.kid).toBe(d.hpke[0]!.kid);
    }

    const page = await relay.request('/v1/directory?after=3');
    const rest = (await page.json()) as { statements: { seq: number }[]; latest: number };
    expect(rest.statements[0]!.seq).toBe(4);
    expect(rest.latest).toBe(relay.world.statements.length);
  });

  it('refuses agreements without the admin token, or not signed by every party', async () => {
    relay = await startTestRelay(engine, { agreement: false });
    const doc = relay.world.agreement.serialize();
    await refused(install(doc, null), 401, 'unauthorized');
    await refused(install(doc, `${ADMIN_TOKEN}x`), 401, 'unauthorized');
    await refused(install(doc, 'short'), 401, 'unauthorized');
    const partial = Agreement.create(agreementTerms(relay.world.roots))
      .sign(relay.world.roots['stockholm-jarva'])
      .sign(relay.world.roots.malmo);
    await refused(install(partial.serialize()), 422, 'agreement-invalid');
    // The payload swapped under valid signatures.
    const other = Agreement.create(agreementTerms(relay.world.roots, { title: 'Ändrat avtal' }));
    const swapped = JSON.stringify({
      payload: other.jws.payload,
      signatures: relay.world.agreement.jws.signatures,
    });
    await refused(install(swapped), 422, 'agreement-invalid');
    // Not a general JWS (relay-api.schema.json#/$defs/GeneralJws): refused by the schema, naming the member.
    await refused(install('{"payload": 1}'), 400, 'malformed');
    expect((await problemOf(await install('{"payload": "e30"}'))).detail).toBe(
      'the body must have "signatures"',
    );
    await refused(install('[1, 2'), 400, 'malformed');
    // Before any agreement, statements cannot be checked.
    await refused(postStatement(relay.world.statements[0]), 503, 'agreement-missing');
  });

  it('answers 403 admin-disabled when no admin token is configured', async () => {
    relay = await startTestRelay(engine, { agreement: false, config: { adminToken: undefined } });
    await refused(install(relay.world.agreement.serialize()), 403, 'admin-disabled');
  });

  it('accepts a valid extension of the agreement and refuses one that is not a successor', async () => {
    relay = await startTestRelay(engine);
    const { roots, agreement } = relay.world;
    let next = Agreement.create(
      agreementTerms(roots, {
        sequence: 2,
        supersedes: agreement.digest,
        period: { from: '2026-01-01', to: '2026-12-31' },
      }),
    );
    for (const u of UNITS) next = next.sign(roots[u]);
    // Skipping a sequence number is not a successor.
    let skip = Agreement.create(agreementTerms(roots, { sequence: 3, supersedes: agreement.digest }));
    for (const u of UNITS) skip = skip.sign(roots[u]);
    await refused(install(skip.serialize()), 422, 'agreement-invalid');
    // An agreement of strangers.
    const strangers = Object.fromEntries(UNITS.map((u) => [u, SigningKeyPair.generate()])) as typeof roots;
    let foreign = Agreement.create(agreementTerms(strangers));
    for (const u of UNITS) foreign = foreign.sign(strangers[u]);
    await refused(install(foreign.serialize()), 422, 'agreement-invalid');

    const res = await install(next.serialize());
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ digest: next.digest, sequence: 2 });
    const listing = (await (await relay.request('/v1/directory')).json()) as { agreements: unknown[] };
    expect(listing.agreements).toEqual([agreement.jws, next.jws]);
    const pinned = new Directory(agreement);
    await relay.client().syncDirectory(pinned);
    expect(pinned.agreement.digest).toBe(next.digest);
  });

  it('accepts enrolment, rotation and revocation, each once', async () => {
    relay = await startTestRelay(engine);
    const { roots } = relay.world;
    const device = makeDevice(
      'goteborg-nordost',
      roots['goteborg-nordost'],
      relay.clock.date,
      'Nordost samordnare',
    );
    const first = await postStatement(device.enrolment);
    expect(first.status).toBe(201);
    const { seq } = (await first.json()) as { seq: number };
    expect(seq).toBe(relay.world.statements.length + 1);
    const repeat = await postStatement(device.enrolment);
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual({ seq });

    expect((await postStatement(device.publications[0])).status).toBe(201);
    // Rotation: the next key, published later.
    const rotated = HpkeKeyPair.generate();
    const later = new Date(relay.clock.now + 86_400_000);
    expect(
      (
        await postStatement(
          publishHpkeKey(device.key, { unit: device.unit, key: rotated.publicKey, now: later }),
        )
      ).status,
    ).toBe(201);
    const revocation = revokeDevice(roots['goteborg-nordost'], {
      unit: device.unit,
      device: device.key.kid,
      reason: 'stulen dator',
      now: later,
    });
    expect((await postStatement(revocation)).status).toBe(201);

    const pinned = new Directory(relay.world.agreement);
    await relay.client().syncDirectory(pinned);
    expect(pinned.device(device.key.kid)?.revokedAt).toBeDefined();
    expect(pinned.hpkeKey(rotated.kid)?.device).toBe(device.key.kid);

    // After revocation: no re-enrolment, no new keys.
    const reenrol = enrolDevice(roots['goteborg-nordost'], {
      unit: device.unit,
      key: device.key.publicKey,
      name: 'igen',
      now: new Date(later.getTime() + 1000),
    });
    await refused(postStatement(reenrol), 422, 'key-revoked');
    await refused(
      postStatement(
        publishHpkeKey(device.key, { unit: device.unit, key: HpkeKeyPair.generate().publicKey, now: later }),
      ),
      422,
      'key-revoked',
    );
  });

  it("accepts a unit's intake from its root, refuses one another root signed or naming a stranger", async () => {
    relay = await startTestRelay(engine);
    const { roots } = relay.world;
    const coordinator = makeDevice('malmo', roots.malmo, relay.clock.date, 'Malmö samordnare');
    for (const jws of [coordinator.enrolment, ...coordinator.publications])
      expect((await postStatement(jws)).status).toBe(201);
    const intake = designateIntake(roots.malmo, {
      unit: 'malmo',
      devices: [coordinator.key.kid],
      now: relay.clock.date,
    });
    expect((await postStatement(intake)).status).toBe(201);
    expect((await postStatement(intake)).status).toBe(200);
    const pinned = new Directory(relay.world.agreement);
    await relay.client().syncDirectory(pinned);
    expect(pinned.intakeOf('malmo')).toEqual([coordinator.key.kid]);

    const forged = designateIntake(roots['goteborg-nordost'], {
      unit: 'malmo',
      devices: [coordinator.key.kid],
    });
    await refused(postStatement(forged), 422, 'not-in-agreement');
    const stranger = designateIntake(roots.malmo, {
      unit: 'malmo',
      devices: [SigningKeyPair.generate().kid],
    });
    await refused(postStatement(stranger), 422, 'unknown-key');
  });

  it('refuses forged and re-signed statements, storing nothing', async () => {
    relay = await startTestRelay(engine);
    const { roots, devices, agreement } = relay.world;
    const stranger = SigningKeyPair.generate();
    const newcomer = SigningKeyPair.generate();
    const now = relay.clock.date;

    // Enrolment signed by a key that is no unit's root.
    await refused(
      postStatement(enrolDevice(stranger, { unit: 'malmo', key: newcomer.publicKey, name: 'falsk', now })),
      422,
      'not-in-agreement',
    );
    // Enrolment for Malmö signed by Stockholm's root.
    await refused(
      postStatement(
        enrolDevice(roots['stockholm-jarva'], { unit: 'malmo', key: newcomer.publicKey, name: 'x', now }),
      ),
      422,
      'not-in-agreement',
    );
    // A unit that is not a party.
    await refused(
      postStatement(enrolDevice(roots.malmo, { unit: 'uppsala', key: newcomer.publicKey, name: 'x', now })),
      422,
      'not-in-agreement',
    );
    // A genuine enrolment with its payload altered (the name), original signature kept.
    const genuine = enrolDevice(roots.malmo, { unit: 'malmo', key: newcomer.publicKey, name: 'äkta', now });
    const [h, , s] = genuine.split('.');
    const alteredPayload = Buffer.from(JSON.stringify({ ...payloadOf(genuine), name: 'ändrad' })).toString(
      'base64url',
    );
    await refused(postStatement(`${h}.${alteredPayload}.${s}`), 422, 'invalid-signature');
    // Re-signed: the payload of a genuine enrolment, signed again by the device itself.
    await refused(
      postStatement(signCompact(DEVICE_TYP, payloadOf(devices.malmo.enrolment), devices.malmo.key)),
      422,
      'not-in-agreement',
    );
    // Signed by a stranger, with the header claiming Malmö's root as signer.
    const [, p2, s2] = signCompact(DEVICE_TYP, payloadOf(genuine), stranger).split('.');
    const header = Buffer.from(
      JSON.stringify({ alg: 'EdDSA', typ: DEVICE_TYP, kid: roots.malmo.kid }),
    ).toString('base64url');
    await refused(postStatement(`${header}.${p2}.${s2}`), 422, 'invalid-signature');
    // An HPKE key for Malmö's device, signed by Stockholm's device.
    const hpke = HpkeKeyPair.generate().publicKey;
    const forgedKey = signCompact(
      HPKE_KEY_TYP,
      { ...payloadOf(publishHpkeKey(devices.malmo.key, { unit: 'malmo', key: hpke, now })) },
      devices['stockholm-jarva'].key,
    );
    await refused(postStatement(forgedKey), 422, 'not-in-agreement');
    // An HPKE key for a device nobody enrolled.
    await refused(
      postStatement(publishHpkeKey(newcomer, { unit: 'malmo', key: hpke, now })),
      422,
      'unknown-key',
    );
    // A revocation signed by the device instead of the root.
    const revocation = revokeDevice(roots.malmo, {
      unit: 'malmo',
      device: devices.malmo.key.kid,
      reason: 'x',
      now,
    });
    await refused(
      postStatement(signCompact(REVOCATION_TYP, payloadOf(revocation), devices.malmo.key)),
      422,
      'not-in-agreement',
    );
    // Revoking a device of another unit with one's own root.
    await refused(
      postStatement(
        revokeDevice(roots.malmo, {
          unit: 'malmo',
          device: devices['stockholm-jarva'].key.kid,
          reason: 'x',
          now,
        }),
      ),
      422,
      'unknown-key',
    );
    // Not a statement at all.
    await refused(postStatement('a.b.c'), 422, 'malformed-statement');
    // Not a compact JWS at all: refused by the schema (relay-api.schema.json#/$defs/StatementSubmission).
    await refused(postStatement(agreement.serialize()), 400, 'malformed');
    await refused(postStatement(42), 400, 'malformed');
    await refused(
      postStatement(signCompact('brygga-other+jws', { v: 1 }, roots.malmo)),
      422,
      'malformed-statement',
    );
    const version2 = signCompact(DEVICE_TYP, { ...payloadOf(devices.malmo.enrolment), v: 2 }, roots.malmo);
    await refused(postStatement(version2), 422, 'malformed-statement');

    // The SDK client sees the same refusals as typed errors.
    const err = await relay
      .client()
      .submitStatement('a.b.c')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayError);
    expect((err as RelayError).status).toBe(422);
    expect((err as RelayError).problemType).toBe('urn:brygga:problem:malformed-statement');
    expect((err as RelayError).errorCode).toBe('ERR_MALFORMED_STATEMENT');
  });

  it('serialises concurrent statements into one order every client can apply', async () => {
    relay = await startTestRelay(engine);
    const { roots } = relay.world;
    const devices = UNITS.flatMap((u) =>
      Array.from({ length: 4 }, (_, i) => makeDevice(u, roots[u], relay.clock.date, `enhet ${i}`)),
    );
    const results = await Promise.all(
      devices.flatMap((d) => [postStatement(d.enrolment)]).map(async (r) => (await r).status),
    );
    expect(results.every((s) => s === 201)).toBe(true);
    // Publications race against each other too, each after its own enrolment.
    expect(
      (await Promise.all(devices.map((d) => postStatement(d.publications[0])))).map((r) => r.status),
    ).toEqual(devices.map(() => 201));
    const listing = (await (await relay.request('/v1/directory')).json()) as {
      statements: { seq: number; jws: string }[];
    };
    const seqs = listing.statements.map((s) => s.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const pinned = new Directory(relay.world.agreement);
    pinned.applyAll(listing.statements.map((s) => s.jws));
    expect(pinned.devices().length).toBe(relay.world.all.length + devices.length);
  });

  it('serialises statements submitted through several processes at once', async () => {
    relay = await startTestRelay(engine);
    const { roots } = relay.world;
    const logger = new Logger({ level: 'silent' });
    const processes = [0, 1, 2].map(
      () => new DirectoryStore(relay.db.database, { now: () => relay.clock.now, logger }),
    );
    const devices = UNITS.flatMap((u) =>
      Array.from({ length: 5 }, (_, i) => makeDevice(u, roots[u], relay.clock.date, `process ${i}`)),
    );
    const results = await Promise.all(devices.map((d, i) => processes[i % 3]!.addStatement(d.enrolment)));
    expect(results.every((r) => r.created)).toBe(true);
    const seqs = results.map((r) => r.seq).sort((a, b) => a - b);
    const first = relay.world.statements.length + 1;
    expect(seqs).toEqual(seqs.map((_, i) => first + i));
    // Every process, and every client, ends up with the same directory.
    for (const p of processes)
      expect((await p.require()).devices().length).toBe(relay.world.all.length + devices.length);
    const pinned = new Directory(relay.world.agreement);
    await relay.client().syncDirectory(pinned);
    expect(pinned.devices().length).toBe(relay.world.all.length + devices.length);
  });

  it('a revocation accepted by one process is enforced by another at once', async () => {
    relay = await startTestRelay(engine);
    const other = new DirectoryStore(relay.db.database, {
      now: () => relay.clock.now,
      logger: new Logger({ level: 'silent' }),
    });
    const device = relay.world.second.malmo;
    expect((await other.require()).activeDevice(device.key.kid).unit).toBe('malmo');
    const revocation = revokeDevice(relay.world.roots.malmo, {
      unit: 'malmo',
      device: device.key.kid,
      reason: 'förlorad',
      now: relay.clock.date,
    });
    expect((await postStatement(revocation)).status).toBe(201);
    await expect((async () => (await other.require()).activeDevice(device.key.kid))()).rejects.toMatchObject({
      code: 'ERR_KEY_REVOKED',
    });
    // And the other process verifies new statements against it: re-enrolment refused there too.
    await expect(
      other.addStatement(
        enrolDevice(relay.world.roots.malmo, {
          unit: 'malmo',
          key: device.key.publicKey,
          name: 'z',
          now: relay.clock.date,
        }),
      ),
    ).rejects.toMatchObject({ code: 'ERR_KEY_REVOKED' });
  });
});
