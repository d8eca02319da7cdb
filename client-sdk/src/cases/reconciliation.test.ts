/** Reconciliation and settlement between two municipalities (PROTOCOL.md §16), and the totals per city. */
import { describe, expect, it } from 'vitest';
import { caseWorld, contextOf, newCaseId } from '../../../test/support/case-world.js';
import { codeOf } from '../../../test/support/error-code.js';
import { Agreement, type ReportingTerms } from '../directory/agreement.js';
import {
  type CaseCostRecord,
  computeReconciliation,
  countersignReconciliation,
  halfYearBounds,
  proposeReconciliation,
  reconciliationId,
  reconciliationPeriod,
  reconciliationPeriodOf,
  reconciliationPeriodsBetween,
  reconciliationTotals,
  verifyReconciliation,
} from './reconciliation.js';

const world = caseWorld();
const { resolve } = contextOf(world);
const now = new Date('2025-07-02T10:00:00Z');

const stockholmCase: CaseCostRecord = {
  caseId: newCaseId(),
  home: 'stockholm-jarva',
  receiving: 'malmo',
  lines: [
    { service: 'krisstod', month: '2025-03', amountSek: 12_000 },
    { service: 'kontaktperson', month: '2025-03', amountSek: 8_000 },
    { service: 'kontaktperson', month: '2025-07', amountSek: 5_000 },
  ],
};
const malmoCase: CaseCostRecord = {
  caseId: newCaseId(),
  home: 'malmo',
  receiving: 'stockholm-jarva',
  lines: [{ service: 'krisstod', month: '2025-05', amountSek: 4_001 }],
};
const goteborgCase: CaseCostRecord = {
  caseId: newCaseId(),
  home: 'goteborg-nordost',
  receiving: 'stockholm-jarva',
  lines: [{ service: 'krisstod', month: '2025-04', amountSek: 99_999 }],
};

function statement(
  cases = [stockholmCase, malmoCase, goteborgCase],
  units: [string, string] = ['malmo', 'stockholm-jarva'],
) {
  return computeReconciliation({ agreement: world.agreement, units, label: '2025-H1', cases, now });
}

describe('reconciliation', () => {
  it("sums what each municipality paid for the other's cases in the half-year, and evens it out", () => {
    const s = statement();
    expect(s.period).toEqual({ label: '2025-H1', from: '2025-01-01', to: '2025-06-30' });
    expect(s.units.map((u) => u.unit)).toEqual(['malmo', 'stockholm-jarva']);
    expect(s.lines).toHaveLength(3);
    expect(s.paid).toEqual([
      { municipality: 'malmo', amountSek: 20_000 },
      { municipality: 'stockholm', amountSek: 4_001 },
    ]);
    // Equal shares: Stockholm pays Malmö half the difference, rounded down to whole kronor.
    expect(s.settlement).toEqual({ from: 'stockholm', to: 'malmo', amountSek: 7_999 });
  });

  it('is the same whichever unit computes it, and null settlement when even', () => {
    const a = statement(undefined, ['malmo', 'stockholm-jarva']);
    const b = statement([goteborgCase, malmoCase, stockholmCase], ['stockholm-jarva', 'malmo']);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const even = statement([
      { ...stockholmCase, lines: [{ service: 'krisstod', month: '2025-03', amountSek: 100 }] },
      { ...malmoCase, lines: [{ service: 'krisstod', month: '2025-03', amountSek: 101 }] },
    ]);
    expect(even.settlement).toBeNull();
  });

  it('is between two units of different municipalities', () => {
    expect(codeOf(() => statement(undefined, ['malmo', 'malmo']))).toBe('ERR_WRONG_PARTY');
    expect(codeOf(() => halfYearBounds('2025-H3'))).toBe('ERR_MALFORMED');
  });

  it('both sides sign the same payload; a counterpart with other figures refuses', () => {
    const proposal = proposeReconciliation(statement(), world.devices.malmo.key);
    const half = verifyReconciliation(proposal, resolve);
    expect(half).toMatchObject({ complete: false, signedBy: ['malmo'] });
    const mine = { ...statement(), iat: 1 };
    const agreed = countersignReconciliation(
      proposal,
      mine,
      world.devices['stockholm-jarva'].key,
      'stockholm-jarva',
      resolve,
    );
    const full = verifyReconciliation(agreed, resolve);
    expect(full).toMatchObject({ complete: true, signedBy: ['malmo', 'stockholm-jarva'] });
    expect(reconciliationId(agreed)).toBe(reconciliationId(proposal));
    const differing = statement([stockholmCase]);
    expect(
      codeOf(() =>
        countersignReconciliation(
          proposal,
          differing,
          world.devices['stockholm-jarva'].key,
          'stockholm-jarva',
          resolve,
        ),
      ),
    ).toBe('ERR_RECONCILIATION_MISMATCH');
  });

  it('refuses a signature of another unit, a unit signing twice and a forged signature', () => {
    const proposal = proposeReconciliation(statement(), world.devices.malmo.key);
    const byGoteborg = proposeReconciliation(statement(), world.devices['goteborg-nordost'].key);
    expect(codeOf(() => verifyReconciliation(byGoteborg, resolve))).toBe('ERR_WRONG_PARTY');
    const twice = { ...proposal, signatures: [proposal.signatures[0]!, proposal.signatures[0]!] };
    expect(codeOf(() => verifyReconciliation(twice, resolve))).toBe('ERR_WRONG_PARTY');
    const sig = proposal.signatures[0]!;
    const forged = {
      ...proposal,
      signatures: [
        { ...sig, signature: `${sig.signature.slice(0, -2)}${sig.signature.endsWith('AA') ? 'BA' : 'AA'}` },
      ],
    };
    expect(codeOf(() => verifyReconciliation(forged, resolve))).toBe('ERR_CRYPTO');
  });

  it('settles only a deviation of significance, as the agreement sets it (PROTOCOL.md §5.3)', () => {
    const under = (reporting: ReportingTerms) =>
      computeReconciliation({
        agreement: Agreement.create({ ...world.agreement.terms, reporting }),
        units: ['malmo', 'stockholm-jarva'],
        label: '2025-H1',
        cases: [stockholmCase, malmoCase],
        now,
      });
    // The transfer is 7 999 SEK: settled when the threshold is at most that, not above.
    expect(under({ notableDeviationSek: 7_999 }).settlement).toEqual({
      from: 'stockholm',
      to: 'malmo',
      amountSek: 7_999,
    });
    const below = under({ notableDeviationSek: 8_000 });
    expect(below.settlement).toBeNull();
    expect(below.paid).toEqual(statement([stockholmCase, malmoCase]).paid);
  });

  it('covers the periods of the agreement: quarters, half-years or years', () => {
    expect(reconciliationPeriod('2025-Q2')).toEqual({
      label: '2025-Q2',
      from: '2025-04-01',
      to: '2025-06-30',
      months: 3,
    });
    expect(reconciliationPeriod('2024-H1')).toMatchObject({
      from: '2024-01-01',
      to: '2024-06-30',
      months: 6,
    });
    expect(reconciliationPeriod('2025')).toMatchObject({ from: '2025-01-01', to: '2025-12-31', months: 12 });
    expect(reconciliationPeriod('2024-Q1').to).toBe('2024-03-31');
    for (const bad of ['2025-Q5', '2025-H0', '25-H1', '2025-', '2025-h1']) {
      expect(codeOf(() => reconciliationPeriod(bad))).toBe('ERR_MALFORMED');
    }
    expect(['2025-01', '2025-03', '2025-04', '2025-12'].map((m) => reconciliationPeriodOf(m, 3))).toEqual([
      '2025-Q1',
      '2025-Q1',
      '2025-Q2',
      '2025-Q4',
    ]);
    expect(reconciliationPeriodOf('2025-07', 6)).toBe('2025-H2');
    expect(reconciliationPeriodOf('2025-07', 12)).toBe('2025');
    expect(reconciliationPeriodsBetween('2025-03-15', '2026-01-01', 6)).toEqual([
      '2025-H1',
      '2025-H2',
      '2026-H1',
    ]);
    expect(reconciliationPeriodsBetween('2025-03-15', '2025-04-01', 3)).toEqual(['2025-Q1', '2025-Q2']);
    expect(reconciliationPeriodsBetween('2025-01-01', '2026-12-31', 12)).toEqual(['2025', '2026']);
    const quarterly = Agreement.create({
      ...world.agreement.terms,
      reporting: { reconciliationIntervalMonths: 3 },
    });
    const q = computeReconciliation({
      agreement: quarterly,
      units: ['malmo', 'stockholm-jarva'],
      label: '2025-Q2',
      cases: [stockholmCase, malmoCase],
      now,
    });
    // April–June: only Malmö's case's May line.
    expect(q.paid).toEqual([
      { municipality: 'malmo', amountSek: 0 },
      { municipality: 'stockholm', amountSek: 4_001 },
    ]);
    // A half-year under a quarterly agreement, or a quarter under a half-yearly one, is refused.
    expect(
      codeOf(() =>
        computeReconciliation({
          agreement: quarterly,
          units: ['malmo', 'stockholm-jarva'],
          label: '2025-H1',
          cases: [],
          now,
        }),
      ),
    ).toBe('ERR_MALFORMED');
    expect(
      codeOf(() =>
        computeReconciliation({
          agreement: world.agreement,
          units: ['malmo', 'stockholm-jarva'],
          label: '2025-Q2',
          cases: [],
          now,
        }),
      ),
    ).toBe('ERR_MALFORMED');
  });

  it('totals each city across every pair of units', () => {
    const sm = statement();
    const sg = statement(undefined, ['goteborg-nordost', 'stockholm-jarva']);
    // Göteborg's case in Stockholm cost Stockholm 99 999 SEK: Göteborg settles 49 999.
    expect(sg.settlement).toEqual({ from: 'goteborg', to: 'stockholm', amountSek: 49_999 });
    expect(reconciliationTotals([sm, sg])).toEqual([
      {
        municipality: 'goteborg',
        paidForOthers: 0,
        paidByOthers: 99_999,
        settlementsPaid: 49_999,
        settlementsReceived: 0,
        borne: 49_999,
      },
      {
        municipality: 'malmo',
        paidForOthers: 20_000,
        paidByOthers: 4_001,
        settlementsPaid: 0,
        settlementsReceived: 7_999,
        borne: 12_001,
      },
      {
        municipality: 'stockholm',
        paidForOthers: 4_001 + 99_999,
        paidByOthers: 20_000,
        settlementsPaid: 7_999,
        settlementsReceived: 49_999,
        borne: 4_001 + 99_999 + 7_999 - 49_999,
      },
    ]);
    // Every krona paid for another municipality's cases is paid for some municipality's.
    const all = reconciliationTotals([sm, sg]);
    const sum = (k: 'paidForOthers' | 'paidByOthers' | 'borne') => all.reduce((a, t) => a + t[k], 0);
    expect(sum('paidForOthers')).toBe(sum('paidByOthers'));
    expect(sum('borne')).toBe(sum('paidForOthers'));
  });
});
