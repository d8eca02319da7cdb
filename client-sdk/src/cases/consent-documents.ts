/**
 * The consent documents a case packet carries (PROTOCOL.md §12.3.1–12.3.2): the attestation in a
 * referral or a consent packet, the withdrawal in a withdrawal packet. The client files them by case
 * for the case system to archive, and an evidence bundle (§17) lists exactly those of its log.
 */
import { byType, type CaseLogType, type PerType, type TypedBody } from './packet-body.js';

/** A consent document carried in a packet: the compact JWS and whether it attests or withdraws. */
export interface CarriedConsent {
  jws: string;
  kind: 'attestation' | 'withdrawal';
}

const none = (): CarriedConsent[] => [];

const CARRIED: PerType<CaseLogType, [], CarriedConsent[]> = {
  referral: (b) => [{ jws: b.consent, kind: 'attestation' }],
  consent: (b) => [{ jws: b.attestation, kind: 'attestation' }],
  'consent-withdrawal': (b) => [{ jws: b.withdrawal, kind: 'withdrawal' }],
  'uptake-decision': none,
  'implementation-plan': none,
  'plan-response': none,
  'follow-up': none,
  'cost-report': none,
  deviation: none,
  'child-notice': none,
  closure: none,
  message: none,
  assignment: none,
};

/** The consent documents `packet` carries, in body order (none for most types). */
export function consentDocuments(packet: TypedBody<CaseLogType>): CarriedConsent[] {
  return byType(CARRIED, packet);
}
