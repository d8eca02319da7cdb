/**
 * Adversarial packets: a replayed packet, a packet spliced in from another case, a
 * receipt for a different packet, a consent for different parties, a decision signed by the wrong
 * unit, a plan with a service outside the catalogue. Each is made the way a modified client or a
 * malicious relay could (correctly encrypted and signed by a real device), and each is refused with its
 * specific error while the receiving store's case data stays exactly as it was. On both engines.
 */
import {
  attestConsent,
  type BryggaClient,
  Envelope,
  type PacketBodies,
  type PacketType,
  sealPacket,
  signReceipt,
  toBase64url,
} from '@brygga/client-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FetchFunction } from '../../client-sdk/src/transport/relay-client.js';
import { ENGINES } from '../support/databases.js';
import { forgeEnvelope } from '../support/forge.js';
import { agreePlan } from '../support/plan-agreement.js';
import { snapshot } from '../support/store-databases.js';
import { referInput, startWorkflow, type Workflow, type WorkflowUnit } from '../support/workflow-world.js';

const CASE_TABLES = [
  'brygga_packets',
  'brygga_cases',
  'brygga_consents',
  'brygga_quota',
  'brygga_reconciliations',
  'brygga_agreements',
] as const;

const plan: PacketBodies['implementation-plan'] = {
  decidedOn: '2025-03-12',
  services: [{ code: 'krisstod', description: null, from: '2025-03-14', to: null }],
  note: null,
  legalBasis: null,
};

describe.each(ENGINES)('adversarial packets on %s', (engine) => {
  let w: Workflow;
  let jarva: BryggaClient;
  const captured: Uint8Array[] = [];
  let mainCase: string;
  let otherCase: string;

  beforeAll(async () => {
    w = await startWorkflow(engine);
    // Järva's client behind a tap that keeps every envelope it submits (what a relay sees).
    const tap: FetchFunction = async (input, init) => {
      if (init.method === 'POST' && input.endsWith('/v1/packets'))
        captured.push(new Uint8Array(init.body as Uint8Array));
      return fetch(input, init);
    };
    jarva = await w.open(w.world.units['stockholm-jarva'], w.stores['stockholm-jarva'], tap);
    w.clients['stockholm-jarva'] = jarva;
    const { clients: c } = w;
    await w.syncAll();
    mainCase = (await jarva.refer(referInput('stockholm-jarva', 'malmo'))).caseId;
    await c.malmo.sync();
    await c.malmo.decideUptake(mainCase, {
      decision: 'accept',
      contacts: [{ unit: 'malmo', name: 'M', role: 'samordnare', phone: null, email: null }],
    });
    await jarva.sync();
    await jarva.sendPlan(mainCase, plan);
    await agreePlan(c.malmo, mainCase);
    await jarva.sync();
    otherCase = (await jarva.refer(referInput('stockholm-jarva', 'malmo'))).caseId;
    await w.syncAll(['malmo', 'stockholm-jarva']);
  });
  afterAll(async () => {
    await w?.close();
  });

  /** A packet signed and encrypted by `from`'s real device key, bypassing every rule of its client. */
  async function forge<T extends PacketType>(
    from: WorkflowUnit,
    to: WorkflowUnit,
    type: T,
    caseId: string | null,
    prev: string | null,
    body: PacketBodies[T],
  ): Promise<Uint8Array> {
    const now = w.relay.clock.date;
    const sealed = await sealPacket({
      sender: { unit: from, key: w.world.units[from].key },
      recipients: jarva.directory.recipientsFor([to], now),
      type,
      caseId,
      prev,
      body,
      now,
    });
    return sealed.envelope.serialize();
  }

  /** Feed `bytes` to `unit`'s client; expect `code`, and no change to its case data. */
  async function refused(
    unit: WorkflowUnit,
    bytes: Uint8Array,
    code: string,
    receipts: 'one-rejected' | 'none' = 'one-rejected',
  ) {
    const client = w.clients[unit];
    const db = w.stores[unit].db;
    const before = await snapshot(db, CASE_TABLES);
    const receiptsBefore = await db.selectFrom('brygga_receipts').selectAll().execute();
    const cases = JSON.stringify(await client.listCases());
    const result = await client.receiveEnvelope(bytes);
    expect(result.code).toBe(code);
    expect(await snapshot(db, CASE_TABLES)).toBe(before);
    expect(JSON.stringify(await client.listCases())).toBe(cases);
    const added = (await db.selectFrom('brygga_receipts').selectAll().execute()).filter(
      (r) => !receiptsBefore.some((b) => b.hash === r.hash),
    );
    if (receipts === 'none') expect(added).toEqual([]);
    else expect(added.map((r) => [r.outcome, r.code, r.unit])).toEqual([['rejected', code, unit]]);
    return result;
  }

  it('a replayed packet is refused as a replay (ERR_REPLAY) and changes nothing at all', async () => {
    const db = w.stores.malmo.db;
    const all = [
      'brygga_processed',
      'brygga_outbox',
      'brygga_events',
      'brygga_receipts',
      ...CASE_TABLES,
    ] as const;
    const toMalmo = captured.filter((bytes) =>
      Envelope.deserialize(bytes).header.recipients.some((r) => r.device === w.world.units.malmo.key.kid),
    );
    expect(toMalmo.length).toBeGreaterThanOrEqual(4);
    for (const envelope of toMalmo) {
      const before = await snapshot(db, all);
      expect(await w.clients.malmo.receiveEnvelope(envelope)).toMatchObject({
        outcome: 'duplicate',
        code: 'ERR_REPLAY',
      });
      expect(await snapshot(db, all)).toBe(before);
    }
  });

  it('a packet spliced in from another case is refused (ERR_CASE_SPLICE)', async () => {
    const other = await w.clients.malmo.getCase(otherCase);
    const bytes = await forge('stockholm-jarva', 'malmo', 'message', mainCase, other.state.head, {
      text: 'Hör till ett annat ärende',
      legalBasis: null,
    });
    await refused('malmo', bytes, 'ERR_CASE_SPLICE');
  });

  it('a receipt for a different packet is refused (ERR_RECEIPT_MISMATCH)', async () => {
    const log = await jarva.caseLog(mainCase);
    const [referral, , planPacket] = log;
    const receipt = signReceipt(w.world.units.malmo.key, {
      pid: planPacket!.pid,
      hash: referral!.hash,
      caseId: mainCase,
      type: 'implementation-plan',
      from: { unit: 'stockholm-jarva', device: jarva.device },
      unit: 'malmo',
      outcome: 'applied',
      now: w.relay.clock.date,
    });
    const bytes = await forge('malmo', 'stockholm-jarva', 'receipt', mainCase, null, { receipt });
    await refused('stockholm-jarva', bytes, 'ERR_RECEIPT_MISMATCH', 'none');
  });

  it('a consent for different parties is refused (ERR_CONSENT_SCOPE)', async () => {
    const state = (await w.clients.malmo.getCase(mainCase)).state;
    const attestation = attestConsent(w.world.units['stockholm-jarva'].key, {
      caseId: mainCase,
      unit: 'stockholm-jarva',
      form: 'written',
      written: { documentSha256: 'A'.repeat(43), signedOn: '2025-03-01' },
      scope: { units: ['stockholm-jarva', 'goteborg-nordost'], police: true, processing: true },
      validFrom: '2025-03-01',
      validUntil: null,
      now: w.relay.clock.date,
    });
    const bytes = await forge('stockholm-jarva', 'malmo', 'consent', mainCase, state.head, { attestation });
    await refused('malmo', bytes, 'ERR_CONSENT_SCOPE');
  });

  it('a decision signed by the wrong unit is refused (ERR_WRONG_PARTY)', async () => {
    const other = (await jarva.getCase(otherCase)).state;
    expect(other.status).toBe('referred');
    const decline: PacketBodies['uptake-decision'] = {
      decision: 'decline',
      reason: 'other',
      note: null,
      contacts: [],
      quota: null,
      relocation: null,
      special: null,
      rivalCheck: null,
    };
    // Signed by the home unit instead of the receiving one.
    const byHome = await forge('stockholm-jarva', 'malmo', 'uptake-decision', otherCase, other.head, decline);
    await refused('malmo', byHome, 'ERR_WRONG_PARTY');
    // Signed by a unit outside the case.
    const byOutsider = await forge(
      'goteborg-nordost',
      'stockholm-jarva',
      'uptake-decision',
      otherCase,
      other.head,
      decline,
    );
    await refused('stockholm-jarva', byOutsider, 'ERR_WRONG_PARTY');
  });

  it('a plan with a service outside the catalogue is refused (ERR_SERVICE_NOT_IN_CATALOGUE)', async () => {
    const state = (await w.clients.malmo.getCase(mainCase)).state;
    const withHomeHelp = {
      ...plan,
      services: [...plan.services, { code: 'hemtjanst', description: null, from: '2025-03-14', to: null }],
    };
    const bytes = await forge(
      'stockholm-jarva',
      'malmo',
      'implementation-plan',
      mainCase,
      state.head,
      withHomeHelp,
    );
    await refused('malmo', bytes, 'ERR_SERVICE_NOT_IN_CATALOGUE');
    // The honest client refuses it before signing anything.
    const before = await snapshot(w.stores['stockholm-jarva'].db, CASE_TABLES);
    await expect(jarva.sendPlan(mainCase, withHomeHelp)).rejects.toMatchObject({
      code: 'ERR_SERVICE_NOT_IN_CATALOGUE',
    });
    expect(await snapshot(w.stores['stockholm-jarva'].db, CASE_TABLES)).toBe(before);
  });

  it('a packet re-wrapped by a recipient for a third party is refused (ERR_CLAIMS_MISMATCH); junk is malformed', async () => {
    const [, , planPacket] = await w.clients.malmo.caseLog(mainCase);
    const jws = (await w.stores.malmo.store.getPacket(planPacket!.hash))!.jws;
    const gbg = w.world.units['goteborg-nordost'];
    const rewrapped = forgeEnvelope({
      header: {
        v: 1,
        id: toBase64url(crypto.getRandomValues(new Uint8Array(16))),
        sender: { unit: 'stockholm-jarva', device: jarva.device },
        recipients: [{ unit: 'goteborg-nordost', device: gbg.key.kid, key: gbg.hpke[0]!.kid }],
        nonce: toBase64url(crypto.getRandomValues(new Uint8Array(24))),
      },
      recipientKeys: [gbg.hpke[0]!.publicKey.bytes],
      jws,
    });
    await w.clients['goteborg-nordost'].sync();
    const before = await snapshot(w.stores['goteborg-nordost'].db, CASE_TABLES);
    expect(await w.clients['goteborg-nordost'].receiveEnvelope(rewrapped.serialize())).toMatchObject({
      outcome: 'rejected',
      code: 'ERR_CLAIMS_MISMATCH',
    });
    expect(await snapshot(w.stores['goteborg-nordost'].db, CASE_TABLES)).toBe(before);
    expect(await w.clients.malmo.receiveEnvelope(new Uint8Array([1, 2, 3]))).toEqual({
      pid: null,
      outcome: 'rejected',
      code: 'ERR_MALFORMED',
    });
  });
});
