/** Content-free quota claims and the quota ledger (PROTOCOL.md §15). */
import { describe, expect, it } from 'vitest';
import { caseWorld, contextOf, newCaseId, quotaProof } from '../../../test/support/case-world.js';
import { codeOf } from '../../../test/support/error-code.js';
import { decodeCompact } from '../crypto/jws.js';
import {
  quotaCommitment,
  releaseQuotaClaim,
  verifyQuotaClaim,
  verifyQuotaProof,
  verifyQuotaRelease,
} from './quota-claim.js';
import { QuotaLedger } from './quota-ledger.js';

const world = caseWorld();
const { resolve, agreements } = contextOf(world);

describe('quota claims', () => {
  it('say nothing about the case or the person: no case id, no counterpart, only a commitment', () => {
    const caseId = newCaseId();
    const { proof } = quotaProof(world, 'stockholm-jarva', caseId, 'outgoing');
    const text = new TextDecoder().decode(decodeCompact(proof.claim).payloadBytes);
    expect(Object.keys(JSON.parse(text)).sort()).toEqual(
      ['agreement', 'commitment', 'direction', 'iat', 'kind', 'municipality', 'unit', 'v'].sort(),
    );
    expect(text).not.toContain(caseId);
    expect(text).not.toContain('malmo');
    expect(text).not.toContain(proof.salt);
  });

  it('commit to exactly one case: the salt opens it, nothing else does', () => {
    const caseId = newCaseId();
    const { proof, claims } = quotaProof(world, 'stockholm-jarva', caseId, 'outgoing');
    expect(quotaCommitment('outgoing', caseId, proof.salt)).toBe(claims.commitment);
    expect(quotaCommitment('incoming', caseId, proof.salt)).not.toBe(claims.commitment);
    expect(quotaCommitment('outgoing', newCaseId(), proof.salt)).not.toBe(claims.commitment);
    const expect1 = { caseId, unit: 'stockholm-jarva', direction: 'outgoing' as const };
    expect(verifyQuotaProof(proof, expect1, resolve, agreements).payload.municipality).toBe('stockholm');
    expect(
      codeOf(() => verifyQuotaProof(proof, { ...expect1, caseId: newCaseId() }, resolve, agreements)),
    ).toBe('ERR_QUOTA_CLAIM');
    expect(codeOf(() => verifyQuotaProof(proof, { ...expect1, unit: 'malmo' }, resolve, agreements))).toBe(
      'ERR_QUOTA_CLAIM',
    );
  });

  it('are refused when forged, on an unknown agreement, or dated outside the period', () => {
    const { proof } = quotaProof(world, 'malmo', newCaseId(), 'incoming');
    const forged = `${proof.claim.slice(0, -3)}${proof.claim.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    expect(codeOf(() => verifyQuotaClaim(forged, resolve, agreements))).toBe('ERR_QUOTA_CLAIM');
    expect(codeOf(() => verifyQuotaClaim(proof.claim, resolve, []))).toBe('ERR_QUOTA_CLAIM');
    const late = quotaProof(world, 'malmo', newCaseId(), 'incoming', new Date('2027-01-01T00:00:00Z'));
    expect(codeOf(() => verifyQuotaClaim(late.proof.claim, resolve, agreements))).toBe('ERR_QUOTA_CLAIM');
  });

  it("can be released only by a unit of the claim's municipality", () => {
    const { claims } = quotaProof(world, 'stockholm-jarva', newCaseId(), 'outgoing');
    const own = releaseQuotaClaim(world.devices['stockholm-jarva'].key, claims, {
      unit: 'stockholm-jarva',
      reason: 'declined',
      now: world.now,
    });
    expect(verifyQuotaRelease(own, resolve, agreements).payload.commitment).toBe(claims.commitment);
    const foreign = releaseQuotaClaim(world.devices.malmo.key, claims, {
      unit: 'malmo',
      reason: 'declined',
      now: world.now,
    });
    expect(codeOf(() => verifyQuotaRelease(foreign, resolve, agreements))).toBe('ERR_QUOTA_CLAIM');
  });
});

describe('the quota ledger', () => {
  const claim = (
    unit: 'stockholm-jarva' | 'malmo' | 'goteborg-nordost',
    direction: 'outgoing' | 'incoming',
    at: string,
  ) => quotaProof(world, unit, newCaseId(), direction, new Date(at)).claims;

  it('counts per municipality and direction, and refuses when full', () => {
    const ledger = new QuotaLedger();
    ledger.addClaim(claim('stockholm-jarva', 'outgoing', '2025-02-01T00:00:00Z'));
    expect(ledger.use(world.agreement, 'stockholm', 'outgoing')).toMatchObject({
      used: 1,
      quota: 2,
      void: 0,
    });
    expect(codeOf(() => ledger.assertRoom(world.agreement, 'stockholm', 'malmo'))).toBe('ok');
    ledger.addClaim(claim('stockholm-jarva', 'outgoing', '2025-02-02T00:00:00Z'));
    expect(codeOf(() => ledger.assertRoom(world.agreement, 'stockholm', 'malmo'))).toBe('ERR_QUOTA_EXCEEDED');
    expect(codeOf(() => ledger.assertRoom(world.agreement, 'goteborg', 'malmo'))).toBe('ok');
    ledger.addClaim(claim('malmo', 'incoming', '2025-02-01T00:00:00Z'));
    ledger.addClaim(claim('malmo', 'incoming', '2025-02-03T00:00:00Z'));
    expect(codeOf(() => ledger.assertRoom(world.agreement, 'goteborg', 'malmo'))).toBe('ERR_QUOTA_EXCEEDED');
    expect(codeOf(() => ledger.assertIncomingRoom(world.agreement, 'goteborg'))).toBe('ok');
  });

  it('gives slots by signed time, whatever the arrival order: a claim beyond the quota is void', () => {
    const a = claim('stockholm-jarva', 'outgoing', '2025-02-01T00:00:00Z');
    const b = claim('stockholm-jarva', 'outgoing', '2025-02-02T00:00:00Z');
    const c = claim('stockholm-jarva', 'outgoing', '2025-02-03T00:00:00Z');
    for (const order of [
      [a, b, c],
      [c, b, a],
      [b, c, a],
    ]) {
      const ledger = new QuotaLedger();
      for (const x of order) ledger.addClaim(x);
      expect([a, b, c].map((x) => ledger.holdsSlot(world.agreement, x))).toEqual([true, true, false]);
      expect(ledger.use(world.agreement, 'stockholm', 'outgoing')).toMatchObject({ used: 2, void: 1 });
    }
  });

  it('a release gives the slot back, even if it arrives before its claim; a claim counted twice counts once', () => {
    const a = claim('stockholm-jarva', 'outgoing', '2025-02-01T00:00:00Z');
    const b = claim('stockholm-jarva', 'outgoing', '2025-02-02T00:00:00Z');
    const c = claim('stockholm-jarva', 'outgoing', '2025-02-03T00:00:00Z');
    const ledger = new QuotaLedger();
    ledger.addRelease({ ...a, kind: 'brygga.quota-release', reason: 'declined' });
    for (const x of [a, b, b, c]) ledger.addClaim(x);
    expect(ledger.use(world.agreement, 'stockholm', 'outgoing')).toMatchObject({ used: 2, void: 0 });
    expect(ledger.holdsSlot(world.agreement, a)).toBe(false);
    expect(ledger.holdsSlot(world.agreement, c)).toBe(true);
  });
});
