/**
 * The preconditions of a referral that passes every rule of the 2025 terms (PROTOCOL.md §14.3), from a
 * unit of the municipality `home` to one of `to`, dated before a referral on 2025-03-03: the police
 * consulted and approving in both municipalities, the target group assessed, who and when, and no
 * responsibility for children. The unit-level world (case-world.ts) and the workflow world
 * (workflow-world.ts) build their referrals on it.
 */
import type { ReferralBody } from '../../client-sdk/src/cases/referral.js';

export type ReferralPreconditions = Pick<
  ReferralBody,
  'policeConsultations' | 'policeApprovals' | 'targetGroup' | 'childrenCheck'
>;

export function referralPreconditions(home: string, to: string): ReferralPreconditions {
  const atHome = { date: '2025-02-25', officer: { name: 'Polis Hem', role: 'avhopparsamordnare' } };
  const atTo = { date: '2025-02-27', officer: { name: 'Polis Mottagare', role: 'avhopparsamordnare' } };
  return {
    policeConsultations: [
      { municipality: home, ...atHome, reference: 'BOPS-2025-17', outcome: 'Inga invändningar.' },
      { municipality: to, ...atTo, reference: 'PO-Syd-2025-4', outcome: 'Inga invändningar.' },
    ],
    policeApprovals: [
      { municipality: home, ...atHome, reference: 'BOPS-2025-17', approved: true },
      { municipality: to, ...atTo, reference: 'PO-Syd-2025-4', approved: true },
    ],
    targetGroup: {
      criminalEnvironment: true,
      threat: 'concrete',
      motivated: true,
      notSuspectedOfSeriousCrime: true,
      assessedOn: '2025-02-24',
      assessedBy: { name: 'Handläggare Hem', role: 'socialsekreterare' },
      assessment: 'Tydligt motiverad att lämna nätverket.',
    },
    childrenCheck: { responsibleForChildren: false, checkedOn: '2025-02-24' },
  };
}
