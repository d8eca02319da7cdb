/**
 * The cities' 2025 agreement end to end, on SQLite and on PostgreSQL (the relay's database and every
 * client's store on the same engine), through a real relay on a real socket with real keys. The terms
 * are the ready-made 2025 ones (`agreementTemplate('2025')`, what `brygga agreement init --template 2025`
 * writes) with every party's root key filled in, and Göteborg's offer narrowed by its administrator to
 * what the city has (PROTOCOL.md §5.5). Every rule of PROTOCOL.md §14 the story meets is refused once at
 * the sender, with its code, and, where the receiver checks it again, once at the other end when a
 * modified sender seals the packet past its own SDK:
 *
 * - Stockholm (Järva) refers a case to Göteborg (Nordost): the police consulted and approving in both
 *   cities, the target group assessed, and a written consent on the printable form covering the
 *   processing (§14.3). Göteborg's intake accepts it after notifying Social resursnämnd of the planned
 *   area and checking it, as a special case assessed by stadsledningskontoret (§14.6 (3), (4)); it
 *   assigns the case to two coordinators, one of whom later hands it to the other (§13.6). The plan is
 *   proposed, changed and agreed (§14.6 (2)), holds only what Göteborg offers (§14.6 (1)), costs are
 *   reported against it (§14.5), and an urgent child notice is answered with a settlement before any
 *   further plan (§14.7).
 * - Malmö refers a case to Järva with a documented deviation (avsteg) from the police consultation, for
 *   acute lack of time (§14.8); a deviation from the consent is refused.
 * - The 2025 extension: a protection case (skyddsärende) from Farsta with the police's approval fills
 *   Göteborg's two incoming places, and a third referral into them is declined by Göteborg's own SDK
 *   (§15.3).
 * - At the end both ends hold the same cases, and each unit's statistics (§20), deviation register
 *   (§20.5) and reminders (§22) say what happened.
 */
import {
  type AgreementTerms,
  attestConsent,
  type BryggaClient,
  consentFormSha256,
  type DecideUptakeInput,
  designateIntake,
  type GroupAffiliation,
  makeQuotaClaim,
  type PacketBodies,
  type ReferInput,
  type ReferralBody,
  type RelocationPreCheck,
  type RivalCheck,
  type SpecialCaseMark,
  type StatisticsReport,
} from '@brygga/client-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedLog, expectLogsAgree } from '../support/case-invariant.js';
import { ENGINES } from '../support/databases.js';
import { codeOfAsync as codeOf } from '../support/error-code.js';
import type { TestDevice } from '../support/fixtures.js';
import { submitUnchecked, uncheckedReferral } from '../support/hostile-sender.js';
import { openTestStore } from '../support/store-databases.js';
import {
  makeWorkflowWorld,
  referInput,
  startWorkflow,
  type Workflow,
  type WorkflowUnit,
  workflowDevice,
} from '../support/workflow-world.js';

const J = 'stockholm-jarva';
const F = 'stockholm-farsta';
const G = 'goteborg-nordost';
const M = 'malmo';

/** What Göteborg does not offer: work-oriented support (KRAMI); its administrator narrows `offers`. */
const NOT_IN_GOTEBORG = 'arbetsinriktade-insatser';

function goteborgOffers(terms: AgreementTerms): AgreementTerms {
  return {
    ...terms,
    municipalities: terms.municipalities.map((m) =>
      m.id === 'goteborg' ? { ...m, offers: (m.offers ?? []).filter((c) => c !== NOT_IN_GOTEBORG) } : m,
    ),
  };
}

// The people of the story, in the source documents' roles.
const SARA = { name: 'Sara Svensson', role: 'socialsekreterare' };
const EVA = { name: 'Eva Ek', role: 'enhetschef' };
const GRETA = { name: 'Greta Gren', role: 'avhopparsamordnare' };
const KC = { name: 'Karin Carlsson', role: 'strateg, stadsledningskontoret' };
const MALIN = { name: 'Malin Mårtensson', role: 'enhetschef, Konsultationsteamet' };
const contact = (unit: string, who: { name: string; role: string }) => ({
  unit,
  ...who,
  phone: null,
  email: null,
});

/** The person's group affiliation as Järva assessed it: Göteborg's terms ask for it (rival groups, seed 004). */
const AFFILIATION: GroupAffiliation = {
  groups: ['Nätverket i Järva'],
  assessedBy: SARA,
  assessedOn: '2025-02-24',
};

/** What only Göteborg knows: a rival of that network present in a neighbouring municipality. */
const KNOWN_RIVAL = {
  group: 'Gänget i Kungälv',
  presentIn: 'Kungälvs kommun',
  rivals: ['nätverket i järva'],
  note: 'Enligt polisens lägesbild, mars 2025',
  addedBy: 'Greta Gren',
};

/** Göteborg's rival-group check: no conflict with what it knows, or a conflict accepted despite it. */
const rivalCheck = (conflict = false): RivalCheck =>
  conflict
    ? {
        result: 'conflict',
        decision: 'accepted-despite',
        reason: 'Placeras i Nordost, långt från Kungälv; polisen delar bedömningen',
        checkedBy: GRETA,
        checkedOn: '2025-03-04',
      }
    : { result: 'no-conflict', decision: null, reason: null, checkedBy: GRETA, checkedOn: '2025-03-04' };

/** A police officer of `place`'s local police area. */
const police = (place: string) => ({ name: `Kommunpolis ${place}`, role: 'kommunpolis' });

/**
 * Järva's referral to Göteborg Nordost: a defector at high threat, the police consulted and approving
 * in both cities, the target group assessed by Sara, written consent on the printable form.
 */
function referralToGoteborg(w: Workflow, person: string): ReferInput {
  const base = referInput(J, G);
  const validity = { validFrom: '2025-03-01', validUntil: '2026-02-28' };
  return {
    ...base,
    person: { ...base.person, name: person },
    requestedServices: ['krisstod', 'motivationssamtal', 'kontaktperson', 'boendestod'],
    affiliation: AFFILIATION,
    policeConsultations: [
      {
        municipality: 'stockholm',
        date: '2025-02-25',
        officer: police('Järva'),
        reference: 'Polisregion Stockholm 2025-117',
        outcome: 'Samråd hållet: inga invändningar mot omlokalisering till Göteborg.',
      },
      {
        municipality: 'goteborg',
        date: '2025-02-27',
        officer: police('Nordost'),
        reference: 'Polisregion Väst 2025-42',
        outcome: 'Samråd hållet: inga kända konflikter i det planerade området.',
      },
    ],
    policeApprovals: [
      {
        municipality: 'stockholm',
        date: '2025-02-26',
        officer: police('Järva'),
        reference: 'Polisregion Stockholm 2025-117',
        approved: true,
      },
      {
        municipality: 'goteborg',
        date: '2025-02-28',
        officer: police('Nordost'),
        reference: 'Polisregion Väst 2025-42',
        approved: true,
      },
    ],
    targetGroup: {
      criminalEnvironment: true,
      threat: 'concrete',
      motivated: true,
      notSuspectedOfSeriousCrime: true,
      assessedOn: '2025-02-24',
      assessedBy: SARA,
      assessment:
        'Ingår i ett kriminellt nätverk i Järva, konkret hot efter en konflikt; vill lämna; inte misstänkt för grov brottslighet.',
    },
    consent: {
      form: 'written',
      written: { documentSha256: formHash(w, person, J, G, validity), signedOn: '2025-03-01' },
      ...validity,
      police: true,
      processing: true,
    },
  };
}

/** The SHA-256 of the printable consent form (samtyckesblankett) for `person` between `home` and `to`. */
function formHash(
  w: Workflow,
  person: string,
  home: string,
  to: string,
  validity: { validFrom: string; validUntil: string },
): string {
  const party = (unit: string) => {
    const p = w.world.agreement.terms.parties.find((x) => x.unit === unit)!;
    const m = w.world.agreement.terms.municipalities.find((x) => x.id === p.municipality)!;
    return { unit, name: p.name, municipality: m.name };
  };
  return consentFormSha256({ person, home: party(home), receiving: party(to), ...validity });
}

/** Göteborg's pre-check of the planned area, notified in advance to Social resursnämnd (§14.6 (3)). */
const relocation = (notifiedTo = 'Social resursnämnd'): RelocationPreCheck => ({
  area: 'Angered',
  notice: { body: notifiedTo, notifiedBy: GRETA, notifiedOn: '2025-03-03', reference: 'SRN-2025-17' },
  check: { result: 'cleared', reason: null, checkedBy: GRETA, checkedOn: '2025-03-04' },
});

/** The special-case mark with stadsledningskontoret's assessment, or without one (§14.6 (4)). */
const special = (assessed = true): SpecialCaseMark => ({
  body: 'Stadsledningskontoret',
  assessment: assessed
    ? { assessedBy: KC, assessedOn: '2025-03-04', outcome: 'motivated', reference: 'SLK-2025-00042' }
    : null,
});

/**
 * Göteborg's acceptance: everything its guideline asks of an acceptance (the relocation pre-check to
 * Social resursnämnd; stadsledningskontoret's assessment of a special case; the rival-group check) in
 * one place, for every Göteborg case of the story.
 */
function goteborgAcceptance(
  options: {
    special?: SpecialCaseMark | null;
    relocation?: RelocationPreCheck | null;
    rivalCheck?: RivalCheck | null;
  } = {},
): Extract<DecideUptakeInput, { decision: 'accept' }> {
  return {
    decision: 'accept',
    contacts: [contact(G, GRETA)],
    relocation: options.relocation === undefined ? relocation() : options.relocation,
    special: options.special ?? null,
    rivalCheck: options.rivalCheck === undefined ? rivalCheck() : options.rivalCheck,
  };
}

/** The same acceptance as a body a modified Göteborg intake signs itself, with its incoming quota proof. */
function uncheckedAcceptance(
  w: Workflow,
  caseId: string,
  options: Parameters<typeof goteborgAcceptance>[0],
): PacketBodies['uptake-decision'] {
  const { proof } = makeQuotaClaim(w.world.units[G].key, {
    agreement: w.world.agreement,
    unit: G,
    direction: 'incoming',
    caseId,
    now: w.relay.clock.date,
  });
  const input = goteborgAcceptance(options);
  return {
    decision: 'accept',
    reason: null,
    note: null,
    contacts: input.contacts,
    quota: proof,
    relocation: input.relocation ?? null,
    special: input.special ?? null,
    rivalCheck: input.rivalCheck ?? null,
  };
}

const plan = (
  decidedOn: string,
  codes: string[],
  note: string | null = null,
): PacketBodies['implementation-plan'] => ({
  decidedOn,
  services: codes.map((code) => ({ code, description: null, from: '2025-03-10', to: null })),
  note,
  legalBasis: null,
});

/** What `client` did with the packet `pid` in its next sync (outcome and code). */
async function received(client: BryggaClient, pid: string) {
  return (await client.sync()).received.find((r) => r.pid === pid);
}

const rejected = (pid: string, code: string) => ({ pid, outcome: 'rejected', code });

/** A figure of a statistics table (a number, `"<5"`, or `"x"` when hidden). */
function figure(report: StatisticsReport, table: string, row: string): number | string {
  const t = report.tables.find((x) => x.id === table)!;
  return row === 'total' ? t.total! : t.rows.find((r) => r.key === row)!.value;
}

describe.each(ENGINES)('the three cities under the 2025 terms on %s', (engine) => {
  let w: Workflow;
  /** Göteborg Nordost: its intake (the unit's case system) and two coordinators' devices. */
  let intake: BryggaClient;
  let greta: BryggaClient;
  let hugo: BryggaClient;
  let gretaDevice: TestDevice;
  let hugoDevice: TestDevice;
  const c = (unit: WorkflowUnit) => w.clients[unit];

  beforeAll(async () => {
    const world = makeWorkflowWorld(undefined, { template: { year: '2025', adjust: goteborgOffers } });
    const now = world.now;
    gretaDevice = workflowDevice(G, world.wroots[G], now, 'Nordost avhopparsamordnare Greta');
    hugoDevice = workflowDevice(G, world.wroots[G], now, 'Nordost avhopparsamordnare Hugo');
    const designation = designateIntake(world.wroots[G], { unit: G, devices: [world.units[G].key.kid], now });
    w = await startWorkflow(engine, {
      world,
      register: false,
      extraStatements: [
        gretaDevice.enrolment,
        ...gretaDevice.publications,
        hugoDevice.enrolment,
        ...hugoDevice.publications,
        designation,
      ],
    });
    intake = c(G);
    greta = await w.open(gretaDevice, await openTestStore(engine));
    hugo = await w.open(hugoDevice, await openTestStore(engine));
    await w.syncAll();
    for (const x of [greta, hugo]) await x.sync();
  });
  afterAll(async () => {
    await w?.close();
  });

  /** Every client, the coordinators' too, in turn. */
  const syncEveryone = async () => {
    await w.syncAll();
    for (const x of [greta, hugo]) await x.sync();
    await w.syncAll();
  };

  let toGoteborg: string;
  let fromMalmo: string;
  let protection: string;
  let overQuota: string;

  it('the terms are the 2025 template: two cases each way, police approval for high threat and protection cases', () => {
    const terms = w.world.agreement.terms;
    expect(terms.title).toBe('Avtal om samverkan för insatser till avhoppare, förlängning 2025');
    expect(terms.parties.map((p) => p.unit)).toContain(J);
    expect(terms.municipalities.map((m) => [m.id, m.quota])).toEqual([
      ['stockholm', { outgoing: 2, incoming: 2 }],
      ['goteborg', { outgoing: 2, incoming: 2 }],
      ['malmo', { outgoing: 2, incoming: 2 }],
    ]);
    expect(terms.preconditions?.policeApproval).toEqual({
      categories: ['skyddsarende'],
      threatLevels: ['high'],
    });
    expect(terms.deviations).toEqual({ deviable: ['police-consultation'] });
  });

  it('Järva refers to Göteborg: the police in both cities, the target group and the consent are checked at both ends', async () => {
    const jarva = c(J);
    const input = referralToGoteborg(w, 'Person A');
    const [stockholmConsultation] = input.policeConsultations;
    const [stockholmApproval] = input.policeApprovals;
    const tg = input.targetGroup;
    // Refused by Järva's own SDK, one rule at a time; nothing is stored or sent.
    const refusals = [
      await codeOf(jarva.refer({ ...input, policeConsultations: [stockholmConsultation!] })),
      await codeOf(jarva.refer({ ...input, policeApprovals: [stockholmApproval!] })),
      await codeOf(jarva.refer({ ...input, targetGroup: { ...tg, motivated: false } })),
      await codeOf(jarva.refer({ ...input, targetGroup: { ...tg, notSuspectedOfSeriousCrime: false } })),
      await codeOf(jarva.refer({ ...input, targetGroup: { ...tg, assessedOn: '2025-03-04' } })),
      await codeOf(jarva.refer({ ...input, consent: { ...input.consent, processing: false } })),
      await codeOf(jarva.refer({ ...input, affiliation: null })),
    ];
    expect(refusals).toEqual([
      'ERR_POLICE_CONSULTATION_MISSING',
      'ERR_POLICE_APPROVAL_MISSING',
      'ERR_MOTIVATION_MISSING',
      'ERR_TARGET_GROUP_NOT_MET',
      'ERR_PRECONDITION_DATE',
      'ERR_CONSENT_SCOPE',
      'ERR_GROUP_AFFILIATION_MISSING',
    ]);
    expect(await jarva.listCases()).toEqual([]);
    expect(await w.stores[J].store.listOutbox()).toEqual([]);

    // A modified Järva seals the same referrals to Göteborg's intake past its own checks.
    const hostile = async (caseId: string, change: (b: ReferralBody) => ReferralBody) =>
      (
        await submitUnchecked(
          w,
          J,
          G,
          {
            type: 'referral',
            caseId,
            prev: null,
            body: uncheckedReferral(w, J, G, caseId, (b) => change({ ...b, affiliation: AFFILIATION })),
          },
          { devices: [w.world.units[G].key.kid] },
        )
      ).pid;
    const forced = [
      [
        await hostile('AAAAAAAAAAAAAAAAAAAA1A', (b) => ({
          ...b,
          policeConsultations: b.policeConsultations.slice(0, 1),
        })),
        'ERR_POLICE_CONSULTATION_MISSING',
      ],
      [
        await hostile('AAAAAAAAAAAAAAAAAAAA2A', (b) => ({
          ...b,
          policeApprovals: b.policeApprovals.slice(0, 1),
        })),
        'ERR_POLICE_APPROVAL_MISSING',
      ],
      [
        await hostile('AAAAAAAAAAAAAAAAAAAA3A', (b) => ({
          ...b,
          targetGroup: { ...b.targetGroup, criminalEnvironment: false },
        })),
        'ERR_TARGET_GROUP_NOT_MET',
      ],
      [
        await hostile('AAAAAAAAAAAAAAAAAAAA4A', (b) => ({
          ...b,
          consent: uncheckedConsentWithoutProcessing(w, 'AAAAAAAAAAAAAAAAAAAA4A'),
        })),
        'ERR_CONSENT_SCOPE',
      ],
      [
        await hostile('AAAAAAAAAAAAAAAAAAAB1A', (b) => ({ ...b, affiliation: null })),
        'ERR_GROUP_AFFILIATION_MISSING',
      ],
    ] as const;
    const report = await intake.sync();
    for (const [pid, code] of forced) expect(report.received).toContainEqual(rejected(pid, code));
    expect(await intake.listCases()).toEqual([]);

    const sent = await jarva.refer(input);
    toGoteborg = sent.caseId;
    await syncEveryone();
    const atIntake = await intake.getCase(toGoteborg);
    expect([atIntake.status, atIntake.state.home, atIntake.state.receiving]).toEqual(['delivered', J, G]);
    expect(atIntake.state.consents.map((x) => x.scope)).toEqual([
      { units: [J, G], police: true, processing: true },
    ]);
    // The attestation names the printable form the person signed.
    const [attestation] = await intake.consents(toGoteborg);
    const claims = JSON.parse(Buffer.from(attestation!.jws.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims.written).toEqual({
      documentSha256: formHash(w, 'Person A', J, G, { validFrom: '2025-03-01', validUntil: '2026-02-28' }),
      signedOn: '2025-03-01',
    });
    // The coordinators hold nothing yet: a referral reaches the intake alone (§13.6).
    expect([await greta.listCases(), await hugo.listCases()]).toEqual([[], []]);
  });

  it("Göteborg accepts after notifying Social resursnämnd, with stadsledningskontoret's assessment of a special case and its rival-group check", async () => {
    w.advance(1);
    await syncEveryone();
    // What Göteborg knows of groups stays with it: a rival of the person's network in Kungälv.
    await intake.addKnownGroup(KNOWN_RIVAL);
    expect((await intake.rivalCollisions(toGoteborg)).map((x) => [x.group, x.rival, x.presentIn])).toEqual([
      ['Nätverket i Järva', 'Gänget i Kungälv', 'Kungälvs kommun'],
    ]);
    // Each acceptance but one rule complete (the conflict recorded and decided), then the check itself.
    const accept = (options: Parameters<typeof goteborgAcceptance>[0]) =>
      codeOf(
        intake.decideUptake(toGoteborg, goteborgAcceptance({ rivalCheck: rivalCheck(true), ...options })),
      );
    const refusals = [
      await accept({ relocation: null }),
      await accept({ relocation: relocation('Stadsledningskontoret') }),
      await accept({ special: special(false) }),
      await accept({ special: special(), rivalCheck: null }),
      await accept({ special: special(), rivalCheck: rivalCheck() }),
    ];
    expect(refusals).toEqual([
      'ERR_RELOCATION_NOT_NOTIFIED',
      'ERR_RELOCATION_NOT_NOTIFIED',
      'ERR_SPECIAL_CASE_NOT_ASSESSED',
      'ERR_RIVAL_CHECK_MISSING',
      'ERR_RIVAL_CONFLICT_UNRECORDED',
    ]);
    expect((await intake.getCase(toGoteborg)).state.status).toBe('referred');
    expect(await w.stores[G].store.listOutbox()).toEqual([]);

    // A modified Göteborg intake signs the acceptances itself: Järva refuses them.
    const head = (await intake.getCase(toGoteborg)).state.head;
    const hostile = async (options: Parameters<typeof uncheckedAcceptance>[2]) =>
      (
        await submitUnchecked(w, G, J, {
          type: 'uptake-decision',
          caseId: toGoteborg,
          prev: head,
          body: uncheckedAcceptance(w, toGoteborg, options),
        })
      ).pid;
    const unnotified = await hostile({ relocation: null, special: special(), rivalCheck: rivalCheck(true) });
    const unassessed = await hostile({ special: special(false), rivalCheck: rivalCheck(true) });
    const unchecked = await hostile({ special: special(), rivalCheck: null });
    const report = await c(J).sync();
    expect(report.received).toContainEqual(rejected(unnotified, 'ERR_RELOCATION_NOT_NOTIFIED'));
    expect(report.received).toContainEqual(rejected(unassessed, 'ERR_SPECIAL_CASE_NOT_ASSESSED'));
    expect(report.received).toContainEqual(rejected(unchecked, 'ERR_RIVAL_CHECK_MISSING'));
    expect((await c(J).getCase(toGoteborg)).state.status).toBe('referred');

    await intake.decideUptake(
      toGoteborg,
      goteborgAcceptance({ special: special(), rivalCheck: rivalCheck(true) }),
    );
    await syncEveryone();
    const atJarva = (await c(J).getCase(toGoteborg)).state;
    expect([
      atJarva.status,
      atJarva.relocation?.notice?.body,
      atJarva.special?.assessment?.assessedBy,
      atJarva.rivalCheck?.result,
      atJarva.rivalCheck?.decision,
    ]).toEqual(['accepted', 'Social resursnämnd', KC, 'conflict', 'accepted-despite']);
    await expectLogsAgree([c(J), intake], toGoteborg, { equal: true });
    // Only the result travels: nothing of Göteborg's list is in any packet Järva holds.
    const log = JSON.stringify(await c(J).caseLog(toGoteborg));
    for (const known of [KNOWN_RIVAL.group, KNOWN_RIVAL.presentIn, KNOWN_RIVAL.note]) {
      expect(log).not.toContain(known);
    }
  });

  it('the intake assigns the case to two coordinators; outside the circle nothing more of the case arrives', async () => {
    const sent = await intake.assignCase(toGoteborg, [gretaDevice.key.kid, hugoDevice.key.kid]);
    expect(sent.submitted).toBe(true);
    await syncEveryone();
    await expectLogsAgree([c(J), intake, greta, hugo], toGoteborg, { equal: true });
    expect((await c(J).getCase(toGoteborg)).state.circle.receiving).toEqual(
      [gretaDevice.key.kid, hugoDevice.key.kid].sort(),
    );
    // The intake is outside the circle now: it may not assign the case again.
    expect(await codeOf(intake.assignCase(toGoteborg, [w.world.units[G].key.kid]))).toBe(
      'ERR_OUTSIDE_CIRCLE',
    );
    // A modified Järva seals a message to every Göteborg device: the coordinators refuse it.
    const head = (await c(J).getCase(toGoteborg)).state.head;
    const { pid } = await submitUnchecked(w, J, G, {
      type: 'message',
      caseId: toGoteborg,
      prev: head,
      body: { text: 'Till alla i Nordost.', legalBasis: null },
    });
    expect(await received(greta, pid)).toEqual(rejected(pid, 'ERR_OUTSIDE_CIRCLE'));
    expect((await greta.getCase(toGoteborg)).state.head).toBe(head);

    // Järva's own message reaches the coordinators alone.
    const held = (await appliedLog(intake, toGoteborg)).length;
    await c(J).sendMessage(toGoteborg, { text: 'Planen skickas i morgon.' });
    await syncEveryone();
    expect((await appliedLog(greta, toGoteborg)).length).toBe(held + 1);
    expect((await appliedLog(intake, toGoteborg)).length).toBe(held);
  });

  it('the plan is decided after the assessment, holds only what Göteborg offers, and takes effect when Göteborg agrees', async () => {
    w.advance(1);
    await syncEveryone();
    const jarva = c(J);
    const early = plan('2025-03-03', ['krisstod', 'kontaktperson']);
    const krami = plan('2025-03-05', ['krisstod', NOT_IN_GOTEBORG]);
    expect([
      await codeOf(jarva.sendPlan(toGoteborg, early)),
      await codeOf(jarva.sendPlan(toGoteborg, krami)),
    ]).toEqual(['ERR_SPECIAL_CASE_NOT_ASSESSED', 'ERR_SERVICE_NOT_OFFERED']);
    expect((await jarva.getCase(toGoteborg)).state.plan).toBeNull();
    const head = (await jarva.getCase(toGoteborg)).state.head;
    const circle = { devices: [gretaDevice.key.kid, hugoDevice.key.kid] };
    const forced = [
      await submitUnchecked(
        w,
        J,
        G,
        { type: 'implementation-plan', caseId: toGoteborg, prev: head, body: early },
        circle,
      ),
      await submitUnchecked(
        w,
        J,
        G,
        { type: 'implementation-plan', caseId: toGoteborg, prev: head, body: krami },
        circle,
      ),
    ];
    const report = await greta.sync();
    expect(report.received).toContainEqual(rejected(forced[0]!.pid, 'ERR_SPECIAL_CASE_NOT_ASSESSED'));
    expect(report.received).toContainEqual(rejected(forced[1]!.pid, 'ERR_SERVICE_NOT_OFFERED'));

    // Plan, changes asked for, a new version, agreement (§14.6 (2)).
    await jarva.sendPlan(
      toGoteborg,
      plan('2025-03-05', ['krisstod', 'kontaktperson'], 'Beslutat efter samråd.'),
    );
    await syncEveryone();
    const costs = [{ service: 'krisstod', month: '2025-03', amountSek: 12_000 }];
    expect(await codeOf(greta.reportCosts(toGoteborg, costs))).toBe('ERR_PLAN_NOT_AGREED');
    const beforeAgreed = await submitUnchecked(
      w,
      G,
      J,
      {
        type: 'cost-report',
        caseId: toGoteborg,
        prev: (await greta.getCase(toGoteborg)).state.head,
        body: { lines: costs },
      },
      { sender: gretaDevice },
    );
    expect(await received(jarva, beforeAgreed.pid)).toEqual(
      rejected(beforeAgreed.pid, 'ERR_PLAN_NOT_AGREED'),
    );
    await greta.respondToPlan(toGoteborg, {
      decision: 'changes',
      changes: [
        { service: null, what: 'Lägg till boendestöd', why: 'Personen har inte bott självständigt förut' },
      ],
      decidedBy: GRETA,
    });
    await syncEveryone();
    await jarva.sendPlan(toGoteborg, plan('2025-03-05', ['krisstod', 'kontaktperson', 'boendestod']));
    await syncEveryone();
    await greta.respondToPlan(toGoteborg, { decision: 'agree', decidedBy: GRETA });
    await syncEveryone();
    const state = (await jarva.getCase(toGoteborg)).state;
    expect([state.status, state.planLog.map((v) => [v.version, v.response?.decision])]).toEqual([
      'active',
      [
        [1, 'changes'],
        [2, 'agree'],
      ],
    ]);
    expect(state.plan?.services).toEqual(['krisstod', 'kontaktperson', 'boendestod']);
  });

  it('costs are reported only for services of the agreed plan', async () => {
    const lines = [
      { service: 'krisstod', month: '2025-03', amountSek: 12_000 },
      { service: 'boendestod', month: '2025-03', amountSek: 6_500 },
    ];
    const unplanned = [{ service: 'missbruksbehandling', month: '2025-03', amountSek: 4_000 }];
    expect(await codeOf(greta.reportCosts(toGoteborg, unplanned))).toBe('ERR_SERVICE_NOT_IN_PLAN');
    const forced = await submitUnchecked(
      w,
      G,
      J,
      {
        type: 'cost-report',
        caseId: toGoteborg,
        prev: (await greta.getCase(toGoteborg)).state.head,
        body: { lines: unplanned },
      },
      { sender: gretaDevice },
    );
    expect(await received(c(J), forced.pid)).toEqual(rejected(forced.pid, 'ERR_SERVICE_NOT_IN_PLAN'));
    await greta.reportCosts(toGoteborg, lines);
    await syncEveryone();
    expect((await c(J).getCase(toGoteborg)).state.costs.reduce((s, l) => s + l.amountSek, 0)).toBe(18_500);
  });

  it('Greta hands the case to Hugo: she receives nothing further of it', async () => {
    await greta.assignCase(toGoteborg, [hugoDevice.key.kid]);
    await syncEveryone();
    await expectLogsAgree([c(J), hugo], toGoteborg, { equal: true });
    expect(await codeOf(greta.assignCase(toGoteborg, [gretaDevice.key.kid]))).toBe('ERR_OUTSIDE_CIRCLE');
    const held = (await appliedLog(greta, toGoteborg)).length;
    await c(J).sendMessage(toGoteborg, { text: 'Hugo har ärendet nu.' });
    await syncEveryone();
    expect((await appliedLog(greta, toGoteborg)).length).toBe(held);
    expect((await appliedLog(hugo, toGoteborg)).length).toBe(held + 1);
  });

  it('an urgent child notice from Göteborg: no plan while it is open; Järva answers, settling the responsibility', async () => {
    w.advance(1);
    await syncEveryone();
    const jarva = c(J);
    const notice = await hugo.sendChildNotice(toGoteborg, {
      date: '2025-03-06',
      description: 'Det har framkommit att personen har ett barn som vistas hos personen varannan vecka.',
      proposedResponsibility: 'home',
      measuresTaken: 'Orosanmälan till socialtjänsten i Göteborg.',
      answers: null,
      settlement: null,
      legalBasis: null,
    });
    await syncEveryone();
    expect(
      (await jarva.reminders()).filter((r) => r.kind === 'child-notice').map((r) => [r.actor, r.overdue]),
    ).toEqual([['us', false]]);
    const settlement = [
      {
        municipality: 'stockholm',
        responsibility: 'Utredning av barnets situation och insatser för barnet enligt SoL',
        responsible: EVA,
        from: '2025-03-06',
      },
    ];
    const answer: PacketBodies['child-notice'] = {
      date: '2025-03-06',
      description: 'Hemkommunen ansvarar för barnet.',
      proposedResponsibility: 'home',
      measuresTaken: null,
      answers: notice.hash,
      settlement,
      legalBasis: null,
    };
    const nextPlan = plan('2025-03-06', ['krisstod', 'kontaktperson', 'boendestod', 'motivationssamtal']);
    expect([
      await codeOf(jarva.sendPlan(toGoteborg, nextPlan)),
      await codeOf(jarva.sendChildNotice(toGoteborg, { ...answer, settlement: [] })),
    ]).toEqual(['ERR_CHILD_NOTICE_OPEN', 'ERR_CHILD_NOTICE_UNSETTLED']);
    const head = (await jarva.getCase(toGoteborg)).state.head;
    const circle = { devices: [hugoDevice.key.kid] };
    const forced = [
      await submitUnchecked(
        w,
        J,
        G,
        { type: 'implementation-plan', caseId: toGoteborg, prev: head, body: nextPlan },
        circle,
      ),
      await submitUnchecked(
        w,
        J,
        G,
        { type: 'child-notice', caseId: toGoteborg, prev: head, body: { ...answer, settlement: null } },
        circle,
      ),
    ];
    const report = await hugo.sync();
    expect(report.received).toContainEqual(rejected(forced[0]!.pid, 'ERR_CHILD_NOTICE_OPEN'));
    expect(report.received).toContainEqual(rejected(forced[1]!.pid, 'ERR_CHILD_NOTICE_UNSETTLED'));

    const settled = await jarva.sendChildNotice(toGoteborg, answer);
    await syncEveryone();
    for (const x of [jarva, hugo]) {
      expect((await x.getCase(toGoteborg)).state.childNoticeLog).toEqual([
        expect.objectContaining({ in: notice.hash, answeredIn: settled.hash, settlement }),
      ]);
    }
    expect((await jarva.reminders()).filter((r) => r.kind === 'child-notice')).toEqual([]);
  });

  it('Malmö refers to Järva with a documented deviation from the police consultation; not from the consent', async () => {
    const malmo = c(M);
    const input = referInput(M, J);
    // The consultation in Stockholm is held after the fact: the person had to leave Malmö that night.
    const malmoOnly = { ...input, policeConsultations: [input.policeConsultations[0]!] };
    const deviation = (rule: string): ReferralBody['deviations'][number] => ({
      rule: rule as ReferralBody['deviations'][number]['rule'],
      date: '2025-03-05',
      reason: 'acute-time-pressure',
      description: 'Akut hot samma kväll; samrådet med polisen i Stockholm hålls i efterhand.',
      decidedBy: MALIN,
    });
    expect([
      await codeOf(malmo.refer(malmoOnly)),
      await codeOf(
        malmo.refer({ ...input, policeApprovals: [], deviations: [deviation('police-approval')] }),
      ),
      await codeOf(malmo.refer({ ...malmoOnly, deviations: [deviation('consent-scope')] })),
    ]).toEqual(['ERR_POLICE_CONSULTATION_MISSING', 'ERR_DEVIATION_NOT_ALLOWED', 'ERR_MALFORMED']);
    expect(await malmo.listCases()).toEqual([]);

    const hostile = async (caseId: string, rule: string) =>
      (
        await submitUnchecked(w, M, J, {
          type: 'referral',
          caseId,
          prev: null,
          body: uncheckedReferral(w, M, J, caseId, (b) => ({
            ...b,
            policeApprovals: rule === 'police-approval' ? [] : b.policeApprovals,
            deviations: [deviation(rule)],
          })),
        })
      ).pid;
    const notDeviable = await hostile('AAAAAAAAAAAAAAAAAAAA5A', 'police-approval');
    const fromConsent = await hostile('AAAAAAAAAAAAAAAAAAAA6A', 'consent-scope');
    const report = await c(J).sync();
    expect(report.received).toContainEqual(rejected(notDeviable, 'ERR_DEVIATION_NOT_ALLOWED'));
    expect(report.received).toContainEqual(rejected(fromConsent, 'ERR_MALFORMED'));

    const sent = await malmo.refer({ ...malmoOnly, deviations: [deviation('police-consultation')] });
    fromMalmo = sent.caseId;
    await syncEveryone();
    const atJarva = await c(J).getCase(fromMalmo);
    expect(atJarva.status).toBe('delivered');
    expect(atJarva.state.deviationLog).toMatchObject([
      {
        unit: M,
        inReferral: true,
        rule: 'police-consultation',
        guideline: null,
        reason: 'acute-time-pressure',
      },
    ]);
    const entry = {
      on: '2025-03-05',
      rule: 'police-consultation',
      reason: 'acute-time-pressure',
      decidedBy: MALIN,
      caseId: fromMalmo,
    };
    expect(await malmo.deviationRegister()).toEqual([expect.objectContaining({ ...entry, counterpart: J })]);
    expect(await c(J).deviationRegister()).toEqual([expect.objectContaining({ ...entry, counterpart: M })]);
  });

  it("the 2025 extension: Farsta's protection case with the police's approval fills Göteborg's places; a third is declined by Göteborg's own SDK", async () => {
    const farsta = c(F);
    const base = referralToGoteborg(w, 'Person C');
    // A protection case: the person belongs to no group.
    const input: ReferInput = {
      ...base,
      category: 'skyddsarende',
      threatLevel: 'high',
      affiliation: { ...AFFILIATION, groups: [] },
    };
    // Farsta refers from Stockholm: its consent names Farsta.
    const farstaInput: ReferInput = {
      ...input,
      contacts: [contact(F, SARA)],
      consent: {
        ...input.consent,
        written: {
          documentSha256: formHash(w, 'Person C', F, G, {
            validFrom: '2025-03-01',
            validUntil: '2026-02-28',
          }),
          signedOn: '2025-03-01',
        },
      },
    };
    expect(await codeOf(farsta.refer({ ...farstaInput, policeApprovals: [] }))).toBe(
      'ERR_POLICE_APPROVAL_MISSING',
    );
    const caseId = 'AAAAAAAAAAAAAAAAAAAA7A';
    const { pid } = await submitUnchecked(
      w,
      F,
      G,
      {
        type: 'referral',
        caseId,
        prev: null,
        body: uncheckedReferral(w, F, G, caseId, (b) => ({
          ...b,
          category: 'skyddsarende',
          threatLevel: 'low',
          policeApprovals: [],
          affiliation: { ...AFFILIATION, groups: [] },
        })),
      },
      { devices: [w.world.units[G].key.kid] },
    );
    expect(await received(intake, pid)).toEqual(rejected(pid, 'ERR_POLICE_APPROVAL_MISSING'));

    protection = (await farsta.refer(farstaInput)).caseId;
    await syncEveryone();
    // Malmö syncs no more until its own referral below: it has not yet seen Göteborg take the case.
    await intake.decideUptake(protection, goteborgAcceptance());
    await farsta.sync();
    expect((await farsta.getCase(protection)).status).toBe('accepted');
    expect(await intake.quotaUse('goteborg', 'incoming')).toMatchObject({ used: 2, quota: 2 });
    expect(await codeOf(c(J).refer(referralToGoteborg(w, 'Person E')))).toBe('ERR_QUOTA_EXCEEDED');

    // Malmö refers a third case to Göteborg; Göteborg's intake declines it by itself, with a signed decline.
    const third: ReferInput = {
      ...referInput(M, G),
      affiliation: { groups: [], assessedBy: MALIN, assessedOn: '2025-02-24' },
    };
    overQuota = (await c(M).refer({ ...third, requestedServices: ['krisstod', 'kontaktperson'] })).caseId;
    await intake.sync();
    const declined = await intake.getCase(overQuota);
    expect([declined.status, declined.state.decision?.decision, declined.state.decision?.reason]).toEqual([
      'declined',
      'decline',
      'quota-exceeded',
    ]);
    await syncEveryone();
    expect((await c(M).getCase(overQuota)).status).toBe('declined');
    // Now Malmö knows: its own SDK refuses the next one.
    expect(await codeOf(c(M).refer(third))).toBe('ERR_QUOTA_EXCEEDED');
    expect(await c(M).quotaUse('malmo', 'outgoing')).toMatchObject({ used: 1 });
  });

  it('at the end both ends hold the same cases', async () => {
    await syncEveryone();
    await expectLogsAgree([c(J), hugo], toGoteborg, { equal: true });
    // Greta and the intake left the circle: they hold the log as it was when they left it.
    await expectLogsAgree([c(J), greta, intake], toGoteborg);
    await expectLogsAgree([c(M), c(J)], fromMalmo, { equal: true });
    await expectLogsAgree([c(F), intake], protection, { equal: true });
    await expectLogsAgree([c(M), intake], overQuota, { equal: true });
    const status = async (x: BryggaClient, id: string) => (await x.getCase(id)).state.status;
    expect([
      await status(c(J), toGoteborg),
      await status(c(J), fromMalmo),
      await status(c(F), protection),
      await status(c(M), overQuota),
    ]).toEqual(['active', 'referred', 'accepted', 'declined']);
  });

  it("each unit's statistics of 2025 count the story, small counts suppressed, no case in them", async () => {
    const year = { year: '2025' };
    const [atJ, atF, atG, atM] = [
      await c(J).statistics(year),
      await c(F).statistics(year),
      await intake.statistics(year),
      await c(M).statistics(year),
    ];
    // Every count of the story is under the template's threshold of 5 (§20.3).
    expect([
      figure(atJ, 'referrals-sent', 'goteborg'),
      figure(atJ, 'referrals-received', 'malmo'),
      figure(atJ, 'active', 'home'),
      figure(atF, 'referrals-sent', 'goteborg'),
      figure(atG, 'referrals-received', 'stockholm'),
      figure(atG, 'referrals-received', 'malmo'),
      figure(atG, 'decisions-on-received', 'accepted'),
      figure(atG, 'decisions-on-received', 'declined-quota-exceeded'),
      figure(atM, 'referrals-sent', 'stockholm'),
      figure(atM, 'decisions-on-sent', 'declined-quota-exceeded'),
    ]).toEqual(Array(10).fill('<5'));
    expect([figure(atF, 'referrals-received', 'total'), figure(atM, 'referrals-received', 'total')]).toEqual([
      0, 0,
    ]);
    for (const id of [toGoteborg, fromMalmo, protection, overQuota]) {
      expect(JSON.stringify([atJ, atF, atG, atM])).not.toContain(id);
    }
  });

  it('the deviations table counts each avsteg once, at the unit that decided it (§20.2)', async () => {
    // No unit sent a `deviation` packet (§12.4 item 6); Malmö's referral carried one (§14.8). Malmö
    // decided it and counts it; Järva holds it in its register (§20.5) but does not count it again.
    const year = { year: '2025' };
    const totals = [];
    for (const x of [c(J), c(F), intake, c(M)])
      totals.push(figure(await x.statistics(year), 'deviations', 'total'));
    expect(totals).toEqual([0, 0, 0, '<5']);
    const byReason = figure(await c(M).statistics(year), 'deviations', 'acute-time-pressure');
    expect(byReason).toBe('<5');
  });

  it("the deviation register holds Malmö's avsteg at Malmö and at Järva, which took the case on it", async () => {
    expect((await c(M).deviationRegister()).map((d) => [d.number, d.rule, d.reason, d.caseId])).toEqual([
      [1, 'police-consultation', 'acute-time-pressure', fromMalmo],
    ]);
    expect((await c(J).deviationRegister()).map((d) => [d.number, d.rule, d.reason, d.caseId])).toEqual([
      [1, 'police-consultation', 'acute-time-pressure', fromMalmo],
    ]);
    expect([await c(F).deviationRegister(), await intake.deviationRegister()]).toEqual([[], []]);
  });

  it("a month on, what is due at each unit (§22): the decision on Malmö's referral, the follow-up of the active case", async () => {
    // Everyone holds everything (receipts wait at most the relay's packet lifetime); then a month passes.
    await syncEveryone();
    w.advance(32);
    await syncEveryone();
    const name = (id: string | null) =>
      id === toGoteborg
        ? 'A'
        : id === fromMalmo
          ? 'B'
          : id === protection
            ? 'C'
            : id === overQuota
              ? 'D'
              : id;
    const due = async (x: BryggaClient) =>
      (await x.reminders()).map(
        (r) => `${r.kind} ${name(r.caseId)} ${r.actor} ${r.dueOn}${r.overdue ? ' overdue' : ''}`,
      );
    // Malmö referred B on 2025-03-06: Järva should have decided within 14 days. Järva's plan for A was
    // decided on 2025-03-05 and no follow-up came since: one is due a month on, led by the home unit.
    // Greta and the intake left the circle, so their devices show nothing of case A, whose state stopped
    // there (§22); Hugo, who holds it, has the follow-up; Farsta's accepted case C has no plan yet.
    expect({
      jarva: await due(c(J)),
      farsta: await due(c(F)),
      intake: await due(intake),
      greta: await due(greta),
      hugo: await due(hugo),
      malmo: await due(c(M)),
    }).toEqual({
      jarva: ['decision B us 2025-03-20 overdue', 'follow-up A us 2025-04-05 overdue'],
      farsta: [],
      intake: [],
      greta: [],
      hugo: ['follow-up A them 2025-04-05 overdue'],
      malmo: ['decision B them 2025-03-20 overdue'],
    });
  });
});

/** A consent attestation by Järva for `caseId` that covers the units and the police but not the processing. */
function uncheckedConsentWithoutProcessing(w: Workflow, caseId: string): string {
  return attestConsent(w.world.units[J].key, {
    caseId,
    unit: J,
    form: 'written',
    written: { documentSha256: 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c', signedOn: '2025-03-01' },
    scope: { units: [J, G], police: true, processing: false },
    validFrom: '2025-03-01',
    validUntil: null,
    now: w.relay.clock.date,
  });
}
