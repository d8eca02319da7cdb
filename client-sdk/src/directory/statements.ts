/**
 * Directory statements (PROTOCOL.md §6): compact JWS that put devices and their keys into the
 * directory. Each names what it is in its `typ`:
 * - `brygga-device+jws`, signed by the unit root: a device's signing key is the unit's (enrolment);
 * - `brygga-hpke-key+jws`, signed by the device: an HPKE encryption key of that device, with an expiry
 *   (publication, and rotation by publishing the next one);
 * - `brygga-revocation+jws`, signed by the unit root: the device is revoked from then on;
 * - `brygga-intake+jws`, signed by the unit root: the devices that receive the unit's new referrals
 *   (its intake, §6.5), replacing the unit's earlier designation.
 */

import { decodeCompact, decodeJsonPayload, signCompact } from '../crypto/jws.js';
import { HpkePublicKey, type SigningKeyPair, SigningPublicKey } from '../crypto/keys.js';
import { BryggaError } from '../errors.js';
import { checkDisplayText, normalizeDisplayText } from './display-text.js';
import { fail, ID_PATTERN, int, KID_PATTERN, numericDate, obj, only, str } from './validate.js';

export const DEVICE_TYP = 'brygga-device+jws';
export const HPKE_KEY_TYP = 'brygga-hpke-key+jws';
export const REVOCATION_TYP = 'brygga-revocation+jws';
export const INTAKE_TYP = 'brygga-intake+jws';

/** Most devices one intake designation names (PROTOCOL.md §6.5). */
export const MAX_INTAKE_DEVICES = 16;

/** Longest validity of one HPKE key publication: 400 days. Rotation is expected well before. */
const MAX_HPKE_KEY_LIFETIME_SECONDS = 400 * 24 * 3600;

/** Enrolment: the unit root certifies a device's signing key. */
export interface DeviceClaims {
  v: 1;
  kind: 'brygga.device';
  unit: string;
  device: string;
  key: string;
  name: string;
  iat: number;
}

/** Publication of a device's HPKE key, signed by the device. */
export interface HpkeKeyClaims {
  v: 1;
  kind: 'brygga.hpke-key';
  unit: string;
  device: string;
  kid: string;
  key: string;
  iat: number;
  nbf: number;
  exp: number;
}

/** Revocation of a device, signed by the unit root. */
export interface RevocationClaims {
  v: 1;
  kind: 'brygga.revocation';
  unit: string;
  device: string;
  iat: number;
  reason: string;
}

/** The unit's intake devices (PROTOCOL.md §6.5), signed by the unit root; `devices` sorted, distinct. */
export interface IntakeClaims {
  v: 1;
  kind: 'brygga.intake';
  unit: string;
  devices: string[];
  iat: number;
}

/** A statement and its parsed (not yet chain-verified) claims. */
export type Statement =
  | { typ: typeof DEVICE_TYP; jws: string; signer: string; claims: DeviceClaims }
  | { typ: typeof HPKE_KEY_TYP; jws: string; signer: string; claims: HpkeKeyClaims }
  | { typ: typeof REVOCATION_TYP; jws: string; signer: string; claims: RevocationClaims }
  | { typ: typeof INTAKE_TYP; jws: string; signer: string; claims: IntakeClaims };

function checkVersion(c: Record<string, unknown>): void {
  if (c.v !== 1) throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported statement version');
}

function validateDevice(value: unknown): DeviceClaims {
  const c = obj(value, 'device statement');
  only(c, ['v', 'kind', 'unit', 'device', 'key', 'name', 'iat'], 'device statement');
  checkVersion(c);
  if (c.kind !== 'brygga.device') fail('not a device statement');
  str(c.unit, 'unit', ID_PATTERN);
  str(c.device, 'device', KID_PATTERN);
  checkDisplayText(c.name, 'device name', 200);
  int(c.iat, 'iat');
  const key = SigningPublicKey.deserialize(str(c.key, 'key'));
  if (key.kid !== c.device) fail('device id does not match its key');
  return c as unknown as DeviceClaims;
}

function validateHpkeKey(value: unknown): HpkeKeyClaims {
  const c = obj(value, 'key statement');
  only(c, ['v', 'kind', 'unit', 'device', 'kid', 'key', 'iat', 'nbf', 'exp'], 'key statement');
  checkVersion(c);
  if (c.kind !== 'brygga.hpke-key') fail('not a key statement');
  str(c.unit, 'unit', ID_PATTERN);
  str(c.device, 'device', KID_PATTERN);
  const iat = int(c.iat, 'iat');
  const nbf = int(c.nbf, 'nbf');
  const exp = int(c.exp, 'exp');
  if (nbf < iat || exp <= nbf || exp - iat > MAX_HPKE_KEY_LIFETIME_SECONDS) fail('key validity out of range');
  const key = HpkePublicKey.deserialize(str(c.key, 'key'));
  if (key.kid !== c.kid) fail('key id does not match its key');
  return c as unknown as HpkeKeyClaims;
}

function validateRevocation(value: unknown): RevocationClaims {
  const c = obj(value, 'revocation');
  only(c, ['v', 'kind', 'unit', 'device', 'iat', 'reason'], 'revocation');
  checkVersion(c);
  if (c.kind !== 'brygga.revocation') fail('not a revocation');
  str(c.unit, 'unit', ID_PATTERN);
  str(c.device, 'device', KID_PATTERN);
  int(c.iat, 'iat');
  checkDisplayText(c.reason, 'reason', 500);
  return c as unknown as RevocationClaims;
}

function validateIntake(value: unknown): IntakeClaims {
  const c = obj(value, 'intake statement');
  only(c, ['v', 'kind', 'unit', 'devices', 'iat'], 'intake statement');
  checkVersion(c);
  if (c.kind !== 'brygga.intake') fail('not an intake statement');
  str(c.unit, 'unit', ID_PATTERN);
  if (!Array.isArray(c.devices) || c.devices.length < 1 || c.devices.length > MAX_INTAKE_DEVICES)
    fail(`devices must list 1 to ${MAX_INTAKE_DEVICES} devices`);
  const devices = c.devices as unknown[];
  for (const [i, d] of devices.entries()) str(d, `devices[${i}]`, KID_PATTERN);
  for (let i = 1; i < devices.length; i++)
    if ((devices[i - 1] as string) >= (devices[i] as string)) fail('devices must be sorted and distinct');
  int(c.iat, 'iat');
  return c as unknown as IntakeClaims;
}

/** The statement types, for a check before anything else is read. */
export function isStatementTyp(typ: string): typ is Statement['typ'] {
  return typ === DEVICE_TYP || typ === HPKE_KEY_TYP || typ === REVOCATION_TYP || typ === INTAKE_TYP;
}

/** A statement of type `typ` from its (already verified) JWS and payload bytes. */
export function statementOf(
  typ: Statement['typ'],
  jws: string,
  signer: string,
  payloadBytes: Uint8Array,
): Statement {
  const payload = decodeJsonPayload<unknown>(payloadBytes);
  switch (typ) {
    case DEVICE_TYP:
      return { typ, jws, signer, claims: validateDevice(payload) };
    case HPKE_KEY_TYP:
      return { typ, jws, signer, claims: validateHpkeKey(payload) };
    case REVOCATION_TYP:
      return { typ, jws, signer, claims: validateRevocation(payload) };
    case INTAKE_TYP:
      return { typ, jws, signer, claims: validateIntake(payload) };
  }
}

/**
 * Parse a statement and check its own consistency (shape, ids derived from keys), without checking its
 * signature. Whether its signer is entitled to make it, and whether the signature verifies, is decided
 * by the {@link Directory}, which knows the agreement and verifies before it reads the claims.
 */
export function parseStatement(jws: string): Statement {
  const decoded = decodeCompact(jws);
  const typ = decoded.header.typ;
  if (!isStatementTyp(typ)) throw new BryggaError('ERR_MALFORMED', 'unknown statement type');
  return statementOf(typ, jws, decoded.header.kid, decoded.payloadBytes);
}

/**
 * Enrol a device: the unit root signs the device's signing key.
 *
 * @example const cert = enrolDevice(unitRoot, { unit: 'malmo', key: device.publicKey, name: 'Ärendesystem' });
 */
export function enrolDevice(
  root: SigningKeyPair,
  input: { unit: string; key: SigningPublicKey; name: string; now?: Date },
): string {
  const claims: DeviceClaims = {
    v: 1,
    kind: 'brygga.device',
    unit: input.unit,
    device: input.key.kid,
    key: input.key.serialize(),
    name: normalizeDisplayText(input.name),
    iat: numericDate(input.now ?? new Date()),
  };
  validateDevice(claims);
  return signCompact(DEVICE_TYP, claims, root);
}

/** Publish (or rotate to) an HPKE key: the device signs it with a validity period. */
export function publishHpkeKey(
  device: SigningKeyPair,
  input: { unit: string; key: HpkePublicKey; now?: Date; lifetimeSeconds?: number },
): string {
  const iat = numericDate(input.now ?? new Date());
  const claims: HpkeKeyClaims = {
    v: 1,
    kind: 'brygga.hpke-key',
    unit: input.unit,
    device: device.kid,
    kid: input.key.kid,
    key: input.key.serialize(),
    iat,
    nbf: iat,
    exp: iat + (input.lifetimeSeconds ?? 90 * 24 * 3600),
  };
  validateHpkeKey(claims);
  return signCompact(HPKE_KEY_TYP, claims, device);
}

/** Revoke a device: the unit root signs the revocation. */
export function revokeDevice(
  root: SigningKeyPair,
  input: { unit: string; device: string; reason: string; now?: Date },
): string {
  const claims: RevocationClaims = {
    v: 1,
    kind: 'brygga.revocation',
    unit: input.unit,
    device: input.device,
    iat: numericDate(input.now ?? new Date()),
    reason: normalizeDisplayText(input.reason),
  };
  validateRevocation(claims);
  return signCompact(REVOCATION_TYP, claims, root);
}

/**
 * Designate the unit's intake (PROTOCOL.md §6.5): the devices that receive its new referrals. The unit
 * root signs it; it replaces the unit's earlier designation.
 *
 * @example const intake = designateIntake(unitRoot, { unit: 'malmo', devices: [coordinator.kid] });
 */
export function designateIntake(
  root: SigningKeyPair,
  input: { unit: string; devices: readonly string[]; now?: Date },
): string {
  const claims: IntakeClaims = {
    v: 1,
    kind: 'brygga.intake',
    unit: input.unit,
    devices: [...new Set(input.devices)].sort(),
    iat: numericDate(input.now ?? new Date()),
  };
  validateIntake(claims);
  return signCompact(INTAKE_TYP, claims, root);
}
