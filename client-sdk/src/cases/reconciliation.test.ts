/** Six-monthly reconciliation and settlement between two municipalities (PROTOCOL.md §16). */
import { describe, expect, it } from 'vitest';
import { caseWorld, contextOf, newCaseId } from '../../../test/support/case-world.js';
import { codeOf } from '../../../test/support/error-code.js';
import {
  type CaseCostRecord,
  computeReconciliation,
  countersignReconciliation,
  halfYearBounds,
  proposeReconciliation,
  reconciliationId,
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
});
