/** Evidence bundles (PROTOCOL.md §17): a bundle verifies offline; any tampering is caught and named. */
import { describe, expect, it } from 'vitest';
import { acceptBody, agreeBody, followUpBody, planBody } from '../../../test/support/case-bodies.js';
import { isValid, loadCaseSchemas } from '../../../test/support/case-schemas.js';
import {
  caseWorld,
  newCaseId,
  referralBody,
  signedPacket,
  type UnitId,
} from '../../../test/support/case-world.js';
import { codeOf } from '../../../test/support/error-code.js';
import { Agreement } from '../directory/agreement.js';
import { buildEvidenceBundle, type EvidenceBundle } from './evidence.js';
import { verifyEvidence } from './evidence-verification.js';
import type { PacketBodies, PacketType } from './packet-body.js';
import { signReceipt } from './receipt.js';

const world = caseWorld();
const caseId = newCaseId();
const T0 = Math.floor(world.now.getTime() / 1000);

const packets: { jws: string; hash: string; pid: string; type: string; from: UnitId; to: UnitId }[] = [];
function add<T extends PacketType>(from: UnitId, type: T, body: PacketBodies[T]) {
  const to: UnitId = from === 'malmo' ? 'stockholm-jarva' : 'malmo';
  const p = signedPacket(world, {
    unit: from,
    type,
    caseId,
    prev: packets.at(-1)?.hash ?? null,
    body,
    aud: [to],
    iat: T0 + packets.length * 3600,
  });
  packets.push({ jws: p.jws, hash: p.hash, pid: p.claims.pid, type, from, to });
}
add('stockholm-jarva', 'referral', referralBody(world, caseId));
add('malmo', 'uptake-decision', acceptBody(world, caseId));
add('stockholm-jarva', 'implementation-plan', planBody);
add('malmo', 'plan-response', agreeBody(packets.at(-1)!.hash));
add('malmo', 'follow-up', followUpBody);

const receipts = packets.map((p, i) =>
  signReceipt(world.devices[p.to].key, {
    pid: p.pid,
    hash: p.hash,
    caseId,
    type: p.type,
    from: { unit: p.from, device: world.devices[p.from].key.kid },
    unit: p.to,
    outcome: 'applied',
    now: new Date((T0 + i * 3600 + 60) * 1000),
  }),
);

function bundle(overrides: Partial<Parameters<typeof buildEvidenceBundle>[0]> = {}): EvidenceBundle {
  return buildEvidenceBundle({
    caseId,
    agreements: [world.agreement],
    statements: world.statements,
    packets: packets.map((p) => ({ jws: p.jws, hash: p.hash, attachments: [] })),
    receipts,
    unit: 'stockholm-jarva',
    device: world.devices['stockholm-jarva'].key,
    now: new Date('2025-07-01T00:00:00Z'),
    ...overrides,
  });
}

const clone = (b: EvidenceBundle): EvidenceBundle => JSON.parse(JSON.stringify(b));

describe('evidence bundles', () => {
  it('verify offline against the agreement and say who sent what, when, on which consent, and who received it', () => {
    const b = bundle();
    expect(isValid(loadCaseSchemas(), 'urn:brygga:schema:document:evidence-bundle', b)).toBe(true);
    const report = verifyEvidence(JSON.parse(JSON.stringify(b)), world.agreement);
    expect(report.state.status).toBe('active');
    expect(report.packets.map((p) => p.type)).toEqual([
      'referral',
      'uptake-decision',
      'implementation-plan',
      'plan-response',
      'follow-up',
    ]);
    const consentId = report.state.consents[0]!.id;
    expect(report.packets[0]!.reliedOn).toEqual({ consent: consentId });
    expect(report.packets[1]!.reliedOn).toBeNull();
    expect(report.packets[2]!.reliedOn).toEqual({ consent: consentId });
    expect(report.packets[0]!.receipts).toEqual([
      {
        unit: 'malmo',
        device: world.devices.malmo.key.kid,
        at: expect.any(String),
        outcome: 'applied',
        code: null,
      },
    ]);
    expect(report.packets[0]!.sender).toEqual({
      unit: 'stockholm-jarva',
      device: world.devices['stockholm-jarva'].key.kid,
    });
    expect(report.exportedBy.unit).toBe('stockholm-jarva');
    expect(b.consents).toHaveLength(1);
  });

  it('a tampered bundle fails with the specific error', () => {
    const b = bundle();
    const flip = (s: string) => `${s.slice(0, -2)}${s.endsWith('AA') ? 'BA' : 'AA'}`;
    const cases: [string, (x: EvidenceBundle) => void, string][] = [
      ['a packet signature', (x) => void (x.packets[2]!.jws = flip(x.packets[2]!.jws)), 'ERR_CRYPTO'],
      ['a packet removed', (x) => void x.packets.splice(1, 1), 'ERR_CASE_GAP'],
      ['the last packet removed', (x) => void x.packets.pop(), 'ERR_CASE_GAP'],
      [
        'two packets swapped',
        (x) => void ([x.packets[1], x.packets[2]] = [x.packets[2]!, x.packets[1]!]),
        'ERR_CASE_ORDER',
      ],
      ['a packet duplicated', (x) => void x.packets.splice(2, 0, x.packets[1]!), 'ERR_REPLAY'],
      [
        "a receipt swapped for another packet's",
        (x) => void (x.receipts[0] = x.receipts[1]!),
        'ERR_EVIDENCE_INVALID',
      ],
      ['a receipt removed', (x) => void x.receipts.pop(), 'ERR_EVIDENCE_INVALID'],
      ['the manifest signature', (x) => void (x.manifest = flip(x.manifest)), 'ERR_CRYPTO'],
      ['a consent left out', (x) => void (x.consents = []), 'ERR_EVIDENCE_INVALID'],
      ['a directory statement removed', (x) => void x.statements.shift(), 'ERR_UNKNOWN_KEY'],
      [
        'an agreement signature',
        (x) =>
          void (x.agreements[0]!.signatures[0]!.signature = flip(x.agreements[0]!.signatures[0]!.signature)),
        'ERR_AGREEMENT_INVALID',
      ],
      [
        'an unknown member',
        (x) => void ((x as unknown as Record<string, unknown>).extra = 1),
        'ERR_MALFORMED',
      ],
    ];
    for (const [what, tamper, code] of cases) {
      const t = clone(b);
      tamper(t);
      expect([what, codeOf(() => verifyEvidence(t, world.agreement))]).toEqual([what, code]);
    }
    expect(codeOf(() => verifyEvidence(clone(b), world.agreement))).toBe('ok');
  });

  it('a receipt that names a packet wrongly is a mismatch, even when the manifest is re-signed to include it', () => {
    const wrong = signReceipt(world.devices.malmo.key, {
      pid: packets[0]!.pid,
      hash: packets[1]!.hash,
      caseId,
      type: 'referral',
      from: { unit: 'stockholm-jarva', device: world.devices['stockholm-jarva'].key.kid },
      unit: 'malmo',
      outcome: 'applied',
      now: world.now,
    });
    expect(codeOf(() => verifyEvidence(bundle({ receipts: [...receipts, wrong] }), world.agreement))).toBe(
      'ERR_RECEIPT_MISMATCH',
    );
  });

  it('is verified only against an agreement of the bundle', () => {
    const otherRoots = { ...world.roots };
    const other = Agreement.create({ ...world.agreement.terms, id: 'annat-avtal' });
    let signed = other;
    for (const r of Object.values(otherRoots)) signed = signed.sign(r);
    expect(codeOf(() => verifyEvidence(bundle(), signed))).toBe('ERR_NOT_IN_AGREEMENT');
  });
});
