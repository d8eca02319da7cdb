/**
 * Relay authentication (PROTOCOL.md §8): every call but health, the OpenAPI document
 * and the public directory carries `Authorization: Bearer <JWT>`, signed by the calling device's key.
 *
 * Checks, in order (each refusal an error code of the error table, PROTOCOL.md §9):
 * 1. The token is a compact JWS whose protected header and payload are Brygga JSON (PROTOCOL.md §1.1:
 *    no duplicate member names, which a parser that keeps the last copy would read as a good token), whose protected header is exactly `{alg: "EdDSA", typ: "JWT", kid}`:
 *    no other algorithm (not `none`, not HMAC), no embedded or referenced keys, and whose `aud` is one
 *    string, never an array (`ERR_UNAUTHORIZED`).
 * 2. The `kid` names an enrolled device (`ERR_UNKNOWN_DEVICE`) that is not revoked
 *    (`ERR_DEVICE_REVOKED`) and whose unit is still a party (`ERR_DEVICE_NOT_IN_AGREEMENT`). The
 *    directory is public, so saying which of these failed tells nobody anything new.
 * 3. The signature verifies by the one rule of PROTOCOL.md §4.1 (`ERR_UNAUTHORIZED`) under the device's
 *    key from the directory, judged by the SDK's verifier (`SigningPublicKey.verifyAsync`: the rule's
 *    checks, `R = 01 00 … 00` refused among them, then OpenSSL's equation on libuv's thread pool).
 *    Then the claims, as RFC 7519 §4.1 names them, against this relay's clock in whole seconds: `iss`, `aud`, `iat`, `exp` and `jti` present (`ERR_UNAUTHORIZED`); `iss` = the kid;
 *    `aud` = this relay's public URL; `iat` a number; `nbf`, if present, a number not more than 30 seconds
 *    ahead; `exp` a number. A token issued more than 30 seconds in the future, expired more than 30
 *    seconds ago, or issued more than five minutes and 30 seconds ago is `ERR_CLOCK_SKEW`, whose detail
 *    says how far the token's time is from the relay's. Also `exp - iat` at most 300 seconds and a `jti`
 *    of at least 128 bits (`ERR_UNAUTHORIZED`).
 * 4. The `jti` has never been used by this device (`ERR_TOKEN_REPLAYED`), across processes and restarts:
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
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="brygga"' };

function unauthorized(detail: string, cause?: unknown): Problem {
  return new Problem('ERR_UNAUTHORIZED', detail, { headers: CHALLENGE, cause });
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
function clockSkew(iat: number, now: number): Problem {
  const skew = Math.round(iat - now / 1000);
  const direction = skew >= 0 ? 'ahead of' : 'behind';
  return new Problem(
    'ERR_CLOCK_SKEW',
    `the token's time is ${Math.abs(skew)} seconds ${direction} the relay's clock (${new Date(now).toISOString()}); ` +
      `tokens are accepted within ${CLOCK_TOLERANCE_SECONDS} seconds of it`,
    { headers: CHALLENGE },
  );
}

/** The parts of a token after its header. */
interface TokenParts {
  /** A Brygga JSON object whose `aud` is one string. */
  payload: Record<string, unknown>;
  /** The bytes signed: the encoded header and payload, joined by a dot (RFC 7515 §5.2). */
  signingInput: Uint8Array;
  signature: Uint8Array;
}

/** The payload, a Brygga JSON object whose `aud` is one string (PROTOCOL.md §8), and the signature. */
function splitToken(token: string): TokenParts {
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
  if (signature.length !== 64) throw unauthorized('the token does not verify');
  // The token is ASCII (checkHeader), so its Latin-1 bytes are its UTF-8 bytes.
  return { payload, signingInput: Buffer.from(token.slice(0, second), 'latin1'), signature };
}

/** The claims every token carries, checked for presence in this order. */
const REQUIRED_CLAIMS = ['iss', 'aud', 'iat', 'exp', 'jti'] as const;

function claimRefused(claim: string): Problem {
  return unauthorized(`the token's "${claim}" claim is not acceptable`);
}

/**
 * The claims of a validly signed token (step 3 of the module header), at `nowMs`. Times are compared in
 * whole seconds, the relay's clock rounded down, as RFC 7519 §2 NumericDate values are; every number
 * is a safe integer, Brygga JSON admits no other.
 */
function checkClaims(
  payload: Record<string, unknown>,
  kid: string,
  audience: string,
  nowMs: number,
): { iat: number; exp: number; jti: unknown } {
  for (const claim of REQUIRED_CLAIMS) {
    if (!Object.hasOwn(payload, claim)) throw claimRefused(claim);
  }
  if (payload.iss !== kid) throw claimRefused('iss');
  if (payload.aud !== audience) throw claimRefused('aud');
  const { iat, nbf, exp } = payload;
  if (typeof iat !== 'number') throw claimRefused('iat');
  const now = Math.floor(nowMs / 1000);
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + CLOCK_TOLERANCE_SECONDS)) {
    throw claimRefused('nbf');
  }
  if (typeof exp !== 'number') throw claimRefused('exp');
  // Out of the window, expired or too old or issued in the future: the device's clock is off.
  const age = now - iat;
  if (
    exp <= now - CLOCK_TOLERANCE_SECONDS ||
    age - CLOCK_TOLERANCE_SECONDS > MAX_TOKEN_LIFETIME_SECONDS ||
    age < -CLOCK_TOLERANCE_SECONDS
  ) {
    throw clockSkew(iat, nowMs);
  }
  return { iat, exp, jti: payload.jti };
}

/**
 * Verify a bearer token and consume its id. Resolves with the device; rejects with a `BryggaError`.
 *
 * @example const device = await verifyDeviceToken(token, { directory, audience, now, useToken });
 */
export async function verifyDeviceToken(token: string, check: TokenCheck): Promise<AuthenticatedDevice> {
  const kid = checkHeader(token);
  const { payload, signingInput, signature } = splitToken(token);
  const device = deviceOf(check.directory, kid);
  // Off the event loop: the relay's benchmark (durable submissions, 32 at a time) measured about 0.1 ms
  // less event-loop CPU per submission with OpenSSL's verify on libuv's pool than on the event loop
  // (about 78 µs there), at the same total CPU within its noise; the event loop is one thread, and work
  // moved off it leaves it free for the next request meanwhile.
  if (!(await device.key.verifyAsync(signature, signingInput))) {
    throw unauthorized('the token does not verify');
  }
  const { iat, exp, jti } = checkClaims(payload, kid, check.audience, check.now);
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
