/**
 * Valid example bodies for every packet type (PROTOCOL.md §12), for tests: each passes its validator
 * and its JSON Schema.
 */

import type { PacketBodies } from '../../client-sdk/src/cases/packet-body.js';
import { toBase64url } from '../../client-sdk/src/crypto/bytes.js';
import { newCaseId, quotaProof, referralBody } from './case-world.js';
import type { World } from './fixtures.js';

export const malmoContact = {
  unit: 'malmo',
  name: 'Kontakt Malmö',
  role: 'avhopparsamordnare',
  phone: null,
  email: 'kontakt@example.se',
};

export function acceptBody(
  world: World,
  caseId: string,
  unit: 'malmo' | 'stockholm-jarva' | 'goteborg-nordost' = 'malmo',
) {
  return {
    decision: 'accept' as const,
    reason: null,
    note: null,
    contacts: [{ ...malmoContact, unit }],
    quota: quotaProof(world, unit, caseId, 'incoming').proof,
    relocation: null,
    special: null,
    rivalCheck: null,
  };
}

export const declineBody: PacketBodies['uptake-decision'] = {
  decision: 'decline',
  reason: 'no-capacity',
  note: null,
  contacts: [],
  quota: null,
  relocation: null,
  special: null,
  rivalCheck: null,
};

export const planBody: PacketBodies['implementation-plan'] = {
  decidedOn: '2025-03-05',
  services: [
    { code: 'krisstod', description: 'Krisstöd första månaden', from: '2025-03-10', to: '2025-04-10' },
    { code: 'kontaktperson', description: null, from: '2025-03-10', to: null },
  ],
  note: null,
  legalBasis: null,
};

/** The receiving unit's agreement to the plan of hash `plan` (PROTOCOL.md §12.4.12). */
export function agreeBody(plan: string): PacketBodies['plan-response'] {
  return {
    plan,
    decision: 'agree',
    changes: [],
    date: '2025-03-03',
    decidedBy: { name: 'Samordnare Malmö', role: 'avhopparsamordnare' },
    note: null,
    legalBasis: null,
  };
}

export const followUpBody: PacketBodies['follow-up'] = {
  date: '2025-04-01',
  month: '2025-03',
  summary: 'Etablerad i boendet, deltar i samtal.',
  services: [
    { code: 'krisstod', status: 'ongoing' },
    { code: 'kontaktperson', status: 'ongoing' },
  ],
  outcomes: { leftGroup: 'yes', noNewSuspectedCrime: 'yes', ownHousing: 'no', selfSufficient: 'unknown' },
  legalBasis: null,
};

export const costBody: PacketBodies['cost-report'] = {
  lines: [
    { service: 'krisstod', month: '2025-03', amountSek: 12_000 },
    { service: 'kontaktperson', month: '2025-03', amountSek: 8_000 },
  ],
};

export const deviationBody: PacketBodies['deviation'] = {
  date: '2025-03-04',
  reason: 'acute-time-pressure',
  rule: 'police-consultation',
  guideline: 'Riktlinje 4.2: samråd före flytt',
  description: 'Flytten skedde innan samrådsprotokollet var klart.',
  decidedBy: { name: 'Chef C', role: 'enhetschef' },
  legalBasis: null,
};

export const childNoticeBody: PacketBodies['child-notice'] = {
  date: '2025-04-02',
  description: 'Ett barn har framkommit i ärendet.',
  proposedResponsibility: 'home',
  measuresTaken: null,
  answers: null,
  settlement: null,
  legalBasis: null,
};

export const messageBody: PacketBodies['message'] = { text: 'Hej, möte på torsdag?', legalBasis: null };

export function closureBody(costs: { service: string; amountSek: number }[] = []): PacketBodies['closure'] {
  return {
    closedOn: '2025-06-30',
    reason: 'completed',
    outcomes: { leftGroup: 'yes', noNewSuspectedCrime: 'yes', ownHousing: 'yes', selfSufficient: 'no' },
    costs,
    note: null,
    legalBasis: null,
  };
}

/** One valid body per packet type. */
export function exampleBodies(world: World): { [T in keyof PacketBodies]: PacketBodies[T] } {
  const caseId = newCaseId();
  const fakeJws = `${toBase64url(new TextEncoder().encode('{"alg":"EdDSA"}'))}.e30.AAAA`;
  return {
    agreement: { document: world.agreement.jws },
    referral: referralBody(world, caseId),
    consent: { attestation: referralBody(world, caseId).consent },
    'consent-withdrawal': { withdrawal: fakeJws },
    receipt: { receipt: fakeJws },
    'uptake-decision': acceptBody(world, caseId),
    'implementation-plan': planBody,
    'plan-response': agreeBody(toBase64url(new Uint8Array(32))),
    'follow-up': followUpBody,
    'cost-report': costBody,
    reconciliation: { document: { payload: 'e30', signatures: [{ protected: 'e30', signature: 'AAAA' }] } },
    deviation: deviationBody,
    'child-notice': childNoticeBody,
    closure: closureBody([{ service: 'krisstod', amountSek: 12_000 }]),
    message: messageBody,
    'quota-claim': { claim: quotaProof(world, 'malmo', caseId, 'incoming').proof.claim },
    'quota-release': { release: fakeJws },
    'unit-figures': { figures: fakeJws },
    assignment: { unit: 'malmo', devices: ['A'.repeat(43)] },
    'case-history': { packets: [fakeJws] },
  };
}
