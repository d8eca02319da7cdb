/**
 * The referral rules the agreement's terms set (PROTOCOL.md §5.4, §14.3), under terms as the 2023
 * agreement and the 2025 extension wrote them: police consultation in both municipalities in both; police
 * approval only where the 2025 terms ask for it. Each refusal names the municipality, the rule and its
 * source document.
 */
import { describe, expect, it } from 'vitest';
import { caseWorld, newCaseId, referralBody } from '../../../test/support/case-world.js';
import { agreementTerms } from '../../../test/support/fixtures.js';
import { Agreement, type AgreementTerms } from '../directory/agreement.js';
import type { ReferralBody } from './referral.js';
import { assertReferralPreconditions } from './rules.js';

const world = caseWorld();
const DAY = '2025-03-03';

function under(preconditions: AgreementTerms['preconditions']): Agreement {
  const terms = agreementTerms(world.roots);
  const { preconditions: _p, ...rest } = terms;
  return Agreement.create(preconditions === undefined ? rest : { ...rest, preconditions });
}

function refusal(agreement: Agreement, overrides: Partial<ReferralBody>): [string, string] {
  try {
    assertReferralPreconditions(
      agreement,
      'stockholm-jarva',
      referralBody(world, newCaseId(), overrides),
      DAY,
    );
  } catch (err) {
    return [(err as { code: string }).code, (err as Error).message];
  }
  return ['ok', ''];
}

const TERMS_2023 = { policeConsultation: true } as const;
const TERMS_2025 = {
  policeConsultation: true,
  policeApproval: { categories: ['skyddsarende' as const], threatLevels: ['high' as const] },
};

describe('the police before a referral', () => {
  it('the 2023 terms ask for consultation in both municipalities, and no approval', () => {
    const a = under(TERMS_2023);
    const base = referralBody(world, newCaseId());
    expect(refusal(a, { policeApprovals: [] })).toEqual(['ok', '']);
    expect(refusal(a, { policeConsultations: [base.policeConsultations[0]!] })).toEqual([
      'ERR_POLICE_CONSULTATION_MISSING',
      'no police consultation (samråd) is recorded for malmo: the terms require it in both municipalities (the 2023 agreement: samråd med Polismyndigheten i hemkommunen och i den mottagande kommunen (Rinkeby-Kista stadsdelsnämnd 2022-12-15))',
    ]);
    expect(refusal(a, { policeConsultations: [base.policeConsultations[1]!] })[0]).toBe(
      'ERR_POLICE_CONSULTATION_MISSING',
    );
  });

  it('terms without preconditions ask for consultation by default, and no approval', () => {
    const a = under(undefined);
    expect(refusal(a, { policeApprovals: [] })[0]).toBe('ok');
    expect(refusal(a, { policeConsultations: [] })[0]).toBe('ERR_POLICE_CONSULTATION_MISSING');
  });

  it('terms may leave consultation out', () => {
    expect(refusal(under({ policeConsultation: false }), { policeConsultations: [] })[0]).toBe('ok');
  });

  it('the 2025 terms ask for approval in both municipalities for a high threat or a protection case', () => {
    const a = under(TERMS_2025);
    const [home, receiving] = referralBody(world, newCaseId()).policeApprovals;
    expect(refusal(a, {})[0]).toBe('ok');
    expect(refusal(a, { policeApprovals: [home!] })).toEqual([
      'ERR_POLICE_APPROVAL_MISSING',
      'no police approval (godkännande) is recorded for malmo: the terms require it for the threat level high (the 2025 extension: godkännande från Polismyndigheten innan (Socialnämnden Stockholm 2024-12-10))',
    ]);
    expect(refusal(a, { policeApprovals: [{ ...home!, approved: false }, receiving!] })[0]).toBe(
      'ERR_POLICE_APPROVAL_MISSING',
    );
    expect(
      refusal(a, { category: 'skyddsarende', threatLevel: 'low', policeApprovals: [home!] })[1],
    ).toContain('the terms require it for the category skyddsarende');
    // A low threat of the category avhoppare needs no approval.
    expect(refusal(a, { threatLevel: 'low', policeApprovals: [] })[0]).toBe('ok');
  });

  it('terms may require approval always (every category listed)', () => {
    const a = under({ policeApproval: { categories: ['avhoppare', 'skyddsarende'], threatLevels: [] } });
    expect(refusal(a, { threatLevel: 'low', policeApprovals: [] })[0]).toBe('ERR_POLICE_APPROVAL_MISSING');
  });

  it('an approval is dated on or before the referral', () => {
    const base = referralBody(world, newCaseId());
    expect(
      refusal(under(TERMS_2023), {
        policeApprovals: [{ ...base.policeApprovals[0]!, date: '2025-03-04' }],
      }),
    ).toEqual([
      'ERR_PRECONDITION_DATE',
      "referral.policeApprovals[0].date lies after the packet's day, 2025-03-03",
    ]);
  });

  it('terms with an unknown or repeated precondition value are malformed', () => {
    const terms = agreementTerms(world.roots);
    const bad = (preconditions: unknown) => () =>
      Agreement.create({ ...terms, preconditions } as unknown as AgreementTerms);
    expect(bad({ policeApproval: { categories: ['x'], threatLevels: [] } })).toThrow(/unknown value/);
    expect(bad({ policeApproval: { categories: [], threatLevels: ['high', 'high'] } })).toThrow(/twice/);
    expect(bad({ policeConsultation: 'yes' })).toThrow(/must be a boolean/);
    expect(bad({ other: true })).toThrow(/preconditions/);
  });
});

describe('the target group before a referral', () => {
  it('names the unmet criterion and its source; the terms say which criteria count', () => {
    const g = referralBody(world, newCaseId()).targetGroup;
    const all = under(undefined);
    expect(refusal(all, { targetGroup: { ...g, notSuspectedOfSeriousCrime: false } })).toEqual([
      'ERR_TARGET_GROUP_NOT_MET',
      'the target-group criterion not-suspected-of-serious-crime is not met: the person is suspected of serious crime that may lead to a longer deprivation of liberty (the 2023 agreement, målgrupp (Rinkeby-Kista stadsdelsnämnd 2022-12-15), and Göteborgs Stads riktlinje för avhopparverksamheten)',
    ]);
    expect(refusal(all, { targetGroup: { ...g, motivated: false } })[1]).toMatch(
      /^the target-group criterion motivated is not met/,
    );
    // Terms without Göteborg's criterion admit a person suspected of serious crime.
    const agreementOnly = under({ targetGroup: ['criminal-environment', 'threat', 'motivated'] });
    expect(refusal(agreementOnly, { targetGroup: { ...g, notSuspectedOfSeriousCrime: false } })[0]).toBe(
      'ok',
    );
    expect(refusal(agreementOnly, { targetGroup: { ...g, threat: 'none' } })[0]).toBe(
      'ERR_TARGET_GROUP_NOT_MET',
    );
  });

  it('the assessment is dated on or before the referral', () => {
    const g = referralBody(world, newCaseId()).targetGroup;
    expect(refusal(under(undefined), { targetGroup: { ...g, assessedOn: '2025-03-04' } })).toEqual([
      'ERR_PRECONDITION_DATE',
      "referral.targetGroup.assessedOn lies after the packet's day, 2025-03-03",
    ]);
  });
});
