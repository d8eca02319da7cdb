/**
 * Consent attestations (samtycke; PROTOCOL.md §12.3.1): a unit's signed statement that the person
 * consented to lifting secrecy between the named units (and, for a referral, the police), either in
 * writing (with the SHA-256 of the signed form) or orally, witnessed and documented. It is a compact JWS
 * of type `brygga-consent+jws` signed by a device of the home unit, bound to one case: portable evidence
 * a case system archives, and that a court can verify against the agreement alone.
 */
import { type Rng, randomBytes, toBase64url } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import type { SigningKeyPair } from '../crypto/keys.js';
import { numericDate } from '../directory/validate.js';
import { BryggaError } from '../errors.js';
import {
  bool,
  date,
  distinct,
  hash,
  id,
  id16,
  integer,
  jws,
  list,
  MAX_SHORT,
  malformed,
  members,
  oneOf,
  optionalDate,
  text,
} from './_fields.js';
import {
  type DeviceResolver,
  signDocument,
  type VerifiedDocument,
  verifyDocument,
} from './signed-document.js';

/** The JWS `typ` of a consent attestation. */
export const CONSENT_TYP = 'brygga-consent+jws';

/** How the consent was given: written (skriftligt) or oral (muntligt), witnessed. */
export type ConsentForm = 'written' | 'oral';

/** A written consent: the hash of the signed form the unit keeps. */
export interface WrittenConsent {
  /** base64url SHA-256 of the scanned or digital signed form ({@link hashConsentForm}). */
  documentSha256: string;
  signedOn: string;
}

/** An oral consent, with its witness and documentation (dokumentation). */
export interface OralConsent {
  givenOn: string;
  witness: { name: string; role: string };
  documentation: string;
}

/**
 * What the consent covers: the units between which secrecy is lifted, the police, and the processing of
 * the personal data (PROTOCOL.md §12.3.1). A referral's consent covers all three.
 */
export interface ConsentScope {
  units: string[];
  /** Consent to lifting secrecy between social services and the police (a referral precondition). */
  police: boolean;
  /** Consent to the processing of the personal data (behandling av uppgifterna; a referral precondition). */
  processing: boolean;
}

/** The signed payload of a consent attestation. */
export interface ConsentClaims {
  v: 1;
  kind: 'brygga.consent';
  /** Consent id (16 random bytes, base64url). */
  id: string;
  case: string;
  /** The attesting unit: the case's home unit. */
  unit: string;
  form: ConsentForm;
  written: WrittenConsent | null;
  oral: OralConsent | null;
  scope: ConsentScope;
  validFrom: string;
  validUntil: string | null;
  iat: number;
}

/** What {@link attestConsent} needs. */
export interface ConsentInput {
  caseId: string;
  unit: string;
  form: ConsentForm;
  written?: WrittenConsent;
  oral?: OralConsent;
  scope: ConsentScope;
  validFrom: string;
  validUntil?: string | null;
  now?: Date;
  rng?: Rng;
}

const CLAIM_KEYS = [
  'v',
  'kind',
  'id',
  'case',
  'unit',
  'form',
  'written',
  'oral',
  'scope',
  'validFrom',
  'validUntil',
  'iat',
];

/** The base64url SHA-256 of a signed consent form, for {@link WrittenConsent.documentSha256}. */
export function hashConsentForm(document: Uint8Array): string {
  return toBase64url(sha256(document));
}

/** Validate consent claims; ERR_MALFORMED naming the field. */
export function validateConsentClaims(value: unknown): ConsentClaims {
  const o = members(value, 'consent', CLAIM_KEYS);
  if (o.v !== 1) throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported consent version');
  if (o.kind !== 'brygga.consent') malformed('consent.kind', 'must be "brygga.consent"');
  const form = oneOf(o.form, 'consent.form', ['written', 'oral'] as const);
  let written: WrittenConsent | null = null;
  let oral: OralConsent | null = null;
  if (form === 'written') {
    if (o.oral !== null) malformed('consent.oral', 'must be null for a written consent');
    const w = members(o.written, 'consent.written', ['documentSha256', 'signedOn']);
    written = {
      documentSha256: hash(w.documentSha256, 'consent.written.documentSha256'),
      signedOn: date(w.signedOn, 'consent.written.signedOn'),
    };
  } else {
    if (o.written !== null) malformed('consent.written', 'must be null for an oral consent');
    const m = members(o.oral, 'consent.oral', ['givenOn', 'witness', 'documentation']);
    const w = members(m.witness, 'consent.oral.witness', ['name', 'role']);
    oral = {
      givenOn: date(m.givenOn, 'consent.oral.givenOn'),
      witness: {
        name: text(w.name, 'consent.oral.witness.name', MAX_SHORT),
        role: text(w.role, 'consent.oral.witness.role', MAX_SHORT),
      },
      documentation: text(m.documentation, 'consent.oral.documentation'),
    };
  }
  const s = members(o.scope, 'consent.scope', ['units', 'police', 'processing']);
  const units = list(s.units, 'consent.scope.units', 2, 50, id);
  distinct(units, 'consent.scope.units');
  const validFrom = date(o.validFrom, 'consent.validFrom');
  const validUntil = optionalDate(o.validUntil, 'consent.validUntil');
  if (validUntil !== null && validUntil < validFrom) malformed('consent.validUntil', 'is before validFrom');
  const unit = id(o.unit, 'consent.unit');
  if (!units.includes(unit)) malformed('consent.scope.units', 'must include the attesting unit');
  return {
    v: 1,
    kind: 'brygga.consent',
    id: id16(o.id, 'consent.id'),
    case: id16(o.case, 'consent.case'),
    unit,
    form,
    written,
    oral,
    scope: {
      units,
      police: bool(s.police, 'consent.scope.police'),
      processing: bool(s.processing, 'consent.scope.processing'),
    },
    validFrom,
    validUntil,
    iat: integer(o.iat, 'consent.iat', 0, Number.MAX_SAFE_INTEGER),
  };
}

/**
 * Sign a consent attestation with a device of the home unit.
 *
 * @example
 * const consent = attestConsent(device, { caseId, unit: 'stockholm-jarva', form: 'written',
 *   written: { documentSha256: hashConsentForm(scan), signedOn: '2025-03-01' },
 *   scope: { units: ['stockholm-jarva', 'malmo'], police: true, processing: true }, validFrom: '2025-03-01', validUntil: '2026-02-28' });
 */
export function attestConsent(device: SigningKeyPair, input: ConsentInput): string {
  const claims = validateConsentClaims({
    v: 1,
    kind: 'brygga.consent',
    id: toBase64url(randomBytes(16, input.rng)),
    case: input.caseId,
    unit: input.unit,
    form: input.form,
    written: input.written ?? null,
    oral: input.oral ?? null,
    scope: input.scope,
    validFrom: input.validFrom,
    validUntil: input.validUntil ?? null,
    iat: numericDate(input.now ?? new Date()),
  });
  return signDocument(CONSENT_TYP, claims, device);
}

/** Verify a consent attestation's signature and shape (not yet whether it covers a packet: see the rules). */
export function verifyConsent(jwsText: string, resolve: DeviceResolver): VerifiedDocument<ConsentClaims> {
  return verifyDocument(
    jws(jwsText, 'consent'),
    CONSENT_TYP,
    resolve,
    validateConsentClaims,
    (c) => c.unit,
    (c) => c.iat,
  );
}

/** Body of a `consent` packet: a further consent attestation for the case (for example a renewal). */
export interface ConsentBody {
  attestation: string;
}

/** Validate a `consent` packet body. */
export function validateConsentBody(value: unknown): ConsentBody {
  const o = members(value, 'consent', ['attestation']);
  return { attestation: jws(o.attestation, 'consent.attestation') };
}
