/**
 * Reminders and deadlines (PROTOCOL.md §22), retention (§23) and the deviation register (§20.5), as pure
 * functions of case states: each reminder appears and disappears on the day the rules say.
 */
import { describe, expect, it } from 'vitest';
import { accepted, at, kase } from '../../../test/support/case-states.js';
import { caseWorld } from '../../../test/support/case-world.js';
import { Agreement } from '../directory/agreement.js';
import type { CaseState } from './case-state.js';
import { deviationRegister, deviationRegisterCsv, exportDeviationRegister } from './deviation-register.js';
import { computeReminders, type ReconciliationState } from './reminders.js';
import {
  expiredCases,
  hpkeKeysToDestroy,
  IN_FLIGHT_SECONDS,
  purgeableOn,
  retainedUntil,
} from './retention.js';

const world = caseWorld();
const agreement = Agreement.create({
  ...world.agreement.terms,
  period: { from: '2025-01-01', to: '2025-12-31' },
});

function due(unit: string, cases: CaseState[], today: string, reconciliations: ReconciliationState[] = []) {
  return computeReminders({ unit, agreement, cases, reconciliations, today });
}

/** The kinds and due days of what `unit` has on each of `days`. */
function over(unit: string, cases: CaseState[], days: string[]) {
  return Object.fromEntries(
    days.map((d) => [d, due(unit, cases, d).map((r) => `${r.kind} ${r.actor} ${r.dueOn}`)]),
  );
}

describe('reminders', () => {
  it('a referral undecided beyond the limit (14 days), for the receiving unit to act', () => {
    const c = kase({ referredOn: '2025-03-01' });
    expect(over('malmo', [c], ['2025-03-15', '2025-03-16'])).toEqual({
      '2025-03-15': [],
      '2025-03-16': ['decision us 2025-03-15'],
    });
    expect(due('stockholm-jarva', [c], '2025-03-16').map((r) => r.actor)).toEqual(['them']);
    expect(due('malmo', [c], '2025-03-16')[0]).toMatchObject({
      caseId: c.caseId,
      counterpart: 'stockholm-jarva',
      overdue: true,
    });
    const decided = { ...c, status: 'accepted' as const };
    expect(due('malmo', [decided], '2025-03-16')).toEqual([]);
    // A unit outside the case sees nothing of it.
    expect(due('goteborg-nordost', [c], '2025-03-16')).toEqual([]);
  });

  it('a follow-up a month after the last one, or after the plan', () => {
    const c = accepted('2025-03-01', '2025-03-05');
    expect(over('stockholm-jarva', [c], ['2025-04-04', '2025-04-05'])).toEqual({
      '2025-04-04': [],
      '2025-04-05': ['follow-up us 2025-04-05'],
    });
    expect(due('malmo', [c], '2025-04-05').map((r) => r.actor)).toEqual(['them']);
    const followed = { ...c, lastFollowUpOn: '2025-04-07' };
    expect(over('stockholm-jarva', [followed], ['2025-05-06', '2025-05-07'])).toEqual({
      '2025-05-06': [],
      '2025-05-07': ['follow-up us 2025-05-07'],
    });
    // The 31st: due on the last day of a shorter month.
    const january = accepted('2025-01-02', '2025-01-10', { lastFollowUpOn: '2025-01-31' });
    expect(due('stockholm-jarva', [january], '2025-02-28')[0]?.dueOn).toBe('2025-02-28');
    const quarterly = Agreement.create({ ...agreement.terms, reporting: { followUpIntervalMonths: 3 } });
    expect(
      computeReminders({
        unit: 'stockholm-jarva',
        agreement: quarterly,
        cases: [c],
        reconciliations: [],
        today: '2025-05-05',
      }),
    ).toEqual([]);
  });

  it('a consent running out, 30 days before its last day, until a later consent stands', () => {
    const consent = {
      id: 'k'.repeat(22),
      form: 'written' as const,
      scope: { units: ['stockholm-jarva', 'malmo'], police: true, processing: true },
      validFrom: '2025-03-01',
      validUntil: '2025-06-30',
      attestedIn: 'r'.repeat(43),
      withdrawnIn: null,
    };
    const c = accepted('2025-03-01', '2025-03-05', { consents: [consent], lastFollowUpOn: '2025-12-01' });
    const kinds = (day: string) =>
      due('stockholm-jarva', [c], day).filter((r) => r.kind === 'consent-expiry');
    expect(kinds('2025-05-30')).toEqual([]);
    expect(kinds('2025-05-31')).toMatchObject([{ dueOn: '2025-06-30', overdue: false, actor: 'us' }]);
    expect(kinds('2025-07-01')).toMatchObject([{ overdue: true }]);
    const renewed = {
      ...c,
      consents: [consent, { ...consent, id: 'm'.repeat(22), validUntil: '2026-06-30' }],
    };
    expect(
      due('stockholm-jarva', [renewed], '2025-06-15').filter((r) => r.kind === 'consent-expiry'),
    ).toEqual([]);
    const untilFurther = { ...c, consents: [{ ...consent, validUntil: null }] };
    expect(
      due('stockholm-jarva', [untilFurther], '2025-06-15').filter((r) => r.kind === 'consent-expiry'),
    ).toEqual([]);
  });

  it('an urgent child notice: at once for the unit that must answer, and for its sender after the limit', () => {
    const notice = {
      at: at('2025-04-02'),
      unit: 'malmo',
      in: 'n'.repeat(43),
      proposed: 'home' as const,
      answeredAt: null,
      answeredIn: null,
      settlement: null,
    };
    const c = accepted('2025-03-01', '2025-03-05', {
      childNoticeLog: [notice],
      lastFollowUpOn: '2025-04-01',
    });
    const kinds = (unit: string, day: string) =>
      due(unit, [c], day)
        .filter((r) => r.kind === 'child-notice')
        .map((r) => `${r.actor} ${r.dueOn}`);
    expect(kinds('stockholm-jarva', '2025-04-02')).toEqual(['us 2025-04-03']);
    expect(kinds('malmo', '2025-04-03')).toEqual([]);
    expect(kinds('malmo', '2025-04-04')).toEqual(['them 2025-04-03']);
    // Past the limit it is overdue at both units: both must act (PROTOCOL.md §14.7).
    for (const unit of ['stockholm-jarva', 'malmo']) {
      expect(due(unit, [c], '2025-04-04').filter((r) => r.kind === 'child-notice')).toMatchObject([
        { overdue: true, dueOn: '2025-04-03' },
      ]);
    }
    const answered = {
      ...c,
      childNoticeLog: [{ ...notice, answeredAt: at('2025-04-02') + 600, answeredIn: 'a'.repeat(43) }],
    };
    expect(due('stockholm-jarva', [answered], '2025-04-02').filter((r) => r.kind === 'child-notice')).toEqual(
      [],
    );
  });

  it('a reconciliation of each half-year with costs between two units, until both have signed', () => {
    const c = accepted('2025-03-01', '2025-03-05', {
      costs: [{ service: 'krisstod', month: '2025-05', amountSek: 10_000 }],
      closure: {
        closedOn: '2025-06-20',
        reason: 'completed',
        outcomes: null,
        in: 'z'.repeat(43),
        at: at('2025-06-20'),
      },
      status: 'closed',
    });
    const recon = (day: string, held: ReconciliationState[] = []) =>
      due('stockholm-jarva', [c], day, held).filter((r) => r.kind === 'reconciliation');
    expect(recon('2025-06-30')).toEqual([]);
    expect(recon('2025-07-01')).toMatchObject([
      { period: '2025-H1', counterpart: 'malmo', actor: 'us', dueOn: '2025-07-01', caseId: null },
    ]);
    const proposed = {
      units: ['malmo', 'stockholm-jarva'],
      label: '2025-H1',
      complete: false,
      signedBy: ['stockholm-jarva'],
    };
    expect(recon('2025-07-02', [proposed])).toMatchObject([{ actor: 'them' }]);
    expect(
      recon('2025-07-02', [{ ...proposed, complete: true, signedBy: ['stockholm-jarva', 'malmo'] }]),
    ).toEqual([]);
    // Göteborg, with no case with Järva, has nothing to reconcile.
    expect(due('goteborg-nordost', [c], '2025-07-02')).toEqual([]);
  });

  it('a closed or declined case to purge when its retention (5 years) has run out', () => {
    const closed = accepted('2025-03-01', '2025-03-05', {
      status: 'closed',
      closure: {
        closedOn: '2025-10-31',
        reason: 'completed',
        outcomes: null,
        in: 'z'.repeat(43),
        at: at('2025-10-31'),
      },
    });
    const declined = kase({
      referredOn: '2025-04-01',
      status: 'declined',
      decision: { decision: 'decline', reason: 'safety', in: 'd'.repeat(43), at: at('2025-04-03') },
    });
    const open = accepted('2025-03-01', '2025-03-05', { lastFollowUpOn: '2035-01-01' });
    expect(retainedUntil(closed, 5)).toBe('2030-10-31');
    expect(purgeableOn(declined, 5)).toBe('2030-04-04');
    expect(retainedUntil(open, 5)).toBeNull();
    expect(expiredCases([closed, declined, open], 5, '2030-10-31').map((c) => c.caseId)).toEqual([
      declined.caseId,
    ]);
    expect(expiredCases([closed, declined, open], 5, '2030-11-01')).toHaveLength(2);
    expect(due('stockholm-jarva', [closed], '2030-10-31')).toEqual([]);
    expect(due('stockholm-jarva', [closed], '2030-11-01')).toMatchObject([
      { kind: 'retention', dueOn: '2030-11-01' },
    ]);
  });

  it('a closure dated back is kept from the day it was signed, never purged early', () => {
    const closure = (closedOn: string, signedOn: string) =>
      accepted('2025-03-01', '2025-03-05', {
        status: 'closed',
        closure: { closedOn, reason: 'completed', outcomes: null, in: 'z'.repeat(43), at: at(signedOn) },
      });
    // Typed as 2015 instead of 2025: kept five years from the day it was signed.
    const slip = closure('2015-10-31', '2025-10-31');
    expect(retainedUntil(slip, 5)).toBe('2030-10-31');
    expect(expiredCases([slip], 5, '2025-11-01')).toEqual([]);
    expect(due('stockholm-jarva', [slip], '2025-11-01')).toEqual([]);
    // Dated a few days back, as a closure often is: the signing day counts.
    expect(retainedUntil(closure('2025-10-28', '2025-10-31'), 5)).toBe('2030-10-31');
    // Dated ahead: its own day counts.
    expect(retainedUntil(closure('2025-11-30', '2025-10-31'), 5)).toBe('2030-11-30');
  });
});

describe('old HPKE keys', () => {
  const key = { kid: 'K'.repeat(43), nbf: at('2025-01-01'), exp: at('2026-01-01') };
  it('stay while a packet could still be in flight, and while a case record from their time is kept', () => {
    const after = (day: string, received: number[] = []) =>
      hpkeKeysToDestroy([key], received, new Date(`${day}T12:00:00Z`));
    expect(after('2026-01-30')).toEqual([]);
    expect(new Date((key.exp + IN_FLIGHT_SECONDS) * 1000).toISOString().slice(0, 10)).toBe('2026-01-31');
    expect(after('2026-01-31')).toEqual([key.kid]);
    // A record that arrived while the key was in use keeps it; one from before or after does not.
    expect(after('2030-01-01', [at('2025-06-01')])).toEqual([]);
    expect(after('2030-01-01', [at('2024-06-01'), at('2026-06-01')])).toEqual([key.kid]);
  });
});

describe('the deviation register', () => {
  const deviation = (on: string, unit: string, extra = {}) => ({
    on,
    at: at(on),
    unit,
    inReferral: false,
    reason: 'acute-time-pressure' as const,
    rule: 'police-consultation' as const,
    guideline: 'Riktlinje 4.2: samråd före flytt' as string | null,
    decidedBy: { name: 'Chef C', role: 'enhetschef' },
    in: `${on}${'x'.repeat(33)}`,
    ...extra,
  });
  const a = accepted('2025-03-01', '2025-03-05', {
    deviationLog: [deviation('2025-05-02', 'stockholm-jarva'), deviation('2025-04-01', 'malmo')],
  });
  const b = accepted('2025-03-01', '2025-03-05', {
    home: 'malmo',
    receiving: 'stockholm-jarva',
    deviationLog: [
      deviation('2025-03-20', 'stockholm-jarva', {
        reason: 'safety',
        rule: 'guideline',
        guideline: '=HYPERLINK("x")',
      }),
    ],
  });

  it('lists the unit’s own deviations in date order, numbered, with the rule, reason and decision-maker', () => {
    const register = deviationRegister('stockholm-jarva', [a, b]);
    expect(register.map((e) => [e.number, e.on, e.reason, e.counterpart, e.caseId])).toEqual([
      [1, '2025-03-20', 'safety', 'malmo', b.caseId],
      [2, '2025-05-02', 'acute-time-pressure', 'malmo', a.caseId],
    ]);
    expect(deviationRegister('malmo', [a, b]).map((e) => e.on)).toEqual(['2025-04-01']);
    // Cut to days, the numbers stay those of the whole register.
    expect(deviationRegister('stockholm-jarva', [a, b], { from: '2025-04-01' }).map((e) => e.number)).toEqual(
      [2],
    );
  });

  it('is exported for the oversight body without the cases, as JSON and CSV', () => {
    const exported = exportDeviationRegister('stockholm-jarva', deviationRegister('stockholm-jarva', [a, b]));
    const text = JSON.stringify(exported);
    expect(text).not.toContain(a.caseId);
    expect(text).not.toContain(b.caseId);
    expect(exported.entries[1]).toEqual({
      number: 2,
      date: '2025-05-02',
      rule: 'police-consultation',
      guideline: 'Riktlinje 4.2: samråd före flytt',
      reason: 'acute-time-pressure',
      decidedBy: { name: 'Chef C', role: 'enhetschef' },
    });
    const csv = deviationRegisterCsv(exported).split('\r\n');
    expect(csv[0]).toBe('number,date,rule,guideline,reason,decided_by,role');
    // Words that a spreadsheet would run as a formula stay text.
    expect(csv[1]).toBe(`1,2025-03-20,guideline,"'=HYPERLINK(""x"")",safety,Chef C,enhetschef`);
    expect(csv[2]).toBe(
      '2,2025-05-02,police-consultation,Riktlinje 4.2: samråd före flytt,acute-time-pressure,Chef C,enhetschef',
    );
    // A deviation without words leaves their column empty.
    const bare = exportDeviationRegister('stockholm-jarva', [
      { ...deviationRegister('stockholm-jarva', [a])[0]!, guideline: null },
    ]);
    expect(deviationRegisterCsv(bare).split('\r\n')[1]).toBe(
      '1,2025-05-02,police-consultation,,acute-time-pressure,Chef C,enhetschef',
    );
  });
});
