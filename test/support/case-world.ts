/**
 * Case-level helpers over the three-city test world (fixtures.ts): consents, quota claims, valid
 * referral bodies and really signed packets, so the workflow's unit tests run on genuine signatures.
 */

import { type CasePacket, toCasePacket } from '../../client-sdk/src/cases/case-packet.js';
import type { CaseContext } from '../../client-sdk/src/cases/case-state.js';
import { attestConsent, type ConsentInput } from '../../client-sdk/src/cases/consent.js';
import type { PacketBodies, PacketType } from '../../client-sdk/src/cases/packet-body.js';
import { makeQuotaClaim, type QuotaDirection } from '../../client-sdk/src/cases/quota-claim.js';
import type { ReferralBody } from '../../client-sdk/src/cases/referral.js';
import { directoryResolver } from '../../client-sdk/src/cases/signed-document.js';
import { randomBytes, toBase64url } from '../../client-sdk/src/crypto/bytes.js';
import { signCompact } from '../../client-sdk/src/crypto/jws.js';
import { PACKET_TYP, type PacketClaims, validateClaims } from '../../client-sdk/src/envelope/packet.js';
import { packetHash } from '../../client-sdk/src/envelope/seal.js';
import { MUNICIPALITY, makeWorld, type UnitId, type World } from './fixtures.js';
import { referralPreconditions } from './referral-preconditions.js';

export type { UnitId, World };

/** A fresh case id. */
export function newCaseId(): string {
  return toBase64url(randomBytes(16));
}

/** The context the case reducer needs in this world. */
export function contextOf(world: World): CaseContext {
  return { agreements: world.directory.agreements, resolve: directoryResolver(world.directory) };
}

/** A world at 2025-03-03T09:00Z. */
export function caseWorld(now = new Date('2025-03-03T09:00:00Z')): World {
  return makeWorld(now);
}

/** A consent attestation by `home` for `caseId`, written and covering home, `to` and the police. */
export function consentFor(
  world: World,
  caseId: string,
  opts: Partial<ConsentInput> & { home?: UnitId; to?: UnitId } = {},
): string {
  const home = opts.home ?? 'stockholm-jarva';
  const to = opts.to ?? 'malmo';
  return attestConsent(world.devices[home].key, {
    caseId,
    unit: home,
    form: 'written',
    written: { documentSha256: toBase64url(new Uint8Array(32).fill(7)), signedOn: '2025-02-20' },
    scope: { units: [home, to], police: true, processing: true },
    validFrom: '2025-02-20',
    validUntil: '2026-02-19',
    now: world.now,
    ...opts,
  });
}

/** A quota proof for `unit` and `caseId`. */
export function quotaProof(
  world: World,
  unit: UnitId,
  caseId: string,
  direction: QuotaDirection,
  now = world.now,
) {
  return makeQuotaClaim(world.devices[unit].key, {
    agreement: world.agreement,
    unit,
    direction,
    caseId,
    now,
  });
}

/** A referral body that passes every rule, from `home` to `to`. */
export function referralBody(
  world: World,
  caseId: string,
  overrides: Partial<ReferralBody> = {},
  units: { home?: UnitId; to?: UnitId } = {},
): ReferralBody {
  const home = units.home ?? 'stockholm-jarva';
  const to = units.to ?? 'malmo';
  return {
    to,
    category: 'avhoppare',
    threatLevel: 'high',
    person: { name: 'Test Testsson', personalIdentityNumber: '19990101-1234', dateOfBirth: '1999-01-01' },
    requestedServices: ['krisstod', 'kontaktperson'],
    ...referralPreconditions(MUNICIPALITY[home], MUNICIPALITY[to]),
    temporaryHousing: { arrangedByHome: true, from: '2025-03-10', address: 'Hemlig gatan 1, Malmö' },
    contacts: [
      { unit: home, name: 'Handläggare A', role: 'socialsekreterare', phone: '+46 8 123 45', email: null },
    ],
    deviations: [],
    affiliation: null,
    consent: consentFor(world, caseId, { home, to }),
    quota: quotaProof(world, home, caseId, 'outgoing').proof,
    note: null,
    ...overrides,
  };
}

/** A signed packet of `type` from `unit`, with its claims, hash and case packet. */
export function signedPacket<T extends PacketType>(
  world: World,
  input: {
    unit: UnitId;
    type: T;
    caseId: string | null;
    prev: string | null;
    body: PacketBodies[T];
    aud: UnitId[];
    iat?: number;
  },
): { jws: string; claims: PacketClaims; hash: string; packet: CasePacket } {
  const claims = validateClaims({
    v: 1,
    pid: toBase64url(randomBytes(16)),
    iss: input.unit,
    dev: world.devices[input.unit].key.kid,
    rcp: input.aud.map((u) => world.devices[u].key.kid),
    aud: input.aud,
    iat: input.iat ?? Math.floor(world.now.getTime() / 1000),
    type: input.type,
    case: input.caseId,
    prev: input.prev,
    att: [],
    body: input.body,
  });
  const jws = signCompact(PACKET_TYP, claims, world.devices[input.unit].key);
  const hash = packetHash(jws);
  return {
    jws,
    claims,
    hash,
    packet: input.caseId === null ? (undefined as never) : toCasePacket(claims, hash),
  };
}
