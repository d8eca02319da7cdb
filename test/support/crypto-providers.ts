/**
 * Runs a suite once per crypto provider (client-sdk/src/crypto/provider.ts), in the same test run, so
 * a vector that one provider gets wrong fails the suite whichever provider is the default.
 *
 * On Node both providers must be present: a platform that lost `native` would otherwise test only
 * `noble` and pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  availableCryptoProviders,
  type CryptoProviderName,
  cryptoProviderName,
  useCryptoProvider,
} from '../../client-sdk/src/crypto/provider.js';

/** Every provider, the default first. */
export const CRYPTO_PROVIDERS: readonly CryptoProviderName[] = ['native', 'noble'];

/**
 * `describe(title, body)` once per provider, the provider in use for every test and hook inside it.
 * Work done while the suite is collected (outside `it` and the hooks) runs on the default provider, and
 * keys keep the provider they were made under: make keys inside the tests.
 */
export function describeEachProvider(title: string, body: (provider: CryptoProviderName) => void): void {
  describe.each(CRYPTO_PROVIDERS)(`${title} [%s]`, (name) => {
    beforeAll(() => useCryptoProvider(name));
    afterAll(() => useCryptoProvider());
    it('runs on this provider', () => {
      expect(availableCryptoProviders()).toContain(name);
      expect(cryptoProviderName()).toBe(name);
    });
    body(name);
  });
}
