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

/** The claims of a relay token. */
export interface RelayTokenClaims {
  /** The device's key id (the relay checks it equals the header's `kid`). */
  iss: string;
  /** The relay's public URL, exactly as the relay is configured (`BRYGGA_PUBLIC_URL`). */
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
  if (typeof audience !== 'string' || audience.length === 0) {
    throw new BryggaError('ERR_MALFORMED', 'the relay audience must be a non-empty string');
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
