/**
 * A year of the cooperation on a real relay and a simulated clock, on SQLite and on PostgreSQL, and what
 * the agreement's reporting asks of it (PROTOCOL.md §16, §20–23):
 *
 * - Järva refers six cases to Malmö and one to Göteborg in March, Malmö two to Järva and Göteborg three
 *   to Malmö in April; decisions, plans, deviations, costs, a child notice, the half-year's
 *   reconciliations, key rotation, and closures with outcome measures through December;
 * - every unit's monthly and yearly statistics match a ledger the script keeps, with every count from 1
 *   to 4 suppressed, and a yearly figure that would give a suppressed month back hidden too;
 * - reminders (a decision overdue, a follow-up due, a child notice to answer, reconciliations) appear and
 *   disappear on the right days, with their events;
 * - each unit signs its figures for the agreement period and sends them; every unit's joint evaluation
 *   report verifies all three and balances the cases handed over against those taken in;
 * - years later, retention purges the closed and declined cases, the reconciliation of only purged cases
 *   and the old encryption keys, leaving a signed purge record and nothing else of them.
 */
import type { BryggaClient, OutcomeMeasures, PacketBodies } from '@brygga/client-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textsFor } from '../../client-sdk/src/console/_i18n/index.js';
import { figureText, namesOf, rowLabel } from '../../client-sdk/src/console/_reports/figures.js';
import { renderEvaluationReport } from '../../client-sdk/src/console/index.js';
import { ENGINES } from '../support/databases.js';
import { HAVE_PDF, printHtml, squeeze } from '../support/pdf.js';
import { agreePlan } from '../support/plan-agreement.js';
import { snapshot } from '../support/store-databases.js';
import { referInput, startWorkflow, type Workflow } from '../support/workflow-world.js';
import {
  expectMatchesLedger,
  figure,
  G,
  J,
  Ledger,
  M,
  remindersOf,
  rotateKeys,
  setDay,
  syncYear,
  type YearUnit,
  yearWorld,
} from './year-world.js';

const contact = (unit: YearUnit) => ({
  unit,
  name: `Samordnare ${unit}`,
  role: 'avhopparsamordnare',
  phone: null,
  email: null,
});

function plan(decidedOn: string): PacketBodies['implementation-plan'] {
  return {
    decidedOn,
    services: [
      { code: 'krisstod', description: null, from: decidedOn, to: null },
      { code: 'kontaktperson', description: null, from: decidedOn, to: null },
    ],
    note: null,
    legalBasis: null,
  };
}

const deviation = (date: string, reason: 'acute-time-pressure' | 'safety'): PacketBodies['deviation'] => ({
  date,
  reason,
  rule: 'police-consultation',
  guideline: 'Riktlinje 4.2: samråd före flytt',
  description: 'Flytten skedde innan samrådsprotokollet var klart.',
  decidedBy: { name: 'Chef C', role: 'enhetschef' },
  legalBasis: null,
});

/**
 * `text` with every base64url run that decodes to JSON replaced by that JSON, again and again: the
 * payloads of signed packets and of the documents inside them, read as a curious administrator would.
 */
function reveal(text: string): string {
  let out = text;
  for (let depth = 0; depth < 6; depth++) {
    const next = out.replace(/[A-Za-z0-9_-]{16,}/g, (run) => {
      const json = Buffer.from(run, 'base64url').toString('utf8');
      return /^[{[]/.test(json) && !json.includes('\uFFFD') ? json : run;
    });
    if (next === out) return out;
    out = next;
  }
  return out;
}

/** Mark every event the client holds as consumed. */
async function consumeAll(client: BryggaClient): Promise<void> {
  const last = (await client.pendingEvents(100_000)).at(-1);
  if (last) await client.consumeEvents(last.seq);
}

const left = (leftGroup: 'yes' | 'no'): OutcomeMeasures => ({
  leftGroup,
  noNewSuspectedCrime: 'yes',
  ownHousing: 'unknown',
  selfSufficient: 'no',
});

describe.each(ENGINES)('a year of the cooperation, reported, on %s', (engine) => {
  let w: Workflow;
  const ledger = new Ledger();
  /** Järva's six cases in Malmö, its case declined by Göteborg, Malmö's two in Järva, Göteborg's three in Malmö. */
  const jm: string[] = [];
  let jg = '';
  const mj: string[] = [];
  const gm: string[] = [];
  const oldKeys = {} as Record<YearUnit, string>;
  let newKeys = {} as Record<YearUnit, string>;

  beforeAll(async () => {
    const world = yearWorld();
    w = await startWorkflow(engine, { world });
    for (const u of [J, G, M] as const) oldKeys[u] = world.units[u].hpke[0]!.kid;
  });
  afterAll(async () => {
    await w?.close();
  });

  const c = (u: YearUnit) => w.clients[u];

  it('March: Järva refers six cases to Malmö and one to Göteborg; decisions, plans and a deviation', async () => {
    setDay(w, '2025-03-02');
    await syncYear(w);
    for (let i = 0; i < 6; i++) {
      const { caseId } = await c(J).refer(referInput(J, M));
      jm.push(caseId);
      ledger.add({ caseId, home: J, receiving: M, referredOn: '2025-03-02' });
    }
    jg = (await c(J).refer(referInput(J, G))).caseId;
    ledger.add({ caseId: jg, home: J, receiving: G, referredOn: '2025-03-02' });
    await syncYear(w);

    setDay(w, '2025-03-04');
    for (const id of jm) {
      await c(M).decideUptake(id, { decision: 'accept', contacts: [contact(M)] });
      ledger.get(id).decision = { accepted: true, reason: null, on: '2025-03-04' };
    }
    await c(G).decideUptake(jg, { decision: 'decline', reason: 'no-capacity' });
    ledger.get(jg).decision = { accepted: false, reason: 'no-capacity', on: '2025-03-04' };
    await syncYear(w);

    setDay(w, '2025-03-06');
    for (const id of jm) await c(J).sendPlan(id, plan('2025-03-06'));
    for (const id of jm) await agreePlan(c(M), id);
    await c(J).sync();
    await c(J).recordDeviation(jm[0]!, deviation('2025-03-06', 'acute-time-pressure'));
    ledger.get(jm[0]!).deviations.push({ unit: J, on: '2025-03-06', reason: 'acute-time-pressure' });
    await syncYear(w);
    for (const id of jm) expect((await c(M).getCase(id)).status).toBe('active');
  });

  it("March's statistics match the ledger at each unit; small counts are suppressed", async () => {
    const march = { from: '2025-03-01', to: '2025-03-31' };
    for (const u of [J, G, M] as const) {
      const report = await c(u).statistics({ month: '2025-03' });
      expect(report.period).toEqual({ label: '2025-03', ...march });
      expectMatchesLedger(report, ledger.expected(u, march.from, march.to));
    }
    const atJ = await c(J).statistics({ month: '2025-03' });
    const atM = await c(M).statistics({ month: '2025-03' });
    // One referral to Göteborg: "<5"; the six to Malmö would give it back from the total, so hidden too.
    expect(figure(atJ, 'referrals-sent', 'goteborg')).toBe('<5');
    expect(figure(atJ, 'referrals-sent', 'malmo')).toBe('x');
    expect(figure(atJ, 'referrals-sent', 'total')).toBe(7);
    expect(figure(atJ, 'deviations', 'acute-time-pressure')).toBe('<5');
    // Malmö took in six from Stockholm and accepted all six: shown.
    expect(figure(atM, 'referrals-received', 'stockholm')).toBe(6);
    expect(figure(atM, 'decisions-on-received', 'accepted')).toBe(6);
    expect(figure(atM, 'decision-days', 'received')).toBe(2);
    // No case id leaves in a report.
    for (const id of [...jm, jg]) expect(JSON.stringify([atJ, atM])).not.toContain(id);
  });

  it('April: Malmö refers two to Järva and Göteborg three to Malmö; a decision overdue is reminded, then done', async () => {
    setDay(w, '2025-04-01');
    for (let i = 0; i < 2; i++) {
      const { caseId } = await c(M).refer(referInput(M, J));
      mj.push(caseId);
      ledger.add({ caseId, home: M, receiving: J, referredOn: '2025-04-01' });
    }
    for (let i = 0; i < 3; i++) {
      const { caseId } = await c(G).refer(referInput(G, M));
      gm.push(caseId);
      ledger.add({ caseId, home: G, receiving: M, referredOn: '2025-04-01' });
    }
    await syncYear(w);

    setDay(w, '2025-04-03');
    await c(J).decideUptake(mj[0]!, { decision: 'accept', contacts: [contact(J)] });
    ledger.get(mj[0]!).decision = { accepted: true, reason: null, on: '2025-04-03' };
    await c(J).decideUptake(mj[1]!, { decision: 'decline', reason: 'safety' });
    ledger.get(mj[1]!).decision = { accepted: false, reason: 'safety', on: '2025-04-03' };
    for (const id of gm.slice(0, 2)) {
      await c(M).decideUptake(id, { decision: 'accept', contacts: [contact(M)] });
      ledger.get(id).decision = { accepted: true, reason: null, on: '2025-04-03' };
    }
    await syncYear(w);

    // Göteborg's third referral waits: 14 days after 1 April is the 15th.
    setDay(w, '2025-04-15');
    await syncYear(w);
    expect(await remindersOf(c(M), gm[2]!)).toEqual([]);
    await consumeAll(c(M));
    setDay(w, '2025-04-16');
    await syncYear(w);
    expect(await remindersOf(c(M), gm[2]!)).toEqual(['decision us 2025-04-15']);
    expect(await remindersOf(c(G), gm[2]!)).toEqual(['decision them 2025-04-15']);
    const due = (await c(M).pendingEvents(1000)).filter((e) => e.type === 'reminder.due');
    expect(due.map((e) => [e.caseId, e.data.kind])).toEqual([[gm[2], 'decision']]);
    await consumeAll(c(M));

    setDay(w, '2025-04-20');
    await c(M).decideUptake(gm[2]!, { decision: 'accept', contacts: [contact(M)] });
    ledger.get(gm[2]!).decision = { accepted: true, reason: null, on: '2025-04-20' };
    await syncYear(w);
    expect(await remindersOf(c(M), gm[2]!)).toEqual([]);
    expect(await remindersOf(c(G), gm[2]!)).toEqual([]);
    const resolved = (await c(M).pendingEvents(1000)).filter((e) => e.type === 'reminder.resolved');
    expect(resolved.map((e) => [e.caseId, e.data.kind])).toEqual([[gm[2], 'decision']]);
  });

  it('plans, deviations, a follow-up reminded a month after the last one, and costs', async () => {
    setDay(w, '2025-04-21');
    await c(M).sendPlan(mj[0]!, plan('2025-04-21'));
    for (const id of gm) await c(G).sendPlan(id, plan('2025-04-21'));
    await agreePlan(c(J), mj[0]!);
    for (const id of gm) await agreePlan(c(M), id);
    await syncYear(w);
    for (const id of gm.slice(0, 2)) {
      await c(M).recordDeviation(id, deviation('2025-04-21', 'safety'));
      ledger.get(id).deviations.push({ unit: M, on: '2025-04-21', reason: 'safety' });
    }
    // Järva follows up its first case in Malmö: the next is due a month later.
    await c(J).sendFollowUp(jm[0]!, {
      date: '2025-04-21',
      month: '2025-04',
      summary: 'Deltar i insatserna enligt plan.',
      services: [{ code: 'krisstod', status: 'ongoing' }],
      outcomes: null,
      legalBasis: null,
    });
    await syncYear(w);

    setDay(w, '2025-05-05');
    const april = (amountSek: number, service = 'krisstod') => ({ service, month: '2025-04', amountSek });
    for (const id of jm) {
      await c(M).reportCosts(id, [april(10_000)]);
      ledger.get(id).costs.push(april(10_000));
    }
    await c(J).reportCosts(mj[0]!, [april(5_000)]);
    ledger.get(mj[0]!).costs.push(april(5_000));
    await syncYear(w);

    setDay(w, '2025-05-20');
    await syncYear(w);
    expect(await remindersOf(c(J), jm[0]!)).toEqual([]);
    setDay(w, '2025-05-21');
    await syncYear(w);
    expect(await remindersOf(c(J), jm[0]!)).toEqual(['follow-up us 2025-05-21']);
    expect(await remindersOf(c(M), jm[0]!)).toEqual(['follow-up them 2025-05-21']);

    setDay(w, '2025-06-03');
    const may = (amountSek: number, service: string) => ({ service, month: '2025-05', amountSek });
    for (const id of jm) {
      await c(M).reportCosts(id, [may(4_000, 'kontaktperson')]);
      ledger.get(id).costs.push(may(4_000, 'kontaktperson'));
    }
    for (const id of gm) {
      await c(M).reportCosts(id, [may(8_000, 'krisstod')]);
      ledger.get(id).costs.push(may(8_000, 'krisstod'));
    }
    // Both units hold Malmö's cost reports before Järva adds to the same case (else the two would fork).
    await syncYear(w);
    await c(J).sendFollowUp(jm[0]!, {
      date: '2025-06-03',
      month: '2025-05',
      summary: 'Fortsatt enligt plan.',
      services: [{ code: 'krisstod', status: 'ongoing' }],
      outcomes: null,
      legalBasis: null,
    });
    await syncYear(w);
    expect(await remindersOf(c(J), jm[0]!)).toEqual([]);
  });

  it('a child notice from Malmö: Järva is reminded at once, Malmö after a day unanswered; a message does not end it, a settling answer ends both', async () => {
    setDay(w, '2025-06-10');
    const { hash: notice } = await c(M).sendChildNotice(jm[1]!, {
      date: '2025-06-10',
      description: 'Ett barn har framkommit i ärendet.',
      proposedResponsibility: 'home',
      measuresTaken: null,
      answers: null,
      settlement: null,
      legalBasis: null,
    });
    await syncYear(w);
    expect(await remindersOf(c(J), jm[1]!)).toContain('child-notice us 2025-06-11');
    expect((await remindersOf(c(M), jm[1]!)).filter((r) => r.startsWith('child-notice'))).toEqual([]);
    setDay(w, '2025-06-12');
    await syncYear(w);
    expect(await remindersOf(c(M), jm[1]!)).toContain('child-notice them 2025-06-11');
    await c(J).sendMessage(jm[1]!, { text: 'Hemkommunen tar ansvaret för barnet; kontakt tas i dag.' });
    await syncYear(w);
    expect(await remindersOf(c(J), jm[1]!)).toContain('child-notice us 2025-06-11');
    await c(J).sendChildNotice(jm[1]!, {
      date: '2025-06-12',
      description: 'Hemkommunen utreder barnets situation enligt SoL.',
      proposedResponsibility: 'home',
      measuresTaken: null,
      answers: notice,
      settlement: [
        {
          municipality: 'stockholm',
          responsibility: 'Utredning och insatser för barnet enligt SoL',
          responsible: { name: 'Sara Svensson', role: 'enhetschef' },
          from: '2025-06-12',
        },
      ],
      legalBasis: null,
    });
    await syncYear(w);
    for (const u of [J, M] as const) {
      expect((await remindersOf(c(u), jm[1]!)).filter((r) => r.startsWith('child-notice'))).toEqual([]);
    }
  });

  it('the half-year: reconciliations are due on 1 July, proposed, countersigned, and no longer due', async () => {
    setDay(w, '2025-06-30');
    await syncYear(w);
    expect(await remindersOf(c(J), null)).toEqual([]);
    setDay(w, '2025-07-01');
    await syncYear(w);
    expect(await remindersOf(c(J), null)).toEqual(['reconciliation us 2025-07-01 2025-H1']);
    expect(await remindersOf(c(M), null)).toEqual([
      'reconciliation us 2025-07-01 2025-H1',
      'reconciliation us 2025-07-01 2025-H1',
    ]);
    expect(await remindersOf(c(G), null)).toEqual(['reconciliation us 2025-07-01 2025-H1']);

    setDay(w, '2025-07-02');
    const proposal = await c(J).reconcile(M, '2025-H1');
    expect(proposal.complete).toBe(false);
    await c(G).reconcile(M, '2025-H1');
    await syncYear(w);
    expect(await remindersOf(c(J), null)).toEqual(['reconciliation them 2025-07-01 2025-H1']);
    expect((await c(M).reminders()).filter((r) => r.kind === 'reconciliation').map((r) => r.actor)).toEqual([
      'us',
      'us',
    ]);
    expect((await c(M).reconcile(J, '2025-H1')).complete).toBe(true);
    expect((await c(M).reconcile(G, '2025-H1')).complete).toBe(true);
    await syncYear(w);
    for (const u of [J, G, M] as const) expect(await remindersOf(c(u), null)).toEqual([]);

    // Malmö paid 6 × 14 000 for Stockholm's cases and 3 × 8 000 for Göteborg's; Stockholm 5 000 for Malmö's.
    const totals = await c(M).reconciliationTotals('2025-H1');
    expect(totals).toEqual([
      {
        municipality: 'goteborg',
        paidForOthers: 0,
        paidByOthers: 24_000,
        settlementsPaid: 12_000,
        settlementsReceived: 0,
        borne: 12_000,
      },
      {
        municipality: 'malmo',
        paidForOthers: 108_000,
        paidByOthers: 5_000,
        settlementsPaid: 0,
        settlementsReceived: 12_000 + 39_500,
        borne: 108_000 - 51_500,
      },
      {
        municipality: 'stockholm',
        paidForOthers: 5_000,
        paidByOthers: 84_000,
        settlementsPaid: 39_500,
        settlementsReceived: 0,
        borne: 44_500,
      },
    ]);
    expect(await c(J).reconciliationTotals()).toEqual(
      totals
        .filter((t) => t.municipality !== 'goteborg')
        .map((t) =>
          t.municipality === 'malmo'
            ? { ...t, paidForOthers: 84_000, paidByOthers: 5_000, settlementsReceived: 39_500, borne: 44_500 }
            : t,
        ),
    );
  });

  it('keys rotate in September; cases close with their outcome measures through December', async () => {
    setDay(w, '2025-09-01');
    newKeys = await rotateKeys(w);
    await syncYear(w);

    setDay(w, '2025-09-15');
    for (const [i, id] of jm.slice(0, 5).entries()) {
      const reason = i === 4 ? 'discontinued' : 'completed';
      const outcomes = left(i === 4 ? 'no' : 'yes');
      await c(J).close(id, { closedOn: '2025-09-15', reason, outcomes });
      ledger.get(id).closure = { on: '2025-09-15', reason, outcomes };
    }
    await syncYear(w);
    setDay(w, '2025-10-15');
    for (const id of gm) {
      await c(G).close(id, { closedOn: '2025-10-15', reason: 'completed', outcomes: left('yes') });
      ledger.get(id).closure = { on: '2025-10-15', reason: 'completed', outcomes: left('yes') };
    }
    await syncYear(w);
    setDay(w, '2025-10-20');
    await c(M).close(mj[0]!, { closedOn: '2025-10-20', reason: 'relocated', outcomes: null });
    ledger.get(mj[0]!).closure = { on: '2025-10-20', reason: 'relocated', outcomes: null };
    await syncYear(w);
    setDay(w, '2025-12-10');
    await c(J).close(jm[5]!, { closedOn: '2025-12-10', reason: 'completed', outcomes: left('yes') });
    ledger.get(jm[5]!).closure = { on: '2025-12-10', reason: 'completed', outcomes: left('yes') };
    await syncYear(w);
    for (const id of [...jm, ...gm, mj[0]!]) expect((await c(M).getCase(id)).status).toBe('closed');
  });

  it("every month's and the year's statistics match the ledger; the year hides what a month suppressed", async () => {
    setDay(w, '2026-01-05');
    await syncYear(w);
    const tallies = { shown: 0, small: 0, hidden: 0 };
    for (const u of [J, G, M] as const) {
      for (let m = 1; m <= 12; m++) {
        const month = `2025-${String(m).padStart(2, '0')}`;
        const report = await c(u).statistics({ month });
        const last = new Date(Date.UTC(2025, m, 0)).toISOString().slice(0, 10);
        const t = expectMatchesLedger(report, ledger.expected(u, `${month}-01`, last));
        tallies.shown += t.shown;
        tallies.small += t.small;
        tallies.hidden += t.hidden;
      }
      const year = await c(u).statistics({ year: '2025' });
      expectMatchesLedger(year, ledger.expected(u, '2025-01-01', '2025-12-31'));
    }
    expect(tallies.small).toBeGreaterThan(20);
    expect(tallies.shown).toBeGreaterThan(100);

    const atM = await c(M).statistics({ year: '2025' });
    // Malmö accepted 6 in March (shown that month) and 3 in April ("<5"): the year's 9 less March's 6
    // would give April's 3 back, so the year hides the 9, and its total, though neither is small.
    expect(figure(await c(M).statistics({ month: '2025-03' }), 'decisions-on-received', 'accepted')).toBe(6);
    expect(figure(await c(M).statistics({ month: '2025-04' }), 'decisions-on-received', 'accepted')).toBe(
      '<5',
    );
    expect(figure(atM, 'decisions-on-received', 'accepted')).toBe('x');
    expect(figure(atM, 'decisions-on-received', 'total')).toBe('x');
    expect(figure(atM, 'referrals-received', 'goteborg')).toBe('<5');
    // Counts of 1, 2, 3 and 4 for the year are all "<5".
    const atJ = await c(J).statistics({ year: '2025' });
    expect(figure(atJ, 'referrals-sent', 'goteborg')).toBe('<5'); // 1
    expect(figure(atJ, 'referrals-received', 'malmo')).toBe('<5'); // 2
    expect(figure(atM, 'referrals-received', 'goteborg')).toBe('<5'); // 3
    expect(figure(atJ, 'closures', 'discontinued')).toBe('<5'); // 1
    // Five completed are shown; the six closures are not: September published 5, and 6 − 5 would give
    // December's "<5" back.
    expect(figure(atJ, 'closures', 'completed')).toBe(5);
    expect(figure(await c(J).statistics({ month: '2025-09' }), 'closures', 'total')).toBe(5);
    expect(figure(await c(J).statistics({ month: '2025-12' }), 'closures', 'total')).toBe('<5');
    expect(figure(atJ, 'closures', 'total')).toBe('x');
    const atG = await c(G).statistics({ year: '2025' });
    expect(figure(atG, 'referrals-sent', 'malmo')).toBe('<5'); // 3
    expect(figure(atM, 'decisions-on-sent', 'total')).toBe('<5'); // 2

    // Malmö's costs paid for Stockholm's cases in April (6 × 10 000): shown for the month; the year's
    // amounts cover six cases each.
    const aprilM = await c(M).statistics({ month: '2025-04' });
    expect(figure(aprilM, 'costs-paid', 'krisstod')).toBe(60_000);
    // In May Malmö paid 6 × 4 000 kontaktperson for Stockholm's and 3 × 8 000 krisstöd for Göteborg's:
    // the krisstöd covers three cases ("x"), and kontaktperson is hidden with it so the total gives nothing back.
    const mayM = await c(M).statistics({ month: '2025-05' });
    expect(figure(mayM, 'costs-paid', 'krisstod')).toBe('x');
    expect(figure(mayM, 'costs-paid', 'kontaktperson')).toBe('x');
    expect(figure(mayM, 'costs-paid', 'total')).toBe(48_000);
  });

  it('each unit signs its figures for the agreement period and every unit’s joint report verifies all three', async () => {
    setDay(w, '2026-01-10');
    for (const u of [J, G, M] as const) {
      const { sent, figures } = await c(u).sendFigures();
      expect(sent.submitted).toBe(true);
      expect(figures.statistics.period).toEqual({ label: '2025', from: '2025-01-01', to: '2025-12-31' });
    }
    await syncYear(w);
    for (const u of [J, G, M] as const) {
      const received = (await c(u).pendingEvents(10_000)).filter((e) => e.type === 'figures.received');
      expect(received.map((e) => e.data.unit).sort()).toEqual([G, M, J].sort());
      const report = await c(u).evaluationReport();
      expect(report.complete).toBe(true);
      expect(report.signatures.map((s) => [s.unit, s.device])).toEqual(
        ([J, G, M] as const).map((x) => [x, w.world.units[x].key.kid]),
      );
      expect(report.quota.map((q) => [q.municipality, q.handedOver, q.received, q.balance])).toEqual([
        ['stockholm', 6, 1, 5],
        ['goteborg', 3, 0, 3],
        ['malmo', 1, 9, -8],
      ]);
      expect(report.quotaBalanced).toBe(true);
      expect(report.reconciliations.map((r) => [r.label, r.units.map((x) => x.unit), r.consistent])).toEqual([
        ['2025-H1', [G, M], true],
        ['2025-H1', [M, J], true],
      ]);
      expect(report.costs).toEqual(await c(M).reconciliationTotals());
    }
  });

  it.skipIf(!HAVE_PDF)('the joint report prints to PDF, and its text shows every figure of it', async () => {
    const report = await c(J).evaluationReport();
    const html = renderEvaluationReport(report, {
      generatedAt: w.relay.clock.date,
      stylesheet: 'inline',
      deviceName: (kid) => c(J).directory.device(kid)?.name,
    });
    const { pdf, text } = await printHtml(html);
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const printed = squeeze(text);
    const lines = text.split('\n').map((l) => squeeze(l).trim());
    const texts = textsFor('sv');
    const names = namesOf(report.agreement);
    /**
     * A table row as `pdftotext -layout` prints it: on one line its label (or the label's first words,
     * when the label wraps in its cell) and then every figure, in order.
     */
    const row = (label: string, ...figures: string[]) => {
      const tail = ` ${squeeze(figures.join(' '))}`;
      const found = lines.some(
        (l) => l.endsWith(tail) && label.startsWith(l.slice(0, l.length - tail.length)),
      );
      expect(found, `a printed row "${label}" with ${figures.join(' | ')}`).toBe(true);
    };
    expect(printed).toContain('Gemensam utvärderingsrapport');
    expect(printed).toContain(
      'Alla parters siffror finns med, signaturerna stämmer och siffrorna stämmer med varandra.',
    );
    // Each signature, with its day and its check.
    const signed = texts.dateTime(report.signatures[0]!.signedAt).split(' ').slice(0, 3).join(' ');
    expect(lines.filter((l) => l.includes(signed) && l.endsWith(' Ja'))).toHaveLength(3);
    for (const s of report.signatures) expect(printed).toContain(names.unit(s.unit).split(' ')[0]!);
    for (const q of report.quota) {
      const balance = q.balance > 0 ? `+${q.balance}` : q.balance < 0 ? `−${-q.balance}` : '0';
      row(
        names.municipality(q.municipality),
        `${q.quota.outgoing} / ${q.quota.incoming}`,
        String(q.handedOver),
        String(q.received),
        balance,
      );
    }
    expect(printed).toContain('Lika många ärenden har lämnats som tagits emot, totalt.');
    for (const cost of report.costs) {
      row(
        names.municipality(cost.municipality),
        ...[
          cost.paidForOthers,
          cost.paidByOthers,
          cost.settlementsPaid,
          cost.settlementsReceived,
          cost.borne,
        ].map((n) => texts.amount(n)),
      );
    }
    // The settlements of the reconciliations, each on a line of its cell.
    for (const settled of ['betalar 39 500 kr', 'betalar 12 000 kr']) {
      expect(lines.some((l) => l.includes(settled))).toBe(true);
    }
    // Every figure of every unit's statistics, with their sum, row by row; a table in which both units
    // of a case count it has no sum (a dash), so that no case is counted twice (PROTOCOL.md §21.3).
    let rows = 0;
    const first = report.units[0]!.statistics;
    for (const table of first.tables) {
      const combined = report.combined.find((t) => t.id === table.id);
      if (['closures', 'services'].includes(table.id) || table.id.startsWith('outcome-')) {
        expect(combined).toBeUndefined();
      } else {
        expect(combined).toBeDefined();
      }
      const keys = [
        ...new Set(
          report.units.flatMap((u) =>
            u.statistics.tables.find((t) => t.id === table.id)!.rows.map((x) => x.key),
          ),
        ),
      ];
      for (const key of keys) {
        const cells = report.units.map((u) => {
          const f = u.statistics.tables.find((t) => t.id === table.id)!.rows.find((x) => x.key === key);
          // A row a unit does not have (its own municipality, among the cities) is printed as a dash.
          return f ? figureText(texts, table.kind, f.value) : '–';
        });
        const sum = combined?.rows.find((x) => x.key === key);
        row(
          rowLabel(texts, names, table.id, key),
          ...cells,
          sum ? figureText(texts, table.kind, sum.value) : '–',
        );
        rows++;
      }
    }
    expect(rows).toBeGreaterThan(60);
  });

  it('years later, retention purges the ended cases and the old keys, leaving only signed purge records', async () => {
    const jarva = c(J);
    const ended = [...jm, jg, ...mj];
    // Half a year after the old key ran out, it stays: the cases it opened are kept.
    setDay(w, '2026-06-01');
    expect(await jarva.purge({ dryRun: true })).toEqual({
      cases: [],
      reconciliations: [],
      keys: [],
      record: null,
    });

    // Göteborg declined Järva's case on 4 March 2025: kept to 4 March 2030.
    setDay(w, '2030-03-04');
    expect(await remindersOf(jarva, jg)).toEqual([]);
    setDay(w, '2030-03-05');
    expect(await remindersOf(jarva, jg)).toEqual(['retention us 2030-03-05']);

    // The five closed on 15 September 2025 go on 16 September 2030, with the two declined ones.
    setDay(w, '2030-09-16');
    const first = await jarva.purge({ by: 'Sara Svensson' });
    expect(new Set(first.cases)).toEqual(new Set([...jm.slice(0, 5), jg, mj[1]!]));
    expect(first.reconciliations).toEqual([]);
    expect(first.keys).toEqual([]);
    expect((await jarva.listCases()).map((v) => v.caseId).sort()).toEqual([jm[5]!, mj[0]!].sort());

    // The rest in January 2031; with them the half-year's reconciliation (all its cases gone) and both keys.
    setDay(w, '2031-01-15');
    const second = await jarva.purge({ by: 'Sara Svensson' });
    expect(new Set(second.cases)).toEqual(new Set([jm[5]!, mj[0]!]));
    expect(second.reconciliations).toHaveLength(1);
    expect(new Set(second.keys)).toEqual(new Set([oldKeys[J], newKeys[J]]));
    // Destroyed: both private keys are gone from memory (the client held these very objects), so their
    // secrets can no longer be read.
    expect(w.world.units[J].hpke.map((k) => k.kid).sort()).toEqual([oldKeys[J], newKeys[J]].sort());
    for (const k of w.world.units[J].hpke) expect(() => k.exportSecret()).toThrow('key destroyed');

    const records = await jarva.purgeRecords();
    expect(records.map((r) => [r.record.by, r.record.cases.length, r.record.device])).toEqual([
      ['Sara Svensson', 7, w.world.units[J].key.kid],
      ['Sara Svensson', 2, w.world.units[J].key.kid],
    ]);
    expect(records.flatMap((r) => r.record.cases).sort()).toEqual([...ended].sort());
    // Nothing of the cases is left but the purge records: no table holds a case id, in its rows or inside
    // a signed packet or document kept there.
    const tables = await w.stores[J].db.introspection.getTables();
    const all = await snapshot(
      w.stores[J].db,
      tables.map((t) => t.name).filter((n) => n.startsWith('brygga_') && n !== 'brygga_purges') as never,
    );
    const decoded = reveal(all);
    expect(decoded).toContain('"kind":"brygga.quota-claim"');
    for (const id of ended) expect(decoded).not.toContain(id);
    expect(await jarva.listCases()).toEqual([]);
    expect(await jarva.reconciliations()).toEqual([]);
    expect(await jarva.statistics({ year: '2025' })).toMatchObject({ unit: J });
    expect(await jarva.deviationRegister()).toEqual([]);
    const events = await jarva.pendingEvents(100_000);
    expect(events.filter((e) => e.type === 'retention.purged').map((e) => e.data.cases)).toEqual([7, 2]);
  });
});
