/**
 * Key transparency from the clients' side (PROTOCOL.md §19), against a relay that lies: a proxy in
 * front of real relays (test/support/log-proxy.ts) on both engines. Each lie is caught by the SDK with
 * its own error code, and the evidence (signed checkpoints, the proof or the answer the relay gave) is
 * kept in the store:
 * (a) a key kept out of the log (ERR_LOG_OMISSION), and the same key logged (ERR_LOG_UNEXPECTED_KEY at
 *     the unit it was forged for, an alert that does not stop its sync); (b) a split view, two relays under one log key
 *     (ERR_LOG_INCONSISTENT); (c) a rewound log (ERR_LOG_ROLLBACK); (d) a packet dropped after a 201
 *     (ERR_LOG_OMISSION); (e) a proof with an element left out. An honest relay raises nothing over a
 *     whole referral, and the devices' cosignatures accumulate on its checkpoints.
 */
import {
  BryggaClient,
  type ClientEvent,
  Envelope,
  type LogEvidence,
  openCheckpoint,
  type PacketBodies,
  parseVerifierKey,
  toBase64url,
  verifyConsistency,
} from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../client-sdk/src/crypto/hash.js';
import { ENGINES } from '../support/databases.js';
import { jsonOf, jsonResponse, type LogProxy, startLogProxy } from '../support/log-proxy.js';
import { agreePlan } from '../support/plan-agreement.js';
import { AUDIENCE, listen, makeEnvelope, startTestRelay, submit, type TestRelay } from '../support/relay.js';
import { openTestStore } from '../support/store-databases.js';
import {
  referInput,
  startWorkflow,
  type Workflow,
  type WorkflowUnit,
  workflowDevice,
} from '../support/workflow-world.js';

/** The log bound of these clients: short, so an omission is found quickly. */
const BOUND = 250;

const contact = (unit: string) => ({
  unit,
  name: 'Samordnare',
  role: 'avhopparsamordnare',
  phone: null,
  email: null,
});

/** A fetch that sends every request to the proxy instead. */
function via(proxy: LogProxy) {
  return (input: string, init: RequestInit) =>
    fetch(input.replace(/^http:\/\/127\.0\.0\.1:\d+/, proxy.url), init);
}

/** The log checks' alerts a client recorded. */
async function alerts(client: BryggaClient): Promise<ClientEvent[]> {
  return (await client.pendingEvents(1000)).filter((e) => e.type === 'log.alert');
}

/** That a checkpoint in evidence is signed by the log's key (what makes the evidence evidence). */
function signedByLog(evidence: LogEvidence, note: string) {
  const { name, publicKey } = parseVerifierKey(evidence.logKey);
  return openCheckpoint(note, name, publicKey).checkpoint;
}

describe.each(ENGINES)('a misbehaving relay on %s', (engine) => {
  let w: Workflow | undefined;
  let proxy: LogProxy | undefined;
  const extra: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await proxy?.close();
    for (const e of extra.splice(0)) await e.close();
    await w?.close();
    w = undefined;
    proxy = undefined;
  });

  async function start(client: { logMonitor?: boolean } = {}): Promise<Workflow> {
    proxy = await startLogProxy([]);
    w = await startWorkflow(engine, { client: { logBoundMs: BOUND, fetch: via(proxy), ...client } });
    const url = w.url;
    proxy.route = () => url;
    return w;
  }

  it("(a) a key kept out of the log is refused; logged, the unit's own monitor reports it", async () => {
    const w = await start();
    const c = w.clients;
    await w.syncAll();
    // Malmö's root key was stolen: a device of the attacker's, enrolled for Malmö.
    const attacker = workflowDevice('malmo', w.world.wroots.malmo, w.world.now, 'Malmö (falsk)');
    const forged = [attacker.enrolment, ...attacker.publications];
    proxy!.tamper = (req, res) => {
      if (req.method !== 'GET' || !req.path.startsWith('/v1/directory')) return undefined;
      const page = jsonOf<{
        agreements: unknown[];
        statements: { seq: number; jws: string }[];
        latest: number;
      }>(res);
      const statements = [...page.statements, ...forged.map((jws, i) => ({ seq: page.latest + 1 + i, jws }))];
      return jsonResponse(200, { ...page, statements, latest: page.latest + forged.length });
    };
    const jarva = c['stockholm-jarva'];
    await expect(jarva.sync()).rejects.toMatchObject({ code: 'ERR_LOG_OMISSION' });
    expect(jarva.directory.device(attacker.key.kid)).toBeUndefined();
    const [omission] = await jarva.logEvidence();
    expect(omission).toMatchObject({
      code: 'ERR_LOG_OMISSION',
      subject: { kind: 'statement', jws: attacker.enrolment },
      proof: { type: 'inclusion', index: null },
      observer: { unit: 'stockholm-jarva', device: jarva.device },
    });
    expect(signedByLog(omission!, omission!.checkpoints[0]!).size).toBeGreaterThan(0);
    expect((await alerts(jarva)).map((e) => e.data.code)).toEqual(['ERR_LOG_OMISSION']);
    // Nothing about Malmö's keys changed for Stockholm: a referral still goes to Malmö's own device only.
    proxy!.tamper = () => undefined;
    await jarva.sync();
    expect(jarva.directory.device(attacker.key.kid)).toBeUndefined();

    // The relay logs the forged statements: Stockholm applies them, and Malmö's monitor sees them.
    for (const jws of forged) await w.relay.client().submitStatement(jws);
    await w.relay.transparency.flush();
    await jarva.sync();
    expect(jarva.directory.device(attacker.key.kid)?.unit).toBe('malmo');
    // Malmö's administrator keeps a register of the unit's devices (expectUnitKeys): the enrolment is
    // signed by Malmö's root, but not in the register. An alert with its evidence, for a person; the
    // sync itself goes on.
    await c.malmo.sync();
    const unexpected = await c.malmo.logEvidence();
    expect(unexpected.map((e) => [e.code, e.subject?.device, e.subject?.jws])).toEqual([
      ['ERR_LOG_UNEXPECTED_KEY', attacker.key.kid, attacker.enrolment],
      ['ERR_LOG_UNEXPECTED_KEY', attacker.key.kid, attacker.publications[0]],
    ]);
    expect((await alerts(c.malmo)).length).toBe(2);
    const stored = await c.malmo.alerts({ pending: true });
    expect(stored.map((a) => [a.kind, a.code, (a.evidence as LogEvidence).subject?.jws])).toEqual([
      ['log', 'ERR_LOG_UNEXPECTED_KEY', attacker.enrolment],
      ['log', 'ERR_LOG_UNEXPECTED_KEY', attacker.publications[0]],
    ]);
    const acknowledged = await c.malmo.acknowledgeAlert(stored[0]!.id, 'Malmö IT-administratör');
    expect(acknowledged.acknowledged).toMatchObject({ by: 'Malmö IT-administratör' });
    expect((await c.malmo.alerts({ pending: true })).map((a) => a.id)).toEqual([stored[1]!.id]);
    // Reported once: the next sync adds nothing.
    await c.malmo.sync();
    expect((await c.malmo.logEvidence()).length).toBe(2);
    expect((await c.malmo.alerts()).length).toBe(2);
  });

  it('(b) two units shown different logs under one key: a packet carrying the other view is refused', async () => {
    const w = await start();
    const c = w.clients;
    // A second real relay with the same agreement, statements, log key and origin: the same log so far.
    const other: TestRelay = await startTestRelay(engine, {
      world: w.world,
      logKey: w.relay.transparency.store.key,
    });
    const otherServer = await listen(other);
    extra.push(otherServer, { close: () => other.close() });
    // The other log goes its own way: entries Malmö's view has and Stockholm's has not.
    const [m, g] = [w.world.units.malmo, w.world.units['goteborg-nordost']];
    for (let i = 0; i < 3; i++) expect((await submit(other, m, makeEnvelope(m, [g]))).status).toBe(201);
    await other.transparency.flush();
    const malmoDevices = new Set([m.key.kid]);
    proxy!.route = (req) =>
      req.path.startsWith('/v1/log/') && req.device !== undefined && malmoDevices.has(req.device)
        ? otherServer.url
        : w.url;

    await w.syncAll();
    const jarva = c['stockholm-jarva'];
    const { caseId } = await jarva.refer(referInput('stockholm-jarva', 'malmo'));
    await w.relay.transparency.flush();
    await jarva.sync();
    // Now Stockholm's newest checkpoint holds its referral, which Malmö's log never had.
    const message = await jarva.sendMessage(caseId, { text: 'Ring mig.', legalBasis: null });
    const report = await c.malmo.sync();
    expect(report.received).toContainEqual({
      pid: message.pid,
      outcome: 'rejected',
      code: 'ERR_LOG_INCONSISTENT',
    });
    const evidence = (await c.malmo.logEvidence()).filter((e) => e.code === 'ERR_LOG_INCONSISTENT');
    expect(evidence.length).toBeGreaterThan(0);
    const [e] = evidence;
    expect(e!.checkpoints).toHaveLength(2);
    const [x, y] = e!.checkpoints.map((n) => signedByLog(e!, n));
    // Both signed by the log; the two logs differ at the smaller size, so no consistency proof exists.
    const small = Math.min(x!.size, y!.size);
    const rootA = await w.relay.transparency.store.root(small);
    const rootB = await other.transparency.store.root(small);
    expect(toBase64url(rootA)).not.toBe(toBase64url(rootB));
    if (x!.size !== y!.size && e!.proof?.type === 'consistency' && e!.proof.proof) {
      const [lo, hi] = x!.size < y!.size ? [x!, y!] : [y!, x!];
      const proof = e!.proof.proof.map((p) => Buffer.from(p, 'base64url'));
      expect(verifyConsistency(lo.size, hi.size, proof, lo.root, hi.root)).toBe(false);
    }
    expect((await alerts(c.malmo)).some((a) => a.data.code === 'ERR_LOG_INCONSISTENT')).toBe(true);
    // Stockholm finds the split too: Malmö's receipts carry Malmö's view.
    const back = await jarva.sync();
    expect(back.received.some((r) => r.code === 'ERR_LOG_INCONSISTENT')).toBe(true);
    expect((await jarva.logEvidence()).some((e) => e.code === 'ERR_LOG_INCONSISTENT')).toBe(true);
  });

  it('(c) a rewound log is refused', async () => {
    const w = await start();
    const c = w.clients;
    const jarva = c['stockholm-jarva'];
    let held: Uint8Array | undefined;
    proxy!.tamper = (req, res) => {
      if (req.path === '/v1/log/checkpoint' && req.device === jarva.device) held ??= res.body;
      return undefined;
    };
    await w.syncAll();
    await jarva.refer(referInput('stockholm-jarva', 'malmo'));
    await w.relay.transparency.flush();
    await jarva.sync();
    const before = (await jarva.logStatus()).latest!;
    // The relay now shows Stockholm the checkpoint it showed before the referral.
    proxy!.tamper = (req, res) =>
      req.path === '/v1/log/checkpoint' && req.device === jarva.device ? { ...res, body: held! } : undefined;
    await expect(jarva.sync()).rejects.toMatchObject({ code: 'ERR_LOG_ROLLBACK' });
    const [e] = await jarva.logEvidence();
    expect(e!.code).toBe('ERR_LOG_ROLLBACK');
    const [newer, older] = e!.checkpoints.map((n) => signedByLog(e!, n));
    expect(newer!.size).toBe(before.size);
    expect(older!.size).toBeLessThan(newer!.size);
    // The device keeps the newer view.
    expect((await jarva.logStatus()).latest!.size).toBe(before.size);
  });

  it('(d) a packet answered 201 but never stored is reported by its sender', async () => {
    const w = await start();
    const c = w.clients;
    const jarva = c['stockholm-jarva'];
    await w.syncAll();
    const dropped: string[] = [];
    proxy!.intercept = (req) => {
      if (req.method !== 'POST' || req.path !== '/v1/packets' || req.device !== jarva.device)
        return undefined;
      const id = Envelope.deserialize(req.body).header.id;
      dropped.push(id);
      const now = w.relay.clock.date;
      return jsonResponse(201, {
        id,
        digest: toBase64url(sha256(req.body)),
        receivedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + 14 * 86_400_000).toISOString(),
      });
    };
    const referral = await jarva.refer(referInput('stockholm-jarva', 'malmo'));
    expect(referral.submitted).toBe(true);
    await jarva.sync();
    expect((await jarva.logStatus()).pending).toBe(2);
    w.relay.clock.advance(60_000);
    await expect(jarva.sync()).rejects.toMatchObject({ code: 'ERR_LOG_OMISSION' });
    const evidence = await jarva.logEvidence();
    expect(evidence.map((e) => e.subject?.kind)).toEqual(['envelope', 'envelope']);
    expect(evidence.map((e) => (e.subject?.receipt as { id: string } | undefined)?.id).sort()).toEqual(
      [...dropped].sort(),
    );
    expect(evidence.map((e) => e.subject?.receipt?.id)).toContain(referral.pid);
    signedByLog(evidence[0]!, evidence[0]!.checkpoints[0]!);
    expect((await jarva.logStatus()).pending).toBe(0);
    // Malmö never got the referral.
    await c.malmo.sync();
    expect(await c.malmo.listCases()).toEqual([]);
  });

  it('(e) a proof with an element left out is refused: consistency and inclusion', async () => {
    // Devices that do not replay the log rely on the relay's proofs alone.
    const w = await start({ logMonitor: false });
    const c = w.clients;
    const jarva = c['stockholm-jarva'];
    await w.syncAll();
    const drop = (res: { body: Uint8Array }) => {
      const answer = jsonOf<{ proof: string[] }>(res as never);
      return jsonResponse(200, { ...answer, proof: answer.proof.slice(0, -1) });
    };
    proxy!.tamper = (req, res) =>
      req.path.startsWith('/v1/log/proof/consistency') && res.status === 200 ? drop(res) : undefined;
    await jarva.refer(referInput('stockholm-jarva', 'malmo'));
    await w.relay.transparency.flush();
    await expect(jarva.sync()).rejects.toMatchObject({ code: 'ERR_LOG_INCONSISTENT' });
    const [consistency] = await jarva.logEvidence();
    expect(consistency).toMatchObject({ code: 'ERR_LOG_INCONSISTENT', proof: { type: 'consistency' } });
    expect(consistency!.checkpoints).toHaveLength(2);

    // Göteborg's device, reinstalled on an empty store, proves the agreement and every statement by
    // inclusion proofs.
    proxy!.tamper = (req, res) =>
      req.path.startsWith('/v1/log/proof/inclusion') && res.status === 200 ? drop(res) : undefined;
    const fresh = await w.open(w.world.units['goteborg-nordost'], await openTestStore(engine), via(proxy!));
    await expect(fresh.sync()).rejects.toMatchObject({ code: 'ERR_LOG_OMISSION' });
    const [inclusion] = await fresh.logEvidence();
    expect(inclusion).toMatchObject({
      code: 'ERR_LOG_OMISSION',
      proof: { type: 'inclusion', index: expect.any(Number) },
    });
    expect(fresh.directory.devices()).toEqual([]);
    // With honest proofs the same device syncs.
    proxy!.tamper = () => undefined;
    await fresh.sync();
  });

  it('an honest relay raises nothing over a whole referral, and cosignatures accumulate', async () => {
    const w = await start();
    const c = w.clients;
    const jarva = c['stockholm-jarva'];
    await w.syncAll();
    const { caseId } = await jarva.refer(referInput('stockholm-jarva', 'malmo'));
    await c.malmo.sync();
    await c.malmo.decideUptake(caseId, { decision: 'accept', contacts: [contact('malmo')] });
    await jarva.sync();
    const plan: PacketBodies['implementation-plan'] = {
      decidedOn: '2025-03-12',
      services: [{ code: 'krisstod', description: null, from: '2025-03-14', to: null }],
      note: null,
      legalBasis: null,
    };
    await jarva.sendPlan(caseId, plan);
    await agreePlan(c.malmo, caseId);
    await c.malmo.reportCosts(caseId, [{ service: 'krisstod', month: '2025-03', amountSek: 12000 }]);
    await w.syncAll(undefined, 2);
    await jarva.close(caseId, {
      closedOn: '2025-06-30',
      reason: 'completed',
      outcomes: null,
      note: null,
      legalBasis: null,
    });
    await w.syncAll(undefined, 3);
    expect((await jarva.getCase(caseId)).status).toBe('closed');
    expect((await c.malmo.getCase(caseId)).status).toBe('closed');
    // The log takes in what the relay accepted within its merge delay (PROTOCOL.md §18.2); once it has,
    // and every unit has synced, nothing any unit sent is still waiting for it.
    await w.relay.transparency.flush();
    await w.syncAll(undefined, 2);
    const units = Object.keys(c) as WorkflowUnit[];
    for (const u of units) {
      expect(await c[u].logEvidence()).toEqual([]);
      expect(await alerts(c[u])).toEqual([]);
      expect((await c[u].logStatus()).pending).toBe(0);
    }
    // Quiet now: every unit cosigns the same checkpoint, and the relay serves it with all of them.
    await w.syncAll(undefined, 2);
    const note = await w.relay.client(w.world.units.malmo).checkpoint();
    const witnesses = note.split('\n').filter((l) => l.startsWith('— brygga-witness/'));
    expect(new Set(witnesses.map((l) => l.split('/')[1])).size).toBe(units.length);
    const status = await jarva.logStatus();
    expect(status.latest!.cosigners).toEqual(units.filter((u) => u !== 'stockholm-jarva').sort());
    expect(status.monitored).toBe(status.latest!.size);
  });

  it('a witness quorum holds back a new key until other units have cosigned a checkpoint with it', async () => {
    const w = await start();
    const c = w.clients;
    await w.syncAll(undefined, 2);
    // Göteborg's device, reinstalled, asks for two other units' cosignatures before it uses a key.
    const gbg = w.world.units['goteborg-nordost'];
    const store = await openTestStore(engine);
    extra.push({ close: () => store.drop() });
    const reopened = await BryggaClient.open({
      identity: { unit: gbg.unit, key: gbg.key, hpkeKeys: gbg.hpke },
      agreement: w.world.agreement,
      store: store.store,
      relayUrl: w.url,
      relayAudience: AUDIENCE,
      now: () => w.relay.clock.date,
      fetch: via(proxy!),
      logBoundMs: BOUND,
      witnessQuorum: 2,
    });
    await reopened.sync();
    // A second Malmö device is enrolled: logged, but not yet cosigned by anyone.
    const m2 = w.world.second.malmo;
    for (const jws of [m2.enrolment, ...m2.publications]) await w.relay.client().submitStatement(jws);
    await w.relay.transparency.flush();
    await reopened.sync();
    expect(reopened.directory.device(m2.key.kid)).toBeUndefined();
    const status = await reopened.logStatus();
    expect(status.final!.size).toBeLessThan(status.latest!.size);
    // Two other units witness the log; then the key is used.
    await c['stockholm-jarva'].sync();
    await c.malmo.expectUnitKeys([m2.key.kid, ...m2.hpke.map((k) => k.kid)]);
    await c.malmo.sync();
    await reopened.sync();
    await reopened.sync();
    expect(reopened.directory.device(m2.key.kid)?.unit).toBe('malmo');
    expect((await reopened.logStatus()).final!.cosigners.length).toBeGreaterThanOrEqual(2);
  });
});
