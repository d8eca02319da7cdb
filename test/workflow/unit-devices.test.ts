/**
 * A unit's own devices are not an alarm (PROTOCOL.md §19.5), on both engines: a second and a third
 * device enrolled for Malmö by Malmö's root while cases run are announced to Malmö's first device
 * (`unit.device-enrolled`), raise no alert and fail no sync, and the cases carry on to every current
 * device. When Malmö's administrator keeps a register of the unit's devices, a root-signed enrolment the
 * register lacks is an alert (the root key in other hands): kept with its evidence until a person
 * acknowledges it, and never a failed sync.
 */
import type { AlertView, BryggaClient, LogEvidence, PacketBodies } from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { expectLogsAgree } from '../support/case-invariant.js';
import { ENGINES } from '../support/databases.js';
import type { TestDevice } from '../support/fixtures.js';
import { openTestStore, type TestStore } from '../support/store-databases.js';
import {
  makeWorkflowWorld,
  referInput,
  startWorkflow,
  type Workflow,
  workflowContact,
  workflowDevice,
} from '../support/workflow-world.js';

const contact = workflowContact;
const plan: PacketBodies['implementation-plan'] = {
  decidedOn: '2025-03-12',
  services: [{ code: 'krisstod', description: null, from: '2025-03-14', to: null }],
  note: null,
  legalBasis: null,
};

describe.each(ENGINES)("a unit's own devices on %s", (engine) => {
  let w: Workflow;
  const stores: TestStore[] = [];
  afterEach(async () => {
    await w?.close();
    for (const s of stores.splice(0)) await s.drop();
  });

  /** Enrol `device` at the relay (its enrolment and key), logged. */
  async function enrol(device: TestDevice): Promise<void> {
    for (const jws of [device.enrolment, ...device.publications]) await w.relay.client().submitStatement(jws);
    await w.relay.transparency.flush();
  }

  /** Open a client for `device` on a store of its own. */
  async function openDevice(device: TestDevice): Promise<BryggaClient> {
    const store = await openTestStore(engine);
    stores.push(store);
    return w.open(device, store);
  }

  it('a second and a third Malmö device enrolled while cases run raise no alarm', async () => {
    const world = makeWorkflowWorld();
    w = await startWorkflow(engine, { world, register: false });
    const c = w.clients;
    await w.syncAll();
    const { caseId } = await c['stockholm-jarva'].refer(referInput('stockholm-jarva', 'malmo'));
    await c.malmo.sync();
    await c.malmo.decideUptake(caseId, { decision: 'accept', contacts: [contact('malmo')] });
    await c['stockholm-jarva'].sync();

    // Malmö's administrator enrols a second device with Malmö's root key.
    const second = world.second.malmo;
    await enrol(second);
    const malmo2 = await openDevice(second);
    // The sync that reads the enrolment from the log goes through.
    const report = await c.malmo.sync();
    expect(report.received.filter((r) => r.outcome === 'rejected')).toEqual([]);
    const enrolled = (await c.malmo.pendingEvents(1000)).filter((e) => e.type === 'unit.device-enrolled');
    expect(enrolled.map((e) => [e.data.device, e.data.name])).toEqual([[second.key.kid, 'Malmö samordnare']]);
    expect(enrolled[0]!.data.safetyNumber).toMatch(/^\d{5}( \d{5}){5}$/);
    expect(await c.malmo.alerts()).toEqual([]);
    expect(await c.malmo.logEvidence()).toEqual([]);

    // The case carries on: Järva's plan goes to both of Malmö's devices.
    const sent = await c['stockholm-jarva'].sendPlan(caseId, plan);
    await c.malmo.sync();
    await malmo2.sync();
    await c['stockholm-jarva'].sync();
    await expectLogsAgree([c['stockholm-jarva'], c.malmo], caseId, { equal: true });
    // The new device got it too (it holds it: the case began before it was enrolled).
    expect(
      (await c['stockholm-jarva'].receipts(caseId))
        .filter((r) => r.pid === sent.pid)
        .map((r) => r.device)
        .sort(),
    ).toEqual([world.units.malmo.key.kid, second.key.kid].sort());

    // A third device, while a second case is referred to Malmö.
    const third = workflowDevice('malmo', world.wroots.malmo, w.relay.clock.date, 'Malmö reserv');
    await enrol(third);
    const { caseId: secondCase } = await c['goteborg-nordost'].refer(referInput('goteborg-nordost', 'malmo'));
    const malmo3 = await openDevice(third);
    for (const device of [c.malmo, malmo2, malmo3]) await device.sync();
    for (const device of [c.malmo, malmo2, malmo3]) {
      expect(await device.alerts()).toEqual([]);
    }
    expect((await c.malmo.pendingEvents(1000)).filter((e) => e.type === 'unit.device-enrolled')).toHaveLength(
      2,
    );
    await c['goteborg-nordost'].sync();
    await expectLogsAgree([c['goteborg-nordost'], c.malmo, malmo2, malmo3], secondCase, { equal: true });
    await expectLogsAgree([c['stockholm-jarva'], c.malmo], caseId, { equal: true });
  });

  it('with a register, an enrolment the administrator did not record is an alert a person acknowledges', async () => {
    const world = makeWorkflowWorld();
    w = await startWorkflow(engine, { world });
    const c = w.clients;
    await w.syncAll();
    // Recorded in the register first: not an alert.
    const recorded = workflowDevice('malmo', world.wroots.malmo, w.relay.clock.date, 'Malmö ny dator');
    await c.malmo.expectUnitKeys([recorded.key.kid]);
    await enrol(recorded);
    await c.malmo.sync();
    expect(await c.malmo.alerts()).toEqual([]);
    // Not recorded: the root signed it, but the administrator did not record it.
    const unrecorded = workflowDevice('malmo', world.wroots.malmo, w.relay.clock.date, 'Okänd');
    await enrol(unrecorded);
    await c.malmo.sync();
    const pending = await c.malmo.alerts({ pending: true });
    expect(pending).toHaveLength(2);
    const [alert, key] = pending as [AlertView, AlertView];
    expect([alert.code, (alert.evidence as LogEvidence).subject?.jws]).toEqual([
      'ERR_LOG_UNEXPECTED_KEY',
      unrecorded.enrolment,
    ]);
    expect((key.evidence as LogEvidence).subject?.key).toBe(unrecorded.hpke[0]!.kid);
    // Work goes on while it waits for a person.
    const { caseId } = await c['stockholm-jarva'].refer(referInput('stockholm-jarva', 'malmo'));
    await c.malmo.sync();
    expect((await c.malmo.getCase(caseId)).status).toBe('delivered');
    await c.malmo.acknowledgeAlert(alert.id, 'Malmö IT-administratör');
    await c.malmo.acknowledgeAlert(key.id, 'Malmö IT-administratör');
    expect(await c.malmo.alerts({ pending: true })).toEqual([]);
    const all = await c.malmo.alerts();
    expect(all.map((a) => a.acknowledged?.by)).toEqual(['Malmö IT-administratör', 'Malmö IT-administratör']);
    await expect(c.malmo.acknowledgeAlert(999, 'x')).rejects.toMatchObject({ code: 'ERR_MALFORMED' });
  });
});
