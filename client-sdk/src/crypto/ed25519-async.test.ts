/**
 * `SigningPublicKey.verifyAsync` (the equation off the calling thread, as the relay verifies tokens) gives
 * the answer of `verify`, the one rule of PROTOCOL.md §4.1, under every crypto provider: on every vector
 * of test/vectors/ed25519-verification.json and of Wycheproof's Ed25519 tests whose public key the
 * directory would admit (§3.1), and on fresh signatures made non-canonical (S + L) or with R the identity.
 */
import { readFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SigningKeyPair, SigningPublicKey } from './keys.js';
import { useCryptoProvider } from './provider.js';

const vectorFile = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../test/vectors/${name}`, import.meta.url), 'utf8'));
const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));

/** The key as the directory would hold it, or undefined when §3.1 refuses it. */
function admitted(pk: Uint8Array): SigningPublicKey | undefined {
  try {
    return new SigningPublicKey(pk);
  } catch {
    return undefined;
  }
}

async function agree(pk: Uint8Array, msg: Uint8Array, sig: Uint8Array, name: string): Promise<boolean> {
  const key = admitted(pk);
  if (!key) return false;
  expect([name, await key.verifyAsync(sig, msg)]).toEqual([name, key.verify(sig, msg)]);
  return true;
}

afterEach(() => useCryptoProvider());

describe.each(['native', 'noble'] as const)(
  'verifyAsync under the %s provider (PROTOCOL.md §4.1)',
  (name) => {
    beforeEach(() => useCryptoProvider(name));

    it('are judged as the SDK judges them, on the Ed25519 vectors', async () => {
      const { vectors } = vectorFile('ed25519-verification.json') as {
        vectors: { id: string; pk: string; msg: string; sig: string; valid: boolean }[];
      };
      let checked = 0;
      for (const v of vectors) {
        if (await agree(hex(v.pk), hex(v.msg), hex(v.sig), v.id)) {
          checked++;
          expect([v.id, await new SigningPublicKey(hex(v.pk)).verifyAsync(hex(v.sig), hex(v.msg))]).toEqual([
            v.id,
            v.valid,
          ]);
        }
      }
      expect(checked).toBeGreaterThan(20);
    });

    it('are judged as the SDK judges them, on Wycheproof', async () => {
      const { testGroups } = vectorFile('wycheproof/ed25519_test.json') as {
        testGroups: { publicKey: { pk: string }; tests: { tcId: number; msg: string; sig: string }[] }[];
      };
      let checked = 0;
      for (const group of testGroups) {
        for (const t of group.tests) {
          if (await agree(hex(group.publicKey.pk), hex(t.msg), hex(t.sig), `tcId ${t.tcId}`)) checked++;
        }
      }
      expect(checked).toBeGreaterThan(100);
    });

    it('refuse S + L and R = the identity, and accept the signature they came from', async () => {
      const pair = SigningKeyPair.generate();
      const message = new TextEncoder().encode('header.payload');
      const signature = pair.sign(message);
      expect(await pair.publicKey.verifyAsync(signature, message)).toBe(true);
      // S + L: the same scalar mod L, not canonical.
      let s = 0n;
      for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]!);
      s += ed25519.Point.Fn.ORDER;
      const wide = Uint8Array.from(signature);
      for (let i = 32; i < 64; i++, s >>= 8n) wide[i] = Number(s & 255n);
      expect(s).toBe(0n);
      expect(await pair.publicKey.verifyAsync(wide, message)).toBe(false);
      // R = the identity, with the S that a signer with r = 0 would compute: OpenSSL accepts it, §4.1 not.
      const seed = pair.exportSecret();
      const { scalar: a, pointBytes: A } = ed25519.utils.getExtendedPublicKey(seed);
      const R = ed25519.Point.ZERO.toBytes();
      const digest = await crypto.subtle.digest('SHA-512', Uint8Array.from([...R, ...A, ...message]));
      let k = 0n;
      const d = new Uint8Array(digest);
      for (let i = 63; i >= 0; i--) k = (k << 8n) | BigInt(d[i]!);
      let S = (k * a) % ed25519.Point.Fn.ORDER;
      const identity = new Uint8Array(64);
      identity.set(R, 0);
      for (let i = 32; i < 64; i++, S >>= 8n) identity[i] = Number(S & 255n);
      expect(await pair.publicKey.verifyAsync(identity, message)).toBe(false);
      expect(await pair.publicKey.verifyAsync(signature.subarray(0, 63), message)).toBe(false);
    });
  },
);
