/**
 * Rival groups (PROTOCOL.md §5.5, §14.6 (5); seed 004), at both ends, on both engines. Where the
 * receiving municipality's terms set `rivalCheck`, the referral states the person's group affiliation
 * and the acceptance carries the receiving unit's check against its own list of known groups: the
 * result only, never the list. The sender's SDK refuses a packet without them with a typed error naming
 * the rule and its source, and stores nothing; a modified sender that skips the check is refused by the
 * other end with the same code and a signed receipt saying so. The receiving SDK also refuses "no
 * conflict" while its own list shows a collision.
 */
import {
  type GroupAffiliation,
  makeQuotaClaim,
  type PacketBodies,
  type RivalCheck,
} from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { expectLogsAgree } from '../support/case-invariant.js';
import { ENGINES } from '../support/databases.js';
import { refusedBy, submitUnchecked, uncheckedReferral } from '../support/hostile-sender.js';
import {
  referInput,
  referredCase,
  startWorkflow,
  type Workflow,
  workflowContact,
  worldWithMunicipalities,
} from '../support/workflow-world.js';

/** The 2025 world with Göteborg checking placements against rival groups. */
function rivalWorld() {
  return worldWithMunicipalities({ goteborg: { rivalCheck: true } });
}

const GRETA = { name: 'Greta Gren', role: 'samordnare' };

const affiliation: GroupAffiliation = {
  groups: ['Nätverk Norr'],
  assessedBy: { name: 'Handläggare Hem', role: 'socialsekreterare' },
  assessedOn: '2025-02-24',
};

const noConflict: RivalCheck = {
  result: 'no-conflict',
  decision: null,
  reason: null,
  checkedBy: GRETA,
  checkedOn: '2025-03-03',
};

const DISTRICT = 'Placeras i en annan stadsdel än den där gruppen finns';

const despite: RivalCheck = {
  result: 'conflict',
  decision: 'accepted-despite',
  reason: DISTRICT,
  checkedBy: GRETA,
  checkedOn: '2025-03-03',
};

/** What only Göteborg knows: a rival of the person's group is present in a neighbouring municipality. */
const KNOWN = {
  group: 'Syndikat Sextiotre',
  presentIn: 'Ale kommun',
  rivals: ['nätverk norr'],
  note: 'Enligt polisens lägesbild',
  addedBy: 'Greta Gren',
};

/** Järva refers a case to Göteborg Nordost with the affiliation; the case id, once Nordost has it. */
const referredToGoteborg = (w: Workflow) =>
  referredCase(w, 'stockholm-jarva', 'goteborg-nordost', (input) => ({ ...input, affiliation }));

describe.each(ENGINES)('rival groups at both ends on %s', (engine) => {
  let w: Workflow;
  afterEach(async () => {
    await w?.close();
  });

  it("Järva's SDK refuses a referral to Göteborg without the group affiliation, naming seed 004's source; Malmö needs none", async () => {
    w = await startWorkflow(engine, { world: rivalWorld() });
    await w.syncAll();
    const jarva = w.clients['stockholm-jarva'];
    const bare = jarva.refer(referInput('stockholm-jarva', 'goteborg-nordost'));
    await expect(bare).rejects.toMatchObject({ code: 'ERR_GROUP_AFFILIATION_MISSING' });
    await expect(bare).rejects.toThrow(
      /goteborg's terms require the person's group affiliation .*dnr 0952\/18.*"En ökad samordning med polisen är ett annat område som kan utvecklas, så att avhoppare från rivaliserande gäng inte placeras i samma kommun eller i grannkommuner"/,
    );
    expect(await jarva.listCases()).toEqual([]);
    expect(await w.stores['stockholm-jarva'].store.listOutbox()).toEqual([]);
    // "None known" is an affiliation too.
    const { caseId } = await jarva.refer({
      ...referInput('stockholm-jarva', 'goteborg-nordost'),
      affiliation: { ...affiliation, groups: [] },
    });
    const toMalmo = await jarva.refer(referInput('stockholm-jarva', 'malmo'));
    await w.syncAll(['stockholm-jarva', 'goteborg-nordost', 'malmo']);
    expect((await w.clients['goteborg-nordost'].getCase(caseId)).state.affiliation).toEqual({
      groups: 0,
      assessedBy: affiliation.assessedBy,
      assessedOn: '2025-02-24',
    });
    expect((await w.clients.malmo.getCase(toMalmo.caseId)).status).toBe('delivered');
  });

  it('Göteborg refuses a referral a modified Järva sent without the affiliation, with a signed receipt', async () => {
    w = await startWorkflow(engine, { world: rivalWorld() });
    await w.syncAll();
    const caseId = 'AAAAAAAAAAAAAAAAAAAAGA';
    const body = uncheckedReferral(w, 'stockholm-jarva', 'goteborg-nordost', caseId, (b) => b);
    expect(body.affiliation).toBeNull();
    const { pid } = await submitUnchecked(w, 'stockholm-jarva', 'goteborg-nordost', {
      type: 'referral',
      caseId,
      prev: null,
      body,
    });
    expect(await refusedBy(w, 'goteborg-nordost', pid)).toEqual({
      received: { pid, outcome: 'rejected', code: 'ERR_GROUP_AFFILIATION_MISSING' },
      receipts: [['rejected', 'ERR_GROUP_AFFILIATION_MISSING', 'goteborg-nordost']],
    });
    await expect(w.clients['goteborg-nordost'].getCase(caseId)).rejects.toMatchObject({
      code: 'ERR_UNKNOWN_CASE',
    });
  });

  it("Göteborg's SDK refuses an acceptance without the check, and 'no conflict' while its list shows one; a conflict accepted despite it reaches Järva as the result only", async () => {
    w = await startWorkflow(engine, { world: rivalWorld() });
    await w.syncAll();
    const jarva = w.clients['stockholm-jarva'];
    const nordost = w.clients['goteborg-nordost'];
    const caseId = await referredToGoteborg(w);
    const accept = (rivalCheck: RivalCheck | null) =>
      nordost.decideUptake(caseId, {
        decision: 'accept',
        contacts: [workflowContact('goteborg-nordost')],
        rivalCheck,
      });
    const bare = accept(null);
    await expect(bare).rejects.toMatchObject({ code: 'ERR_RIVAL_CHECK_MISSING' });
    await expect(bare).rejects.toThrow(/rival groups .*dnr 0952\/18.*rivaliserande gäng/);
    // The list: one entry that collides (the rivalry named on its side), one that does not.
    const entry = await nordost.addKnownGroup(KNOWN);
    const other = await nordost.addKnownGroup({
      group: 'Grupp Söder',
      presentIn: 'Göteborg',
      rivals: ['Grupp Väster'],
      addedBy: 'Greta Gren',
    });
    const listed = await nordost.listKnownGroups();
    expect(listed.sort((x, y) => (x.group < y.group ? -1 : 1))).toEqual([
      other,
      { ...KNOWN, id: entry.id, addedAt: entry.addedAt },
    ]);
    expect(await nordost.rivalCollisions(caseId)).toEqual([
      { group: 'Nätverk Norr', rival: 'Syndikat Sextiotre', presentIn: 'Ale kommun', entry: entry.id },
    ]);
    const unrecorded = accept(noConflict);
    await expect(unrecorded).rejects.toMatchObject({ code: 'ERR_RIVAL_CONFLICT_UNRECORDED' });
    await expect(unrecorded).rejects.not.toThrow(/Syndikat|Ale/);
    expect((await nordost.getCase(caseId)).state.status).toBe('referred');
    expect(await w.stores['goteborg-nordost'].store.listOutbox()).toEqual([]);
    // Removing the entry removes the collision; put back, the conflict is recorded and decided.
    await nordost.removeKnownGroup(entry.id);
    expect(await nordost.rivalCollisions(caseId)).toEqual([]);
    await expect(nordost.removeKnownGroup(entry.id)).rejects.toMatchObject({ code: 'ERR_MALFORMED' });
    await nordost.addKnownGroup(KNOWN);
    await accept(despite);
    await w.syncAll(['goteborg-nordost', 'stockholm-jarva']);
    const atJarva = (await jarva.getCase(caseId)).state;
    expect([atJarva.status, atJarva.rivalCheck]).toEqual([
      'accepted',
      {
        result: 'conflict',
        decision: 'accepted-despite',
        checkedBy: GRETA,
        checkedOn: '2025-03-03',
        in: atJarva.decision!.in,
        at: atJarva.decision!.at,
      },
    ]);
    await expectLogsAgree([jarva, nordost], caseId, { equal: true });
    // The result travels, with its reason; the list never does: not in any packet Järva holds.
    const log = JSON.stringify(await jarva.caseLog(caseId));
    expect(log).toContain(DISTRICT);
    for (const known of [KNOWN.group, KNOWN.presentIn, KNOWN.note, 'Grupp Söder', 'Grupp Väster']) {
      expect(log).not.toContain(known);
    }
  });

  it("'no conflict' is accepted when the list shows none; a decline needs no check", async () => {
    w = await startWorkflow(engine, { world: rivalWorld() });
    await w.syncAll();
    const nordost = w.clients['goteborg-nordost'];
    const caseId = await referredToGoteborg(w);
    await nordost.addKnownGroup({ ...KNOWN, rivals: ['Någon annan'] });
    await nordost.decideUptake(caseId, {
      decision: 'accept',
      contacts: [workflowContact('goteborg-nordost')],
      rivalCheck: noConflict,
    });
    await w.syncAll(['goteborg-nordost', 'stockholm-jarva']);
    expect((await w.clients['stockholm-jarva'].getCase(caseId)).state.rivalCheck?.result).toBe('no-conflict');
    const second = await referredToGoteborg(w);
    await nordost.decideUptake(second, { decision: 'decline', reason: 'safety' });
    await w.syncAll(['goteborg-nordost', 'stockholm-jarva']);
    const declined = (await w.clients['stockholm-jarva'].getCase(second)).state;
    expect([declined.status, declined.decision?.reason, declined.rivalCheck]).toEqual([
      'declined',
      'safety',
      null,
    ]);
  });

  it('Järva refuses an acceptance a modified Göteborg sent without the check, with a signed receipt', async () => {
    w = await startWorkflow(engine, { world: rivalWorld() });
    await w.syncAll();
    const jarva = w.clients['stockholm-jarva'];
    const caseId = await referredToGoteborg(w);
    const head = (await w.clients['goteborg-nordost'].getCase(caseId)).state.head;
    const { proof } = makeQuotaClaim(w.world.units['goteborg-nordost'].key, {
      agreement: w.world.agreement,
      unit: 'goteborg-nordost',
      direction: 'incoming',
      caseId,
      now: w.relay.clock.date,
    });
    const acceptance: PacketBodies['uptake-decision'] = {
      decision: 'accept',
      reason: null,
      note: null,
      contacts: [workflowContact('goteborg-nordost')],
      quota: proof,
      relocation: null,
      special: null,
      rivalCheck: null,
    };
    const bare = await submitUnchecked(w, 'goteborg-nordost', 'stockholm-jarva', {
      type: 'uptake-decision',
      caseId,
      prev: head,
      body: acceptance,
    });
    expect(await refusedBy(w, 'stockholm-jarva', bare.pid)).toEqual({
      received: { pid: bare.pid, outcome: 'rejected', code: 'ERR_RIVAL_CHECK_MISSING' },
      receipts: [['rejected', 'ERR_RIVAL_CHECK_MISSING', 'stockholm-jarva']],
    });
    const atJarva = (await jarva.getCase(caseId)).state;
    expect([atJarva.status, atJarva.rivalCheck]).toEqual(['referred', null]);
  });
});
