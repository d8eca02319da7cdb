/**
 * Units' signed figures (PROTOCOL.md §21), the joint evaluation report built from them, and signed
 * purge records (§23): really signed by the world's devices, verified, refused when forged or when they
 * are not what they claim, and matching their JSON Schemas.
 */
import { describe, expect, it } from 'vitest';
import { isValid, loadCaseSchemas } from '../../../test/support/case-schemas.js';
import { accepted, at, kase } from '../../../test/support/case-states.js';
import { caseWorld, contextOf } from '../../../test/support/case-world.js';
import { codeOf } from '../../../test/support/error-code.js';
import { decodeCompact, decodeJsonPayload } from '../crypto/jws.js';
import { Agreement } from '../directory/agreement.js';
import type { CaseState } from './case-state.js';
import { buildEvaluationReport, combineFigures } from './evaluation.js';
import type { ReconciliationStatement } from './reconciliation.js';
import { signPurgeRecord, verifyPurgeRecord } from './retention.js';
import { HIDDEN } from './suppression.js';
import { computeUnitFigures, signUnitFigures, type UnitFigures, verifyUnitFigures } from './unit-figures.js';

const world = caseWorld();
const { resolve, agreements } = contextOf(world);
const ajv = loadCaseSchemas();
const payload = (jws: string) => decodeJsonPayload(decodeCompact(jws).payloadBytes);
const now = new Date('2027-01-10T09:00:00Z');
const digest = world.agreement.digest;

/** Two of Järva's cases in Malmö and one of Malmö's in Göteborg, all under the world's agreement. */
const cases: CaseState[] = [
  accepted('2025-03-01', '2025-03-05', { agreement: digest }),
  accepted('2025-04-01', '2025-04-03', { agreement: digest }),
  accepted('2025-05-01', '2025-05-04', {
    agreement: digest,
    home: 'malmo',
    receiving: 'goteborg-nordost',
    homeMunicipality: 'malmo',
    receivingMunicipality: 'goteborg',
  }),
  kase({
    referredOn: '2025-06-01',
    agreement: digest,
    status: 'declined',
    receiving: 'goteborg-nordost',
    receivingMunicipality: 'goteborg',
    decision: { decision: 'decline', reason: 'safety', in: 'd'.repeat(43), at: at('2025-06-02') },
  }),
];

const statement: ReconciliationStatement = {
  v: 1,
  kind: 'brygga.reconciliation',
  agreement: digest,
  period: { label: '2025-H1', from: '2025-01-01', to: '2025-06-30' },
  units: [
    { unit: 'malmo', municipality: 'malmo' },
    { unit: 'stockholm-jarva', municipality: 'stockholm' },
  ],
  lines: [],
  paid: [
    { municipality: 'malmo', amountSek: 40_000 },
    { municipality: 'stockholm', amountSek: 0 },
  ],
  settlement: { from: 'stockholm', to: 'malmo', amountSek: 20_000 },
  iat: 0,
};
const agreed = [{ id: 'R'.repeat(43), statement }];

function figuresOf(unit: 'stockholm-jarva' | 'goteborg-nordost' | 'malmo'): UnitFigures {
  return computeUnitFigures({ unit, agreement: world.agreement, cases, reconciliations: agreed, now });
}
const signed = (unit: 'stockholm-jarva' | 'goteborg-nordost' | 'malmo') =>
  signUnitFigures(figuresOf(unit), world.devices[unit].key);

describe('unit figures', () => {
  it('carry the statistics of the agreement period, the cases handed over and taken in, and agreed reconciliations', () => {
    const jarva = figuresOf('stockholm-jarva');
    expect(jarva).toMatchObject({
      kind: 'brygga.unit-figures',
      agreement: digest,
      unit: 'stockholm-jarva',
      municipality: 'stockholm',
      quota: { handedOver: 2, received: 0 },
      statistics: {
        period: { label: '2025-01..2026-12', from: '2025-01-01', to: '2026-12-31' },
        threshold: 5,
      },
      iat: Math.floor(now.getTime() / 1000),
    });
    expect(jarva.reconciliations).toEqual([
      {
        id: 'R'.repeat(43),
        label: '2025-H1',
        units: statement.units,
        paid: statement.paid,
        settlement: statement.settlement,
      },
    ]);
    expect(figuresOf('goteborg-nordost')).toMatchObject({
      quota: { handedOver: 0, received: 1 },
      reconciliations: [],
    });
    expect(figuresOf('malmo').quota).toEqual({ handedOver: 1, received: 2 });
    // Nothing names a case.
    const text = JSON.stringify(jarva);
    for (const c of cases) expect(text).not.toContain(c.caseId);
  });

  it('are signed by a device of the unit, verify, and match their schema', () => {
    const jws = signed('malmo');
    expect(decodeCompact(jws).header.typ).toBe('brygga-unit-figures+jws');
    const doc = verifyUnitFigures(jws, resolve, agreements);
    expect([doc.unit, doc.device]).toEqual(['malmo', world.devices.malmo.key.kid]);
    expect(isValid(ajv, 'urn:brygga:schema:document:unit-figures-claims', payload(jws))).toBe(true);
    expect(isValid(ajv, 'urn:brygga:schema:document:statistics', figuresOf('malmo').statistics)).toBe(true);
    expect(
      isValid(ajv, 'urn:brygga:schema:document:unit-figures-claims', {
        ...(payload(jws) as object),
        extra: 1,
      }),
    ).toBe(false);
  });

  it('are refused when forged, signed by another unit, or not what they claim to be', () => {
    const jws = signed('malmo');
    const [h, p, sig] = jws.split('.') as [string, string, string];
    expect(
      codeOf(() =>
        verifyUnitFigures(`${h}.${p}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`, resolve, agreements),
      ),
    ).toBe('ERR_CRYPTO');
    // Malmö's figures signed by Göteborg's device.
    expect(
      codeOf(() =>
        verifyUnitFigures(
          signUnitFigures(figuresOf('malmo'), world.devices['goteborg-nordost'].key),
          resolve,
          agreements,
        ),
      ),
    ).toBe('ERR_WRONG_PARTY');
    const device = world.devices.malmo.key;
    const bad = (f: UnitFigures) =>
      codeOf(() => verifyUnitFigures(signUnitFigures(f, device), resolve, agreements));
    const malmo = figuresOf('malmo');
    expect(bad({ ...malmo, agreement: 'A'.repeat(43) })).toBe('ERR_FIGURES_INVALID');
    expect(bad({ ...malmo, municipality: 'stockholm' })).toBe('ERR_FIGURES_INVALID');
    expect(bad({ ...malmo, statistics: figuresOf('goteborg-nordost').statistics })).toBe(
      'ERR_FIGURES_INVALID',
    );
    expect(bad({ ...malmo, statistics: { ...malmo.statistics, threshold: 3 } })).toBe('ERR_FIGURES_INVALID');
    expect(
      bad({
        ...malmo,
        statistics: { ...malmo.statistics, period: { label: '2025', from: '2025-01-01', to: '2025-12-31' } },
      }),
    ).toBe('ERR_FIGURES_INVALID');
    expect(codeOf(() => signUnitFigures({ ...malmo, quota: { handedOver: -1, received: 0 } }, device))).toBe(
      'ERR_MALFORMED',
    );
  });
});

describe('the joint evaluation report', () => {
  it('combines every party’s verified figures: the quota balance, reconciliations and costs, and the statistics', () => {
    const report = buildEvaluationReport({
      agreement: world.agreement,
      agreements,
      documents: [signed('stockholm-jarva'), signed('goteborg-nordost'), signed('malmo')],
      resolve,
    });
    expect(report.complete).toBe(true);
    expect(report.missing).toEqual([]);
    expect(report.signatures.map((s) => [s.unit, s.device])).toEqual([
      ['stockholm-jarva', world.devices['stockholm-jarva'].key.kid],
      ['goteborg-nordost', world.devices['goteborg-nordost'].key.kid],
      ['malmo', world.devices.malmo.key.kid],
    ]);
    expect(report.quota.map((q) => [q.municipality, q.handedOver, q.received, q.balance])).toEqual([
      ['stockholm', 2, 0, 2],
      ['goteborg', 0, 1, -1],
      ['malmo', 1, 2, -1],
    ]);
    expect(report.quotaBalanced).toBe(true);
    expect(report.reconciliations).toMatchObject([
      { label: '2025-H1', reportedBy: ['stockholm-jarva', 'malmo'], consistent: true },
    ]);
    expect(report.costs.find((c) => c.municipality === 'malmo')).toMatchObject({
      paidForOthers: 40_000,
      settlementsReceived: 20_000,
      borne: 20_000,
    });
    // Referrals sent by all three: Stockholm's 3 are "<5", Malmö's 1 is "<5": the sum is hidden.
    const sent = report.combined.find((t) => t.id === 'referrals-sent')!;
    expect(sent.total).toBe(HIDDEN);
  });

  it('is not complete while a party’s figures are missing, and uses each unit’s newest', () => {
    const older = signed('malmo');
    const later = signUnitFigures(
      computeUnitFigures({
        unit: 'malmo',
        agreement: world.agreement,
        cases,
        reconciliations: agreed,
        now: new Date(now.getTime() + 86_400_000),
      }),
      world.devices.malmo.key,
    );
    const report = buildEvaluationReport({
      agreement: world.agreement,
      agreements,
      documents: [later, older, signed('stockholm-jarva'), `${older.slice(0, -4)}AAAA`],
      resolve,
    });
    expect(report.complete).toBe(false);
    expect(report.missing).toEqual(['goteborg-nordost']);
    expect(report.quotaBalanced).toBeNull();
    expect(report.signatures.find((s) => s.unit === 'malmo')!.signedAt).toBe(
      Math.floor(now.getTime() / 1000) + 86_400,
    );
    expect(report.refused).toEqual([{ unit: null, code: 'ERR_CRYPTO' }]);
  });

  it('notices reconciliations the two units report differently', () => {
    const changed = { ...statement, settlement: { from: 'stockholm', to: 'malmo', amountSek: 19_000 } };
    const report = buildEvaluationReport({
      agreement: world.agreement,
      agreements,
      documents: [
        signed('stockholm-jarva'),
        signed('goteborg-nordost'),
        signUnitFigures(
          computeUnitFigures({
            unit: 'malmo',
            agreement: world.agreement,
            cases,
            reconciliations: [{ id: 'R'.repeat(43), statement: changed }],
            now,
          }),
          world.devices.malmo.key,
        ),
      ],
      resolve,
    });
    expect(report.reconciliations[0]!.consistent).toBe(false);
    expect(report.complete).toBe(false);
  });

  it('sums figures only where suppression allows', () => {
    expect(combineFigures([3, 4, 0], 5)).toBe(7);
    expect(combineFigures(['<5', 0, 0], 5)).toBe('<5');
    expect(combineFigures(['<5', 1, 0], 5)).toBe(HIDDEN);
    expect(combineFigures(['<5', '<5'], 5)).toBe(HIDDEN);
    expect(combineFigures([HIDDEN, 0], 5)).toBe(HIDDEN);
  });

  it('is of one agreement: another agreement’s figures are left out', () => {
    const other = Agreement.create({ ...world.agreement.terms, title: 'Ett annat avtal' });
    const report = buildEvaluationReport({
      agreement: other,
      agreements,
      documents: [signed('malmo')],
      resolve,
    });
    expect(report.signatures).toEqual([]);
    expect(report.missing).toHaveLength(3);
  });
});

describe('purge records', () => {
  it('name the cases, statements and keys removed, when and by whom, signed by the purging device', () => {
    const device = world.devices['stockholm-jarva'].key;
    const jws = signPurgeRecord(device, {
      unit: 'stockholm-jarva',
      retentionYears: 5,
      cases: [cases[0]!.caseId.slice(0, 22)],
      reconciliations: ['R'.repeat(43)],
      keys: ['K'.repeat(43)],
      by: 'Sara Svensson',
      now,
    });
    const doc = verifyPurgeRecord(jws, resolve);
    expect(doc.payload).toMatchObject({ unit: 'stockholm-jarva', device: device.kid, by: 'Sara Svensson' });
    expect(isValid(ajv, 'urn:brygga:schema:document:purge-record-claims', payload(jws))).toBe(true);
    const byMalmo = signPurgeRecord(world.devices.malmo.key, {
      unit: 'stockholm-jarva',
      retentionYears: 5,
      cases: [],
      reconciliations: [],
      keys: [],
      by: null,
      now,
    });
    expect(codeOf(() => verifyPurgeRecord(byMalmo, resolve))).toBe('ERR_WRONG_PARTY');
  });
});
