/**
 * Content-free quota claims (PROTOCOL.md §15). A unit that hands over a case signs an outgoing claim, and
 * a unit that takes one in signs an incoming claim; each names only the agreement, the municipality whose
 * quota it uses, the direction, the signing unit, the time and a *commitment* to the case:
 *
 *     commitment = b64u(SHA-256("brygga/v1/quota-commitment" ‖ 0x00 ‖ direction ‖ 0x00 ‖ case id (16 bytes) ‖ salt (32 bytes)))
 *
 * The salt is revealed only inside the case (in the referral or the acceptance), so the claim says
 * nothing about the person, the case or the counterpart to anyone else, yet the two units of the case
 * (and a court, from an evidence bundle) can check that the claim is the case's. Claims are sent to every
 * party, so every unit counts the same claims. A release (`brygga-quota-release+jws`) gives a slot back
 * when a referral is declined.
 */
import { concatBytes, fromBase64url, type Rng, randomBytes, toBase64url, utf8 } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import type { SigningKeyPair } from '../crypto/keys.js';
import type { Agreement } from '../directory/agreement.js';
import { numericDate } from '../directory/validate.js';
import { BryggaError, isBryggaError } from '../errors.js';
import { dayOf, hash, id, integer, jws, malformed, members, oneOf, SALT_PATTERN, text } from './_fields.js';
import {
  type DeviceResolver,
  signDocument,
  type VerifiedDocument,
  verifyDocument,
} from './signed-document.js';

/** The JWS `typ` of a quota claim. */
export const QUOTA_CLAIM_TYP = 'brygga-quota-claim+jws';
/** The JWS `typ` of a quota release. */
export const QUOTA_RELEASE_TYP = 'brygga-quota-release+jws';

/** Which quota a claim uses: the municipality's cases handed over, or taken in. */
export type QuotaDirection = 'outgoing' | 'incoming';

/** The signed payload of a quota claim. */
export interface QuotaClaimClaims {
  v: 1;
  kind: 'brygga.quota-claim';
  /** Digest of the agreement whose quota is used. */
  agreement: string;
  municipality: string;
  direction: QuotaDirection;
  /** The signing unit (a unit of `municipality`). */
  unit: string;
  commitment: string;
  iat: number;
}

/** The signed payload of a quota release. */
export interface QuotaReleaseClaims {
  v: 1;
  kind: 'brygga.quota-release';
  agreement: string;
  municipality: string;
  direction: QuotaDirection;
  unit: string;
  commitment: string;
  /** Why the slot is given back: the referral was declined, or withdrawn before a decision. */
  reason: 'declined' | 'withdrawn';
  iat: number;
}

/** A claim's opening, carried inside the case: the claim and the salt of its commitment. */
export interface QuotaProof {
  claim: string;
  salt: string;
}

const DIRECTIONS = ['outgoing', 'incoming'] as const;

/** The commitment of a claim to `caseId` (see the module header). */
export function quotaCommitment(direction: QuotaDirection, caseId: string, salt: string): string {
  return toBase64url(
    sha256(
      concatBytes(
        utf8('brygga/v1/quota-commitment'),
        new Uint8Array([0]),
        utf8(direction),
        new Uint8Array([0]),
        fromBase64url(caseId, 16),
        fromBase64url(salt, 32),
      ),
    ),
  );
}

function common(o: Record<string, unknown>, what: string) {
  if (o.v !== 1) throw new BryggaError('ERR_UNSUPPORTED_VERSION', `unsupported ${what} version`);
  return {
    agreement: hash(o.agreement, `${what}.agreement`),
    municipality: id(o.municipality, `${what}.municipality`),
    direction: oneOf(o.direction, `${what}.direction`, DIRECTIONS),
    unit: id(o.unit, `${what}.unit`),
    commitment: hash(o.commitment, `${what}.commitment`),
    iat: integer(o.iat, `${what}.iat`, 0, Number.MAX_SAFE_INTEGER),
  };
}

/** Validate claim payloads; ERR_MALFORMED naming the field. */
export function validateQuotaClaim(value: unknown): QuotaClaimClaims {
  const o = members(value, 'quota-claim', [
    'v',
    'kind',
    'agreement',
    'municipality',
    'direction',
    'unit',
    'commitment',
    'iat',
  ]);
  if (o.kind !== 'brygga.quota-claim') malformed('quota-claim.kind', 'must be "brygga.quota-claim"');
  return { v: 1, kind: 'brygga.quota-claim', ...common(o, 'quota-claim') };
}

/** Validate release payloads; ERR_MALFORMED naming the field. */
export function validateQuotaRelease(value: unknown): QuotaReleaseClaims {
  const o = members(value, 'quota-release', [
    'v',
    'kind',
    'agreement',
    'municipality',
    'direction',
    'unit',
    'commitment',
    'reason',
    'iat',
  ]);
  if (o.kind !== 'brygga.quota-release') malformed('quota-release.kind', 'must be "brygga.quota-release"');
  return {
    v: 1,
    kind: 'brygga.quota-release',
    ...common(o, 'quota-release'),
    reason: oneOf(o.reason, 'quota-release.reason', ['declined', 'withdrawn'] as const),
  };
}

/**
 * Make a claim on `agreement`'s quota of `unit`'s municipality for a case, with a fresh salt. Returns the
 * claim and the proof (claim and salt) to carry inside the case.
 */
export function makeQuotaClaim(
  device: SigningKeyPair,
  input: {
    agreement: Agreement;
    unit: string;
    direction: QuotaDirection;
    caseId: string;
    now?: Date;
    rng?: Rng;
  },
): { claims: QuotaClaimClaims; proof: QuotaProof } {
  const municipality = input.agreement.municipalityOf(input.unit);
  if (!municipality) throw new BryggaError('ERR_NOT_IN_AGREEMENT', `unit ${input.unit} is not a party`);
  const salt = toBase64url(randomBytes(32, input.rng));
  const claims = validateQuotaClaim({
    v: 1,
    kind: 'brygga.quota-claim',
    agreement: input.agreement.digest,
    municipality: municipality.id,
    direction: input.direction,
    unit: input.unit,
    commitment: quotaCommitment(input.direction, input.caseId, salt),
    iat: numericDate(input.now ?? new Date()),
  });
  return { claims, proof: { claim: signDocument(QUOTA_CLAIM_TYP, claims, device), salt } };
}

/** Sign a release of the claim with commitment `claim.commitment`. */
export function releaseQuotaClaim(
  device: SigningKeyPair,
  claim: QuotaClaimClaims,
  input: { unit: string; reason: 'declined' | 'withdrawn'; now?: Date },
): string {
  const release = validateQuotaRelease({
    v: 1,
    kind: 'brygga.quota-release',
    agreement: claim.agreement,
    municipality: claim.municipality,
    direction: claim.direction,
    unit: input.unit,
    commitment: claim.commitment,
    reason: input.reason,
    iat: numericDate(input.now ?? new Date()),
  });
  return signDocument(QUOTA_RELEASE_TYP, release, device);
}

function checkAgainstAgreements(
  what: string,
  c: { agreement: string; municipality: string; unit: string; iat: number },
  agreements: readonly Agreement[],
): void {
  const agreement = agreements.find((a) => a.digest === c.agreement);
  if (!agreement)
    throw new BryggaError('ERR_QUOTA_CLAIM', `${what} names an agreement this device does not hold`);
  if (agreement.municipalityOf(c.unit)?.id !== c.municipality) {
    throw new BryggaError(
      'ERR_QUOTA_CLAIM',
      `${what} uses the quota of another municipality than its unit's`,
    );
  }
  if (!agreement.inPeriod(dayOf(c.iat))) {
    throw new BryggaError('ERR_QUOTA_CLAIM', `${what} is dated outside its agreement's period`);
  }
}

/** A quota document's kind, and the payload it verifies to. */
export interface QuotaDocuments {
  claim: QuotaClaimClaims;
  release: QuotaReleaseClaims;
}

/** What tells a claim from a release when verifying it; the checks are the same. */
const KINDS: {
  [K in keyof QuotaDocuments]: { typ: string; validate: (v: unknown) => QuotaDocuments[K]; name: string };
} = {
  claim: { typ: QUOTA_CLAIM_TYP, validate: validateQuotaClaim, name: 'quota claim' },
  release: { typ: QUOTA_RELEASE_TYP, validate: validateQuotaRelease, name: 'quota release' },
};

/**
 * Verify a quota claim or release: the signature of a device of the unit it names, that unit's
 * municipality in the named agreement, dated within that agreement's period. For a release this means
 * only a unit of the claim's municipality may release it. Every failure is ERR_QUOTA_CLAIM (its cause
 * says more).
 */
export function verifyQuotaDocument<K extends keyof QuotaDocuments>(
  kind: K,
  jwsText: string,
  resolve: DeviceResolver,
  agreements: readonly Agreement[],
): VerifiedDocument<QuotaDocuments[K]> {
  const { typ, validate, name } = KINDS[kind];
  const what = `the ${name}`;
  try {
    const doc = verifyDocument(
      jws(jwsText, name),
      typ,
      resolve,
      validate,
      (c) => c.unit,
      (c) => c.iat,
    );
    checkAgainstAgreements(what, doc.payload, agreements);
    return doc;
  } catch (err) {
    if (isBryggaError(err, 'ERR_QUOTA_CLAIM')) throw err;
    throw new BryggaError('ERR_QUOTA_CLAIM', `${what} does not verify`, { cause: err });
  }
}

/** Verify a claim ({@link verifyQuotaDocument}). */
export function verifyQuotaClaim(
  jwsText: string,
  resolve: DeviceResolver,
  agreements: readonly Agreement[],
): VerifiedDocument<QuotaClaimClaims> {
  return verifyQuotaDocument('claim', jwsText, resolve, agreements);
}

/** Verify a release ({@link verifyQuotaDocument}). */
export function verifyQuotaRelease(
  jwsText: string,
  resolve: DeviceResolver,
  agreements: readonly Agreement[],
): VerifiedDocument<QuotaReleaseClaims> {
  return verifyQuotaDocument('release', jwsText, resolve, agreements);
}

/**
 * Verify a proof carried inside a case: the claim verifies, has `direction`, is signed by `unit`, and
 * its commitment opens to `caseId` with the salt. ERR_QUOTA_CLAIM otherwise.
 */
export function verifyQuotaProof(
  proof: QuotaProof,
  expect: { caseId: string; unit: string; direction: QuotaDirection },
  resolve: DeviceResolver,
  agreements: readonly Agreement[],
): VerifiedDocument<QuotaClaimClaims> {
  const doc = verifyQuotaClaim(proof.claim, resolve, agreements);
  const c = doc.payload;
  if (c.unit !== expect.unit || c.direction !== expect.direction) {
    throw new BryggaError('ERR_QUOTA_CLAIM', 'the quota claim is not the one this case needs');
  }
  if (quotaCommitment(c.direction, expect.caseId, proof.salt) !== c.commitment) {
    throw new BryggaError('ERR_QUOTA_CLAIM', 'the quota claim does not commit to this case');
  }
  return doc;
}

/** Validate a proof's shape (inside a packet body). */
export function validateQuotaProof(value: unknown, path: string): QuotaProof {
  const o = members(value, path, ['claim', 'salt']);
  return { claim: jws(o.claim, `${path}.claim`), salt: text(o.salt, `${path}.salt`, 43, SALT_PATTERN) };
}

/** Body of a `quota-claim` packet. */
export interface QuotaClaimBody {
  claim: string;
}

/** Body of a `quota-release` packet. */
export interface QuotaReleaseBody {
  release: string;
}

/** Validate a `quota-claim` packet body. */
export function validateQuotaClaimBody(value: unknown): QuotaClaimBody {
  const o = members(value, 'quota-claim', ['claim']);
  return { claim: jws(o.claim, 'quota-claim.claim') };
}

/** Validate a `quota-release` packet body. */
export function validateQuotaReleaseBody(value: unknown): QuotaReleaseBody {
  const o = members(value, 'quota-release', ['release']);
  return { release: jws(o.release, 'quota-release.release') };
}
