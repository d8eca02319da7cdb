/**
 * Exactly once across crashes: a device that crashes mid-sync, at the worst
 * moments (after a commit but before the relay's acknowledgement; inside a store transaction; after
 * signing but before submitting), and is then reopened on the same store, ends in the same state as a
 * device of the same unit that never crashed: the same case log, the same state, each packet applied
 * once, one event per packet, one receipt per packet. On both engines.
 */
import type { BryggaClient, BryggaStore, PacketBodies } from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { FetchFunction } from '../../client-sdk/src/transport/relay-client.js';
import { ENGINES } from '../support/databases.js';
import { agreePlan } from '../support/plan-agreement.js';
import { openTestStore, snapshot } from '../support/store-databases.js';
import { makeWorkflowWorld, referInput, startWorkflow, type Workflow } from '../support/workflow-world.js';

const plan: PacketBodies['implementation-plan'] = {
  decidedOn: '2025-03-12',
  services: [
    { code: 'krisstod', description: null, from: '2025-03-14', to: null },
    { code: 'kontaktperson', description: null, from: '2025-03-14', to: null },
  ],
  note: null,
  legalBasis: null,
};

/** A fetch that dies (as the process would) at the `n`th call matching `when`: that call and every later one fail. */
function crashingFetch(when: (input: string, init: RequestInit) => boolean, n: number): FetchFunction {
  let seen = 0;
  let dead = false;
  return async (input, init) => {
    if (dead || (when(input, init) && ++seen === n)) {
      dead = true;
      throw new Error('simulated crash');
    }
    return fetch(input, init);
  };
}

/** A store whose `n`th write of a case record, inside its transaction, fails (as a dying database would). */
function crashingStore(store: BryggaStore, n: number): BryggaStore {
  let seen = 0;
  const wrapTx = (tx: BryggaStore): BryggaStore =>
    new Proxy(tx, {
      get(target, prop, receiver) {
        if (prop === 'putCase') {
          return async (...args: Parameters<BryggaStore['putCase']>) => {
            if (++seen === n) throw new Error('simulated crash inside the transaction');
            return target.putCase(...args);
          };
        }
        if (prop === 'transaction') return (work: (tx: BryggaStore) => Promise<unknown>) => work(receiver);
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'transaction') {
        return (work: (tx: BryggaStore) => Promise<unknown>) => target.transaction((tx) => work(wrapTx(tx)));
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const isAck = (input: string, init: RequestInit) =>
  init.method === 'DELETE' && input.includes('/v1/inbox/packets/');
const isSubmit = (input: string, init: RequestInit) =>
  init.method === 'POST' && input.endsWith('/v1/packets');

describe.each(ENGINES)('a device restarted mid-sync on %s', (engine) => {
  let w: Workflow;
  afterEach(async () => {
    await w?.close();
  });

  it('ends in the same state as a device that was not', async () => {
    const world = makeWorkflowWorld();
    const m2 = world.second.malmo;
    w = await startWorkflow(engine, { world, extraStatements: [m2.enrolment, ...m2.publications] });
    const { clients: c } = w;
    const store2 = await openTestStore(engine);
    const open2 = (fetch?: FetchFunction, store: BryggaStore = store2.store) =>
      w.open(m2, { ...store2, store } as never, fetch);

    await w.syncAll();
    const { caseId } = await c['stockholm-jarva'].refer(referInput('stockholm-jarva', 'malmo'));
    await c.malmo.sync();
    await c.malmo.decideUptake(caseId, {
      decision: 'accept',
      contacts: [{ unit: 'malmo', name: 'M', role: 'r', phone: null, email: null }],
    });
    await c['stockholm-jarva'].sync();
    await c['stockholm-jarva'].sendPlan(caseId, plan);
    await agreePlan(c.malmo, caseId);
    await c['stockholm-jarva'].sync();
    await c['stockholm-jarva'].sendMessage(caseId, {
      text: 'Bifogar beslutet.',
      attachments: [
        { name: 'beslut.pdf', type: 'application/pdf', data: new TextEncoder().encode('%PDF-1.7 beslut') },
      ],
    });
    await c.malmo.sync();
    await c.malmo.sendFollowUp(caseId, {
      date: '2025-03-20',
      month: '2025-03',
      summary: 'Startat.',
      services: [{ code: 'krisstod', status: 'ongoing' }],
      outcomes: null,
      legalBasis: null,
    });

    // Crash 1: after the second packet committed, before the relay heard it was done.
    let device2: BryggaClient = await open2(crashingFetch(isAck, 2));
    await expect(device2.sync()).rejects.toMatchObject({ code: 'ERR_RELAY', status: 0 });
    expect((await store2.store.listOutbox()).length).toBeGreaterThan(0);
    // Crash 2: the database dies inside the next packet's transaction.
    device2 = await open2(undefined, crashingStore(store2.store, 2));
    await expect(device2.sync()).rejects.toMatchObject({ code: 'ERR_STORE' });
    // Crash 3: receipts signed and committed, but the process dies while submitting them.
    // (The client keeps what it could not submit for later, so this sync may even return normally.)
    device2 = await open2(crashingFetch(isSubmit, 1));
    await device2.sync().catch(() => undefined);
    expect((await store2.store.listOutbox()).length).toBeGreaterThan(0);
    // Restart for good.
    device2 = await open2();
    await device2.sync();
    await device2.sync();

    await c['stockholm-jarva'].sync();
    await c.malmo.sync();
    const [one, two] = [await c.malmo.getCase(caseId), await device2.getCase(caseId)];
    expect(two.state).toEqual(one.state);
    expect(two.status).toBe('active');
    const summary = (l: Awaited<ReturnType<BryggaClient['caseLog']>>) =>
      l.map((e) => [e.hash, e.type, e.status, e.attachments.map((a) => new TextDecoder().decode(a.data))]);
    expect(summary(await device2.caseLog(caseId))).toEqual(summary(await c.malmo.caseLog(caseId)));
    expect(summary(await device2.caseLog(caseId)).map((e) => e[1])).toEqual([
      'referral',
      'uptake-decision',
      'implementation-plan',
      'plan-response',
      'message',
      'follow-up',
    ]);
    // Each packet applied once: one event each, nothing pending in the outbox.
    const applied = (await device2.pendingEvents(1000))
      .filter((e) => e.type === 'packet.applied')
      .map((e) => e.data.hash);
    expect([...applied].sort()).toEqual([...new Set(applied)].sort());
    expect(applied).toHaveLength(6);
    expect(await store2.store.listOutbox()).toEqual([]);
    // One receipt per packet from the restarted device reached Järva.
    const fromDevice2 = (await c['stockholm-jarva'].receipts(caseId)).filter((r) => r.device === m2.key.kid);
    expect(fromDevice2.map((r) => r.pid).sort()).toEqual([...new Set(fromDevice2.map((r) => r.pid))].sort());
    expect(fromDevice2).toHaveLength(3);
    // Once everything is in, reopening and syncing again changes nothing.
    await device2.sync();
    const before = await snapshot(store2.db);
    await (await open2()).sync();
    expect((await snapshot(store2.db)) === before).toBe(true);
  });
});
