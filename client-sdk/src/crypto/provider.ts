/**
 * The crypto provider: the one place that decides which implementation of the primitives the SDK runs
 * on (README, "Crypto providers"; PROTOCOL.md §4.1). Two exist:
 *
 * - `native`: the platform's own crypto (OpenSSL under Node's `node:crypto`, reached through
 *   `process.getBuiltinModule`, so no `node:` import exists for a browser bundle to trip on) for
 *   SHA-2, HMAC, Ed25519, X25519 and ChaCha20-Poly1305, with @noble's HChaCha20 in front for
 *   XChaCha20-Poly1305. Chosen by default wherever it is present (Node 20.16+, Deno, Bun).
 * - `noble`: @noble/curves, @noble/hashes and @noble/ciphers in JavaScript. Everywhere else (browsers),
 *   or when asked for.
 *
 * WebCrypto is not a provider: its Ed25519 and X25519 are asynchronous, and every call site of these
 * primitives (signing claims, verifying statements while a directory is read, HPKE) is synchronous.
 *
 * Both providers give identical results: the test vectors (RFC 8032, RFC 7748, RFC 9180, Wycheproof,
 * the envelope conformance vectors and test/vectors/ed25519-verification.json) run against each of them
 * in the same test run. The Ed25519 verification rule itself (ed25519.ts) is the same code for both;
 * a provider contributes only the final equation.
 *
 * The choice is made once, at start-up, from `BRYGGA_CRYPTO` (`native` or `noble`) when the platform
 * has an environment, else the best available; {@link useCryptoProvider} changes it (tests, or a case
 * system that wants one provider). Keys made under one provider keep using it (keys.ts).
 */
import { BryggaError } from '../errors.js';
import { nativeProvider } from './_native.js';
import { nobleProvider } from './_noble.js';
import type { CryptoProvider, CryptoProviderName } from './_provider-types.js';

export type { CryptoProvider, CryptoProviderName, Ed25519Secret, X25519Secret } from './_provider-types.js';

const available: Partial<Record<CryptoProviderName, CryptoProvider>> = { noble: nobleProvider };
if (nativeProvider) available.native = nativeProvider;

/** The provider named by `BRYGGA_CRYPTO`, when the platform has an environment and it is set. */
function requested(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.BRYGGA_CRYPTO;
  return value === undefined || value === '' ? undefined : value;
}

function select(name: string | undefined): CryptoProvider {
  if (name === undefined) return available.native ?? nobleProvider;
  const provider = available[name as CryptoProviderName];
  if (!provider) {
    throw new BryggaError(
      'ERR_MALFORMED',
      `crypto provider ${JSON.stringify(name)} is not available here (available: ${availableCryptoProviders().join(', ')})`,
    );
  }
  return provider;
}

let current: CryptoProvider = select(requested());

/** The provider every primitive runs on now. */
export function provider(): CryptoProvider {
  return current;
}

/** The providers this platform has, the preferred first. */
export function availableCryptoProviders(): CryptoProviderName[] {
  return (['native', 'noble'] as const).filter((name) => available[name] !== undefined);
}

/** The name of the provider in use. */
export function cryptoProviderName(): CryptoProviderName {
  return current.name;
}

/**
 * Run the primitives on `name` from now on (ERR_MALFORMED if this platform lacks it); without a name,
 * return to the start-up choice. Keys already made keep their provider.
 *
 * @example useCryptoProvider('noble'); // as BRYGGA_CRYPTO=noble would
 */
export function useCryptoProvider(name?: CryptoProviderName): void {
  current = select(name ?? requested());
}
