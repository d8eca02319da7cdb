/**
 * Relay authentication tokens (PROTOCOL.md §8): a short-lived JWT signed by the device key, bound to
 * the relay's public URL, with a unique id the relay refuses to see twice. A fresh token is made for
 * every request.
 *
 * The token is a compact JWS made with the SDK's own Ed25519 signer ({@link signCompact}) rather than
 * WebCrypto, because Ed25519 in WebCrypto is not available in every browser the SDK runs in. Its
 * protected header is exactly `{"alg":"EdDSA","typ":"JWT","kid":<device kid>}`.
 */

import { type Rng, randomBytes, toBase64url } from '../crypto/bytes.js';
import { signCompact } from '../crypto/jws.js';
import type { SigningKeyPair } from '../crypto/keys.js';
import { BryggaError } from '../errors.js';

/** The JWS `typ` of a relay token. */
export const RELAY_TOKEN_TYP = 'JWT';

/** The longest lifetime the relay accepts (`exp - iat`), in seconds. */
export const MAX_RELAY_TOKEN_LIFETIME_SECONDS = 300;

/** Default lifetime: one minute is ample for one request and limits what a leaked token is worth. */
const DEFAULT_LIFETIME_SECONDS = 60;

/**
 * The form of a relay's public URL, and so of every token's `aud` (PROTOCOL.md §8): `http` or `https`,
 * a host (and port), an optional path, and no trailing slash, query, fragment, user part or whitespace.
 * The relay compares `aud` with its URL byte for byte, so the one form leaves nothing to normalise.
 */
export const RELAY_AUDIENCE_PATTERN =
  /^https?:\/\/[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~%!$&'()*+,;=:@-]+)*$/;

/** The claims of a relay token. */
export interface RelayTokenClaims {
  /** The device's key id (the relay checks it equals the header's `kid`). */
  iss: string;
  /**
   * The relay's public URL, exactly as the relay is configured (`BRYGGA_PUBLIC_URL`): one string,
   * never an array (RFC 7519 §4.1.3 allows both; Brygga only the string).
   */
  aud: string;
  iat: number;
  exp: number;
  /** 16 random bytes, base64url: the relay refuses a token id it has seen before. */
  jti: string;
}

/** Options of {@link createRelayToken}. */
export interface RelayTokenOptions {
  now?: Date;
  rng?: Rng;
  /** Seconds until expiry, 1 to 300 (default 60). */
  lifetimeSeconds?: number;
}

/**
 * A single-use bearer token for one relay request, signed by `key` (the device's signing key).
 *
 * @example
 * const token = createRelayToken(deviceKey, 'https://relay.example.se');
 * await fetch(url, { headers: { authorization: `Bearer ${token}` } });
 */
export function createRelayToken(
  key: SigningKeyPair,
  audience: string,
  opts: RelayTokenOptions = {},
): string {
  if (typeof audience !== 'string' || !RELAY_AUDIENCE_PATTERN.test(audience)) {
    throw new BryggaError(
      'ERR_MALFORMED',
      'the relay audience must be one URL string, http(s)://host[:port][/path], without a trailing slash',
    );
  }
  const lifetime = opts.lifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS;
  if (!Number.isSafeInteger(lifetime) || lifetime < 1 || lifetime > MAX_RELAY_TOKEN_LIFETIME_SECONDS) {
    throw new BryggaError(
      'ERR_MALFORMED',
      `token lifetime must be 1 to ${MAX_RELAY_TOKEN_LIFETIME_SECONDS} seconds`,
    );
  }
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const claims: RelayTokenClaims = {
    iss: key.kid,
    aud: audience,
    iat,
    exp: iat + lifetime,
    jti: toBase64url(randomBytes(16, opts.rng)),
  };
  return signCompact(RELAY_TOKEN_TYP, claims, key);
}
