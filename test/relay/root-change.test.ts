/**
 * Root keys along the whole agreement chain, at the relay (PROTOCOL.md §5.1–5.2). Extension 2 drops
 * Malmö (signed by Stockholm and Göteborg, a majority); extension 3 re-adds `malmo` under a new root key.
 * Without a root change signed by Malmö's root in the chain, extension 3 is refused; once the relay has
 * such a root change (`POST /v1/admin/root-changes`), it is accepted, the new root enrols a device, and
 * the devices the old root enrolled no longer count. Relays on the same database give the same answers
 * whether they followed the sequence, watched it from beside or started after it. Runs on both engines.
 */
import {
  Agreement,
  type AgreementTerms,
  type DirectorySnapshot,
  enrolDevice,
  SigningKeyPair,
  signRootChange,
} from '@brygga/client-sdk';
import {
  type AppDeps,
  createApp,
  createInboxNotifier,
  type Database,
  DirectoryStore,
  Logger,
  openDatabase,
  RelayStore,
} from '@brygga/server';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { agreementTerms, makeDevice, type TestDevice, type UnitId } from '../support/fixtures.js';
import { ADMIN_TOKEN, AUDIENCE, problemOf, startTestRelay, type TestRelay } from '../support/relay.js';

/** Another relay on the same database: its own connections and its own directory in memory. */
interface OtherRelay {
  database: Database;
  directory: DirectoryStore;
  request(path: string, init?: RequestInit): Promise<Response>;
}

describe.each(ENGINES)('root keys along the agreement chain on %s', (engine) => {
  let relay: TestRelay;
  const others: OtherRelay[] = [];
  afterEach(async () => {
    for (const other of others.splice(0)) await other.database.close();
    await relay?.close();
  });

  async function startOther(): Promise<OtherRelay> {
    const database = await openDatabase(relay.db.location, { schema: relay.db.schema, poolSize: 2 });
    const logger = new Logger({ level: 'silent' });
    const now = relay.deps.now;
    const directory = new DirectoryStore(database, { now, logger });
    const deps: AppDeps = {
      ...relay.deps,
      database,
      logger,
      notifier: createInboxNotifier(database, logger),
      directory,
      // The directory is what is tested here. A SQLite relay is one process and keeps token ids in its
      // memory (PROTOCOL.md §8), so relays beside it on the same file share its store's.
      store:
        engine === 'sqlite'
          ? relay.deps.store
          : new RelayStore(database, createInboxNotifier(database, logger), { noticeTtlMs: 60_000 }),
    };
    const app = createApp(deps);
    const other = {
      database,
      directory,
      request: async (path: string, init?: RequestInit) => app.request(`${AUDIENCE}${path}`, init),
    };
    others.push(other);
    return other;
  }

  const admin = (path: string, body: unknown) =>
    relay.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify(body),
    });
  const install = (agreement: Agreement) => admin('/v1/admin/agreements', agreement.jws);
  const submitRootChange = (jws: unknown) => admin('/v1/admin/root-changes', { jws });
  const postStatement = (jws: string) =>
    relay.request('/v1/directory/statements', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jws }),
    });

  /** The inbox answer each relay gives `device`: the status and, for a refusal, its problem code. */
  async function answers(device: TestDevice, relays: OtherRelay[]): Promise<string[]> {
    const out: string[] = [];
    for (const r of [{ request: relay.request }, ...relays]) {
      const res = await r.request('/v1/inbox', { headers: relay.auth(device) });
      out.push(res.status === 200 ? '200' : `${res.status} ${(await problemOf(res)).type}`);
    }
    return out;
  }

  /** The terms of extension `sequence` with the parties given (each unit with its root). */
  function extension(
    sequence: number,
    supersedes: string,
    parties: Partial<Record<UnitId, SigningKeyPair>>,
  ): AgreementTerms {
    const all = agreementTerms(relay.world.roots, { sequence, supersedes });
    return {
      ...all,
      parties: all.parties
        .filter((p) => parties[p.unit as UnitId] !== undefined)
        .map((p) => ({ ...p, rootKey: parties[p.unit as UnitId]!.publicKey.serialize() })),
    };
  }
  const signedBy = (terms: AgreementTerms, keys: SigningKeyPair[]) =>
    keys.reduce((a, k) => a.sign(k), Agreement.create(terms));

  it('refuses a re-added unit under a new root without a root change, accepts it with one, and every relay agrees', async () => {
    relay = await startTestRelay(engine, { file: true });
    const { roots, agreement, devices } = relay.world;
    const S = roots['stockholm-jarva'];
    const G = roots['goteborg-nordost'];
    const oldMalmo = roots.malmo;
    const newMalmo = SigningKeyPair.generate();
    // A relay that watches the sequence from beside (its directory caught up request by request).
    const beside = await startOther();
    expect(await answers(devices.malmo, [beside])).toEqual(['200', '200']);

    const a2 = signedBy(extension(2, agreement.digest, { 'stockholm-jarva': S, 'goteborg-nordost': G }), [
      S,
      G,
    ]);
    expect((await install(a2)).status).toBe(201);
    const a3 = signedBy(
      extension(3, a2.digest, { 'stockholm-jarva': S, 'goteborg-nordost': G, malmo: newMalmo }),
      [S, G, newMalmo],
    );

    // Without a root change, the new root is refused, with Malmö's known and offered keys in the detail.
    const refused = await install(a3);
    const problem = await problemOf(refused);
    expect(problem).toMatchObject({ status: 422, type: 'agreement-invalid' });
    expect(problem.detail).toMatch(/root key of malmo/);
    // Nothing the would-be root signs is accepted.
    const planted = makeDevice('malmo', newMalmo, relay.clock.date);
    expect(await problemOf(await postStatement(planted.enrolment))).toMatchObject({ status: 422 });
    // Malmö was dropped, so its genuine device is known but not in the agreement, at every relay.
    const dropped = ['403 device-not-in-agreement', '403 device-not-in-agreement'];
    expect(await answers(devices.malmo, [beside])).toEqual(dropped);
    const late = await startOther();
    expect(await answers(devices.malmo, [beside, late])).toEqual([...dropped, dropped[0]]);

    // Root changes the relay refuses: signed by a key that is no unit's root, by another unit's root for
    // Malmö, a payload that is not a root change, and none without the admin token.
    const forged = signRootChange(newMalmo, {
      agreement: a2.terms.id,
      unit: 'malmo',
      to: SigningKeyPair.generate().publicKey,
    });
    expect(await problemOf(await submitRootChange(forged))).toMatchObject({
      status: 422,
      type: 'not-in-agreement',
    });
    const SforM = signRootChange(S, { agreement: a2.terms.id, unit: 'malmo', to: newMalmo.publicKey });
    expect(await problemOf(await submitRootChange(SforM))).toMatchObject({ status: 422 });
    expect(await problemOf(await submitRootChange(planted.enrolment))).toMatchObject({
      status: 422,
      type: 'malformed-statement',
    });
    expect(await problemOf(await submitRootChange(42))).toMatchObject({ status: 400, type: 'malformed' });
    const change = signRootChange(oldMalmo, {
      agreement: a2.terms.id,
      unit: 'malmo',
      to: newMalmo.publicKey,
      now: relay.clock.date,
    });
    const [header, payload, signature] = change.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    expect(await problemOf(await submitRootChange(`${header}.${payload}.${flipped}`))).toMatchObject({
      status: 422,
      type: 'invalid-signature',
    });
    const anonymous = await relay.request('/v1/admin/root-changes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jws: change }),
    });
    expect(await problemOf(anonymous)).toMatchObject({ status: 401, type: 'unauthorized' });
    expect((await install(a3)).status).toBe(422);

    // The root change signed by Malmö's root in the chain: accepted once, then the extension is too.
    const pin = { unit: 'malmo', from: oldMalmo.publicKey.serialize(), to: newMalmo.publicKey.serialize() };
    const first = await submitRootChange(change);
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual(pin);
    const again = await submitRootChange(change);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(pin);
    expect((await install(a3)).status).toBe(201);

    // The new root enrols a device, which publishes a key; the old root enrols nothing any more.
    const fresh = makeDevice('malmo', newMalmo, relay.clock.date, 'Malmö ny samordnare');
    expect((await postStatement(fresh.enrolment)).status).toBe(201);
    expect((await postStatement(fresh.publications[0]!)).status).toBe(201);
    const byOldRoot = enrolDevice(oldMalmo, {
      unit: 'malmo',
      key: SigningKeyPair.generate().publicKey,
      name: 'Malmö gammal rot',
      now: relay.clock.date,
    });
    expect(await problemOf(await postStatement(byOldRoot))).toMatchObject({ status: 422 });

    // Every relay: the one that ran the sequence, the one beside it, the one started before the root
    // change and one started now give the same answers and hold the same directory.
    const after = await startOther();
    const relays = [beside, late, after];
    expect(await answers(devices.malmo, relays)).toEqual(Array(4).fill('401 unknown-device'));
    expect(await answers(fresh, relays)).toEqual(Array(4).fill('200'));
    expect(await answers(devices['stockholm-jarva'], relays)).toEqual(Array(4).fill('200'));
    const snapshots: DirectorySnapshot[] = [];
    for (const d of [relay.deps.directory, ...relays.map((r) => r.directory)]) {
      snapshots.push((await d.require()).snapshot());
    }
    expect(snapshots[0]!.pins).toEqual([pin]);
    expect(snapshots[0]!.agreements).toEqual([agreement.digest, a2.digest, a3.digest]);
    for (const s of snapshots.slice(1)) expect(s).toEqual(snapshots[0]);
  });

  it('refuses a root change before any agreement, and one for a cooperation other than the chain’s', async () => {
    relay = await startTestRelay(engine, { agreement: false, enrol: false });
    const { roots } = relay.world;
    const to = SigningKeyPair.generate().publicKey;
    const change = signRootChange(roots.malmo, { agreement: 'avhoppare-storstad', unit: 'malmo', to });
    expect(await problemOf(await submitRootChange(change))).toMatchObject({
      status: 503,
      type: 'agreement-missing',
    });
    expect((await install(relay.world.agreement)).status).toBe(201);
    const elsewhere = signRootChange(roots.malmo, { agreement: 'annat-samarbete', unit: 'malmo', to });
    expect(await problemOf(await submitRootChange(elsewhere))).toMatchObject({
      status: 422,
      type: 'malformed-statement',
    });
    expect((await submitRootChange(change)).status).toBe(201);
  });
});
