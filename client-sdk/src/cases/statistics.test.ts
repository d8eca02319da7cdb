/**
 * A unit's de-identified statistics (PROTOCOL.md §20) over case states made to order: every figure is
 * the count it should be, small ones are suppressed, a year does not give a suppressed month back, and
 * nothing in the output names a case.
 */
import { describe, expect, it } from 'vitest';
import { accepted, at, kase } from '../../../test/support/case-states.js';
import { caseWorld } from '../../../test/support/case-world.js';
import { codeOf } from '../../../test/support/error-code.js';
import { Agreement } from '../directory/agreement.js';
import {
  agreementStatisticsPeriod,
  computeStatistics,
  type StatisticsReport,
  statisticsCsv,
  statisticsPeriod,
} from './statistics.js';
import { HIDDEN } from './suppression.js';

const world = caseWorld();
const agreement = Agreement.create({
  ...world.agreement.terms,
  period: { from: '2025-01-01', to: '2025-12-31' },
});
const table = (r: StatisticsReport, id: string) => r.tables.find((t) => t.id === id)!;
const row = (r: StatisticsReport, id: string, key: string) =>
  table(r, id).rows.find((x) => x.key === key)!.value;

describe('statistics periods', () => {
  it('are a month, a year or whole months', () => {
    expect(statisticsPeriod({ month: '2026-11' })).toEqual({
      label: '2026-11',
      from: '2026-11-01',
      to: '2026-11-30',
      months: ['2026-11'],
    });
    expect(statisticsPeriod({ year: '2024' }).months).toHaveLength(12);
    expect(statisticsPeriod({ from: '2025-11', to: '2026-02' })).toMatchObject({
      label: '2025-11..2026-02',
      from: '2025-11-01',
      to: '2026-02-28',
    });
    expect(statisticsPeriod({ from: '2025-01', to: '2025-12' }).label).toBe('2025');
    expect(agreementStatisticsPeriod(agreement).label).toBe('2025');
    for (const bad of [{ month: '2026-13' }, { year: '26' }, { from: '2026-03', to: '2026-01' }, {}]) {
      expect(codeOf(() => statisticsPeriod(bad))).toBe('ERR_MALFORMED');
    }
  });
});

describe('a unit’s statistics', () => {
  // Järva in March 2025: six referrals to Malmö, two to Göteborg; Malmö decided on all of them.
  const march = [
    ...Array.from({ length: 6 }, (_, i) => accepted(`2025-03-0${i + 1}`, `2025-03-${10 + i}`)),
    kase({
      referredOn: '2025-03-20',
      receiving: 'goteborg-nordost',
      receivingMunicipality: 'goteborg',
      status: 'declined',
      decision: { decision: 'decline', reason: 'no-capacity', in: 'd'.repeat(43), at: at('2025-03-22') },
    }),
    kase({ referredOn: '2025-03-21', receiving: 'goteborg-nordost', receivingMunicipality: 'goteborg' }),
  ];
  // Malmö referred one case to Järva in March.
  const incoming = kase({
    referredOn: '2025-03-05',
    home: 'malmo',
    receiving: 'stockholm-jarva',
    homeMunicipality: 'malmo',
    receivingMunicipality: 'stockholm',
  });

  const report = computeStatistics({
    unit: 'stockholm-jarva',
    agreement,
    cases: [...march, incoming],
    period: statisticsPeriod({ month: '2025-03' }),
  });

  it('counts what happened in the period, per city, and shows counts from the threshold', () => {
    expect(report).toMatchObject({
      unit: 'stockholm-jarva',
      municipality: 'stockholm',
      period: { label: '2025-03', from: '2025-03-01', to: '2025-03-31' },
      threshold: 5,
    });
    // Two to Göteborg ("<5") and six to Malmö: with the total 8 shown, the six would give the two back,
    // so the six are hidden too.
    expect(table(report, 'referrals-sent').rows).toEqual([
      { key: 'goteborg', value: '<5' },
      { key: 'malmo', value: HIDDEN },
    ]);
    expect(table(report, 'referrals-sent').total).toBe(8);
    // One case from Malmö: the total would give it back, so it is small too.
    expect(table(report, 'referrals-received')).toMatchObject({
      rows: [
        { key: 'goteborg', value: 0 },
        { key: 'malmo', value: '<5' },
      ],
      total: '<5',
    });
    // Seven decisions on Järva's referrals: six accepted, one declined; the single decline is small and
    // the six must then be hidden too, or the total would give it back.
    expect(row(report, 'decisions-on-sent', 'accepted')).toBe(HIDDEN);
    expect(row(report, 'decisions-on-sent', 'declined-no-capacity')).toBe('<5');
    expect(table(report, 'decisions-on-sent').total).toBe(7);
    // Median days from referral to decision: 9 for the six, 2 for the decline → 9.
    expect(row(report, 'decision-days', 'sent')).toBe(9);
    expect(row(report, 'decision-days', 'received')).toBe(HIDDEN);
    expect(row(report, 'active', 'home')).toBe(6);
    expect(row(report, 'services', 'krisstod')).toBe(6);
  });

  it('names no case, person or day', () => {
    const text = JSON.stringify(report);
    for (const c of [...march, incoming]) expect(text).not.toContain(c.caseId);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}".*\d{4}-\d{2}-\d{2}.*\d{4}-\d{2}-\d{2}/);
    const csv = statisticsCsv(report);
    expect(csv.split('\r\n')[0]).toBe('unit,period,table,row,value');
    expect(csv).toContain('stockholm-jarva,2025-03,referrals-sent,goteborg,<5\r\n');
    expect(csv).toContain('stockholm-jarva,2025-03,active,home,6\r\n');
    expect(csv).toContain('stockholm-jarva,2025-03,referrals-sent,total,8\r\n');
    expect(csv).not.toMatch(/case0/);
  });

  it('a year does not give a suppressed month back', () => {
    // Three referrals to Göteborg in January ("<5" that month), six in each of February and March.
    const cases = [
      ...['2025-01-10', '2025-01-11', '2025-01-12'],
      ...Array.from({ length: 6 }, (_, i) => `2025-02-1${i}`),
      ...Array.from({ length: 6 }, (_, i) => `2025-03-1${i}`),
    ].map((day) =>
      kase({ referredOn: day, receiving: 'goteborg-nordost', receivingMunicipality: 'goteborg' }),
    );
    const month = (m: string) =>
      computeStatistics({
        unit: 'stockholm-jarva',
        agreement,
        cases,
        period: statisticsPeriod({ month: m }),
      });
    expect(row(month('2025-01'), 'referrals-sent', 'goteborg')).toBe('<5');
    expect(row(month('2025-02'), 'referrals-sent', 'goteborg')).toBe(6);
    expect(row(month('2025-03'), 'referrals-sent', 'goteborg')).toBe(6);
    const year = computeStatistics({
      unit: 'stockholm-jarva',
      agreement,
      cases,
      period: statisticsPeriod({ year: '2025' }),
    });
    // 15 for the year less 6 and 6 would be January's 3.
    expect(row(year, 'referrals-sent', 'goteborg')).toBe(HIDDEN);
    expect(table(year, 'referrals-sent').total).toBe(HIDDEN);
  });

  it('suppresses under the agreement’s threshold', () => {
    const cases = [
      ...Array.from({ length: 4 }, (_, i) =>
        kase({
          referredOn: `2025-05-0${i + 1}`,
          receiving: 'goteborg-nordost',
          receivingMunicipality: 'goteborg',
        }),
      ),
      ...Array.from({ length: 6 }, (_, i) => kase({ referredOn: `2025-05-1${i}` })),
    ];
    const under = (threshold?: number) =>
      computeStatistics({
        unit: 'stockholm-jarva',
        agreement: threshold
          ? Agreement.create({ ...agreement.terms, reporting: { suppressionThreshold: threshold } })
          : agreement,
        cases,
        period: statisticsPeriod({ month: '2025-05' }),
      });
    expect(table(under(), 'referrals-sent').rows.map((r) => r.value)).toEqual(['<5', HIDDEN]);
    const three = under(3);
    expect(three.threshold).toBe(3);
    expect(table(three, 'referrals-sent')).toMatchObject({
      rows: [
        { key: 'goteborg', value: 4 },
        { key: 'malmo', value: 6 },
      ],
      total: 10,
    });
  });

  it('refuses a unit outside the agreement', () => {
    expect(
      codeOf(() =>
        computeStatistics({
          unit: 'uppsala',
          agreement,
          cases: [],
          period: statisticsPeriod({ month: '2025-03' }),
        }),
      ),
    ).toBe('ERR_NOT_IN_AGREEMENT');
  });
});
