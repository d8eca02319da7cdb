/**
 * Relay authentication (PROTOCOL.md §8): every call but health, the OpenAPI document
 * and the public directory carries `Authorization: Bearer <JWT>`, signed by the calling device's key.
 *
 * Checks, in order (each refusal an error code of the error table, PROTOCOL.md §9):
 * 1. The token is a compact JWS whose protected header and payload are Brygga JSON (PROTOCOL.md §1.1:
 *    no duplicate member names; jose's own parsing is `JSON.parse`, which keeps the last copy, so both
 *    are parsed strictly here first), whose protected header is exactly `{alg: "EdDSA", typ: "JWT", kid}`:
 *    no other algorithm (not `none`, not HMAC), no embedded or referenced keys, and whose `aud` is one
 *    string, never an array (`ERR_UNAUTHORIZED`).
 * 2. The `kid` names an enrolled device (`ERR_UNKNOWN_DEVICE`) that is not revoked
 *    (`ERR_DEVICE_REVOKED`) and whose unit is still a party (`ERR_DEVICE_NOT_IN_AGREEMENT`). The
 *    directory is public, so saying which of these failed tells nobody anything new.
 * 3. The signature's R is not the identity point (`01 00 … 00`): jose verifies through WebCrypto, that
 *    is OpenSSL, which refuses every other small-order R but accepts that one; refusing it makes the
 *    answer the one rule of PROTOCOL.md §4.1 (`ERR_UNAUTHORIZED`). Then jose `jwtVerify` with the
 *    algorithm pinned to EdDSA, the device's public key, `iss` = the kid,
 *    `aud` = this relay's public URL, `typ` JWT, `iat`, `exp` and `jti` required, at most five minutes old,
 *    30 seconds of clock tolerance (`ERR_UNAUTHORIZED`). Also `exp - iat` at most 300 seconds and a `jti`
 *    of at least 128 bits. A token outside its time window, issued in the future or expired, is
 *    `ERR_CLOCK_SKEW`, whose detail says how far the token's time is from the relay's.
 * 5. The `jti` has never been used by this device (`ERR_TOKEN_REPLAYED`), across processes and restarts:
 *    PROTOCOL.md §8 "Replay protection" (storage/token-ids.ts on SQLite, a row per id on PostgreSQL).
 *    A token a restarted SQLite relay cannot tell from one used before the restart is
 *    `ERR_UNAVAILABLE` (503, `Retry-After`): a fresh token a few seconds later passes.
 */
import {
  BryggaError,
  type Directory,
  fromBase64url,
  isBryggaError,
  KID_PATTERN,
  parseJson,
  type SigningPublicKey,
} from '@brygga/client-sdk';
import { errors, importJWK, jwtVerify } from 'jose';
import { Problem } from '../problem.js';

/** Longest token lifetime accepted, `exp - iat`, and greatest age, in seconds. */
const MAX_TOKEN_LIFETIME_SECONDS = 300;

/** Clock skew allowed between a device and the relay, in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 30;

const JTI_PATTERN = /^[A-Za-z0-9_-]{22,128}$/;
const COMPACT_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 4096;

/** An authenticated device. */
export interface AuthenticatedDevice {
  kid: string;
  unit: string;
  /** The token's id and how long it must be remembered (recorded already, unless deferred). */
  token: TokenUse;
}

/** A token id to record: the relay refuses to see it again until `expiresAt` (ms). */
export interface TokenUse {
  device: string;
  jti: string;
  expiresAt: number;
  /** The token's `iat`, in seconds. */
  issuedAt: number;
}

/** What recording a token id found (storage/token-ids.ts). */
export type TokenVerdict = 'fresh' | 'replayed' | 'before-restart' | 'before-database-restart';

/**
 * Seconds a client waits before retrying after `before-restart`: the ceiling step of PROTOCOL.md §8 (a
 * ceiling is at most `iat + 5`) and one more, so that the fresh token's `iat` is past it.
 */
const RESTART_RETRY_SECONDS = 6;

/**
 * Seconds a client waits before retrying after `before-database-restart`: the floor is the relay's clock
 * plus the 30 seconds a token's `iat` may be ahead of it (PROTOCOL.md §8), so a fresh token passes once
 * that much time has gone by, and one more second.
 */
const DATABASE_RESTART_RETRY_SECONDS = CLOCK_TOLERANCE_SECONDS + RESTART_RETRY_SECONDS;

/** What {@link verifyDeviceToken} needs. */
export interface TokenCheck {
  directory: Directory;
  /** This relay's public URL: the only audience accepted. */
  audience: string;
  /** Now, in milliseconds. */
  now: number;
  /**
   * Record a token id (see {@link TokenVerdict}). Absent: the caller records the id itself, with the
   * request's own write.
   */
  useToken?: (token: TokenUse) => Promise<TokenVerdict>;
  /** Cache of imported device keys, by kid. */
  keys: DeviceKeyCache;
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="brygga"' };

function unauthorized(detail: string, cause?: unknown): Problem {
  return new Problem('ERR_UNAUTHORIZED', detail, { headers: CHALLENGE, cause });
}

/** Imported public keys of devices, so a key is converted once, not on every request. */
export class DeviceKeyCache {
  readonly #keys = new Map<string, Promise<CryptoKey>>();

  /** The device's Ed25519 public key as a WebCrypto key for jose (imported as an OKP JWK). */
  get(key: SigningPublicKey): Promise<CryptoKey> {
    let imported = this.#keys.get(key.kid);
    if (!imported) {
      imported = importJWK({ kty: 'OKP', crv: 'Ed25519', x: key.serialize() }, 'EdDSA') as Promise<CryptoKey>;
      this.#keys.set(key.kid, imported);
    }
    return imported;
  }
}

/**
 * Protected headers already checked, by their encoded form, with their kid. A device's tokens all carry
 * the same header (`{alg, typ, kid}` only), so after its first token the check is a lookup. The result
 * depends on the string alone; the cache is bounded (oldest dropped first) so junk cannot grow it.
 */
const checkedHeaders = new Map<string, string>();
const CHECKED_HEADERS_MAX = 1024;

function checkHeader(token: string): string {
  if (token.length > MAX_TOKEN_LENGTH || !COMPACT_PATTERN.test(token)) {
    throw unauthorized('the bearer token is not a compact JWS');
  }
  const encoded = token.slice(0, token.indexOf('.'));
  const known = checkedHeaders.get(encoded);
  if (known !== undefined) return known;
  const kid = parseHeader(token);
  if (checkedHeaders.size >= CHECKED_HEADERS_MAX) checkedHeaders.delete(checkedHeaders.keys().next().value!);
  checkedHeaders.set(encoded, kid);
  return kid;
}

/** A token part (header or payload) as a Brygga JSON object (PROTOCOL.md §1.1), or undefined. */
function decodePart(encoded: string): Record<string, unknown> | undefined {
  try {
    const value = parseJson(fromBase64url(encoded));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function parseHeader(token: string): string {
  const header = decodePart(token.slice(0, token.indexOf('.')));
  if (!header) throw unauthorized('the token header is not a Brygga JSON object');
  const keys = Object.keys(header).sort().join(',');
  if (keys !== 'alg,kid,typ' || header.alg !== 'EdDSA' || header.typ !== 'JWT') {
    throw unauthorized('the token header must be exactly {alg: EdDSA, typ: JWT, kid}');
  }
  if (typeof header.kid !== 'string' || !KID_PATTERN.test(header.kid)) {
    throw unauthorized('the token kid is not a device key id');
  }
  return header.kid;
}

/** The calling device, or the directory's refusal of it in the caller's own terms. */
function deviceOf(directory: Directory, kid: string): { unit: string; key: SigningPublicKey } {
  try {
    return directory.activeDevice(kid);
  } catch (err) {
    if (isBryggaError(err, 'ERR_UNKNOWN_KEY')) {
      throw new Problem('ERR_UNKNOWN_DEVICE', 'the token is not from an enrolled device', {
        headers: CHALLENGE,
        cause: err,
      });
    }
    if (isBryggaError(err, 'ERR_KEY_REVOKED')) {
      throw new BryggaError('ERR_DEVICE_REVOKED', 'the device has been revoked', { cause: err });
    }
    if (isBryggaError(err, 'ERR_NOT_IN_AGREEMENT')) {
      throw new BryggaError(
        'ERR_DEVICE_NOT_IN_AGREEMENT',
        "the device's unit is not a party to the agreement",
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}

/**
 * The refusal of a token whose time is outside the relay's window (PROTOCOL.md §8): issued in the future
 * (the device's clock is ahead), or expired or too old (behind). Every call carries a fresh token, so a
 * token out of its window means the device's clock and the relay's differ; the detail says by how much
 * and gives the relay's time, which the `Date` header of every answer carries too.
 */
function clockSkew(iat: number, now: number, cause: unknown): Problem {
  const skew = Math.round(iat - now / 1000);
  const direction = skew >= 0 ? 'ahead of' : 'behind';
  return new Problem(
    'ERR_CLOCK_SKEW',
    `the token's time is ${Math.abs(skew)} seconds ${direction} the relay's clock (${new Date(now).toISOString()}); ` +
      `tokens are accepted within ${CLOCK_TOLERANCE_SECONDS} seconds of it`,
    { headers: CHALLENGE, cause },
  );
}

function claimProblem(err: unknown, now: number): Problem {
  // jose reports time failures with the verified claims: "exp" passed, "iat" too old or in the future.
  if (
    (err instanceof errors.JWTExpired || err instanceof errors.JWTClaimValidationFailed) &&
    (err.claim === 'exp' || err.claim === 'iat') &&
    err.reason === 'check_failed' &&
    Number.isSafeInteger(err.payload.iat)
  ) {
    return clockSkew(err.payload.iat as number, now, err);
  }
  if (err instanceof errors.JWTExpired) return unauthorized('the token has expired', err);
  if (err instanceof errors.JWTClaimValidationFailed) {
    return unauthorized(`the token's "${err.claim}" claim is not acceptable`, err);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return unauthorized('the token algorithm is not allowed', err);
  if (err instanceof errors.JOSEError) return unauthorized('the token does not verify', err);
  return err instanceof Problem ? err : unauthorized('the token does not verify', err);
}

/** The encoding of the identity point, the one small-order R that OpenSSL accepts (PROTOCOL.md §4.1). */
const IDENTITY_R = '0100000000000000000000000000000000000000000000000000000000000000';

/**
 * The checks jose does not make: the payload is a Brygga JSON object whose `aud` is one string
 * (PROTOCOL.md §8), and the signature's R is not the identity (§4.1).
 */
function checkPayloadAndSignature(token: string): void {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  const payload = decodePart(token.slice(first + 1, second));
  if (!payload) throw unauthorized('the token payload is not a Brygga JSON object');
  if (typeof payload.aud !== 'string') throw unauthorized('the token\'s "aud" claim must be one string');
  let signature: Uint8Array;
  try {
    signature = fromBase64url(token.slice(second + 1));
  } catch (err) {
    throw unauthorized('the token does not verify', err);
  }
  if (signature.length !== 64 || Buffer.from(signature.subarray(0, 32)).toString('hex') === IDENTITY_R) {
    throw unauthorized('the token does not verify');
  }
}

/**
 * Verify a bearer token and consume its id. Resolves with the device; rejects with a `BryggaError`.
 *
 * @example const device = await verifyDeviceToken(token, { directory, audience, now, useToken, keys });
 */
export async function verifyDeviceToken(token: string, check: TokenCheck): Promise<AuthenticatedDevice> {
  const kid = checkHeader(token);
  checkPayloadAndSignature(token);
  const device = deviceOf(check.directory, kid);
  let payload: Record<string, unknown>;
  try {
    const result = await jwtVerify(token, await check.keys.get(device.key), {
      algorithms: ['EdDSA'],
      audience: check.audience,
      issuer: kid,
      typ: 'JWT',
      maxTokenAge: MAX_TOKEN_LIFETIME_SECONDS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['iss', 'aud', 'jti', 'iat', 'exp'],
      currentDate: new Date(check.now),
    });
    payload = result.payload as Record<string, unknown>;
  } catch (err) {
    throw claimProblem(err, check.now);
  }
  const { iat, exp, jti } = payload as { iat: number; exp: number; jti: unknown };
  if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp) || exp - iat > MAX_TOKEN_LIFETIME_SECONDS) {
    throw unauthorized(`a token may live at most ${MAX_TOKEN_LIFETIME_SECONDS} seconds`);
  }
  if (typeof jti !== 'string' || !JTI_PATTERN.test(jti)) {
    throw unauthorized('the token jti must be at least 128 random bits, base64url');
  }
  // Keep the id until the token is refused on age or expiry alone.
  const keepUntil = (Math.max(exp, iat + MAX_TOKEN_LIFETIME_SECONDS) + CLOCK_TOLERANCE_SECONDS + 1) * 1000;
  const use = { device: kid, jti, expiresAt: keepUntil, issuedAt: iat };
  if (check.useToken) refuseUnlessFresh(await check.useToken(use));
  return { kid, unit: device.unit, token: use };
}

/** Throw the refusal a token's {@link TokenVerdict} calls for, if any. */
export function refuseUnlessFresh(verdict: TokenVerdict): void {
  if (verdict !== 'fresh') throw tokenRefusal(verdict);
}

/** The refusal of a token id that is not fresh. */
export function tokenRefusal(verdict: Exclude<TokenVerdict, 'fresh'>): Problem {
  if (verdict === 'replayed') return tokenReplayed();
  const [what, seconds] =
    verdict === 'before-restart'
      ? ['the relay', RESTART_RETRY_SECONDS]
      : ["the relay's database", DATABASE_RESTART_RETRY_SECONDS];
  return new Problem(
    'ERR_TOKEN_UNCERTAIN',
    `${what} restarted moments ago and cannot tell whether this token was used before; retry with a fresh token`,
    { headers: { 'retry-after': String(seconds) } },
  );
}

/** The refusal of a token id seen before. */
export function tokenReplayed(): Problem {
  return new Problem('ERR_TOKEN_REPLAYED', 'this token has been used before', { headers: CHALLENGE });
}

/** Parse an `Authorization: Bearer …` header; undefined when absent or not a bearer credential. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  return match?.[1];
}
