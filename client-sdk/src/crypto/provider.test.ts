import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.js';
import { chachaOpen, chachaSeal, xchachaOpen, xchachaSeal } from './aead.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from './ed25519.js';
import { hkdfExpand, hkdfExtract, hmacSha256, sha256, sha512 } from './hash.js';
import { open, seal } from './hpke.js';
import { HpkeKeyPair, SigningKeyPair } from './keys.js';
import {
  availableCryptoProviders,
  type CryptoProviderName,
  cryptoProviderName,
  useCryptoProvider,
} from './provider.js';
import { x25519PublicKey, x25519SharedSecret } from './x25519.js';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** `f` run on each provider in turn, its results as hex. */
function onEach(f: () => Uint8Array | Uint8Array[]): Record<CryptoProviderName, string> {
  const out = {} as Record<CryptoProviderName, string>;
  for (const name of ['native', 'noble'] as const) {
    useCryptoProvider(name);
    const result = f();
    out[name] = (Array.isArray(result) ? result : [result]).map(toHex).join('|');
  }
  useCryptoProvider();
  return out;
}

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });

afterEach(() => {
  delete process.env.BRYGGA_CRYPTO;
  useCryptoProvider();
});

describe('the crypto provider', () => {
  it('is native on Node, with noble beside it', () => {
    expect(availableCryptoProviders()).toEqual(['native', 'noble']);
    expect(cryptoProviderName()).toBe('native');
  });

  it('is chosen by name, by BRYGGA_CRYPTO, or back to the start-up choice', () => {
    useCryptoProvider('noble');
    expect(cryptoProviderName()).toBe('noble');
    useCryptoProvider();
    expect(cryptoProviderName()).toBe('native');
    process.env.BRYGGA_CRYPTO = 'noble';
    useCryptoProvider();
    expect(cryptoProviderName()).toBe('noble');
    process.env.BRYGGA_CRYPTO = 'webcrypto';
    expect(codeOf(() => useCryptoProvider())).toBe('ERR_MALFORMED');
    expect(codeOf(() => useCryptoProvider('openssl' as CryptoProviderName))).toBe('ERR_MALFORMED');
    expect(cryptoProviderName()).toBe('noble');
  });

  it('reads BRYGGA_CRYPTO at start-up', () => {
    const script =
      "import('./client-sdk/src/crypto/provider.ts').then((m) => console.log(m.cryptoProviderName()))";
    const run = (value: string) =>
      execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
        env: { ...process.env, BRYGGA_CRYPTO: value },
        encoding: 'utf8',
      }).trim();
    expect(run('noble')).toBe('noble');
  });
});

describe('both providers give the same results', () => {
  it('for SHA-256, SHA-512, HMAC-SHA256 and HKDF on any input', () => {
    fc.assert(
      fc.property(bytes(0, 300), bytes(0, 100), fc.integer({ min: 1, max: 300 }), (data, key, length) => {
        const r = onEach(() => [
          sha256(data),
          sha512(data),
          hmacSha256(key, data),
          hkdfExpand(hkdfExtract(key, data), key, length),
        ]);
        expect(r.native).toBe(r.noble);
      }),
      { numRuns: 60 },
    );
  });

  it('for Ed25519 keys and signatures, and each verifies the other', () => {
    fc.assert(
      fc.property(bytes(32, 32), bytes(0, 500), (seed, message) => {
        const r = onEach(() => [ed25519PublicKey(seed), ed25519Sign(seed, message)]);
        expect(r.native).toBe(r.noble);
        const [pub, sig] = [ed25519PublicKey(seed), ed25519Sign(seed, message)];
        const bad = Uint8Array.from(sig);
        bad[0]! ^= 1;
        const verdicts = onEach(() => [
          Uint8Array.of(Number(ed25519Verify(sig, message, pub)), Number(ed25519Verify(bad, message, pub))),
        ]);
        expect(verdicts).toEqual({ native: '0100', noble: '0100' });
      }),
      { numRuns: 30 },
    );
  });

  it('for X25519 public keys and shared secrets', () => {
    fc.assert(
      fc.property(bytes(32, 32), bytes(32, 32), (secret, peerSecret) => {
        const peer = x25519PublicKey(peerSecret);
        const r = onEach(() => [x25519PublicKey(secret), x25519SharedSecret(secret, peer)]);
        expect(r.native).toBe(r.noble);
      }),
      { numRuns: 30 },
    );
  });

  it('for ChaCha20-Poly1305 and XChaCha20-Poly1305, and each opens what the other sealed', () => {
    fc.assert(
      fc.property(bytes(32, 32), bytes(24, 24), bytes(0, 64), bytes(0, 2000), (key, nonce, aad, plain) => {
        const n12 = nonce.subarray(0, 12);
        const r = onEach(() => [chachaSeal(key, n12, aad, plain), xchachaSeal(key, nonce, aad, plain)]);
        expect(r.native).toBe(r.noble);
        useCryptoProvider('noble');
        const [c, x] = [chachaSeal(key, n12, aad, plain), xchachaSeal(key, nonce, aad, plain)];
        useCryptoProvider('native');
        expect(toHex(chachaOpen(key, n12, aad, c))).toBe(toHex(plain));
        expect(toHex(xchachaOpen(key, nonce, aad, x))).toBe(toHex(plain));
        const tampered = Uint8Array.from(x);
        tampered[tampered.length - 1]! ^= 1;
        expect(codeOf(() => xchachaOpen(key, nonce, aad, tampered))).toBe('ERR_CRYPTO');
        useCryptoProvider('noble');
        expect(codeOf(() => xchachaOpen(key, nonce, aad, tampered))).toBe('ERR_CRYPTO');
      }),
      { numRuns: 40 },
    );
  });

  it('for HPKE: what one seals the other opens', () => {
    const recipient = HpkeKeyPair.generate();
    const contentKey = sha256(new Uint8Array([7]));
    for (const [from, to] of [
      ['native', 'noble'],
      ['noble', 'native'],
    ] as const) {
      useCryptoProvider(from);
      const { enc, ct } = seal(
        recipient.publicKey.bytes,
        new Uint8Array([1]),
        new Uint8Array([2]),
        contentKey,
      );
      useCryptoProvider(to);
      expect(toHex(open(enc, recipient.exportSecret(), new Uint8Array([1]), new Uint8Array([2]), ct))).toBe(
        toHex(contentKey),
      );
    }
  });
});
describe('keys keep the provider they were made under', () => {
  it('sign, export and destroy alike under either, whichever is in use later', () => {
    const seed = sha256(new Uint8Array([1]));
    for (const made of ['native', 'noble'] as const) {
      useCryptoProvider(made);
      const key = SigningKeyPair.fromSecret(seed);
      const hpke = HpkeKeyPair.fromSecret(seed);
      useCryptoProvider(made === 'native' ? 'noble' : 'native');
      expect(toHex(key.sign(seed))).toBe(toHex(ed25519Sign(seed, seed)));
      expect(toHex(key.exportSecret())).toBe(toHex(seed));
      expect(toHex(hpke.exportSecret())).toBe(toHex(seed));
      expect(key.publicKey.verify(key.sign(seed), seed)).toBe(true);
      key.destroy();
      hpke.destroy();
      expect(() => key.sign(seed)).toThrow(TypeError);
      expect(() => key.exportSecret()).toThrow(TypeError);
      expect(() => hpke.exportSecret()).toThrow(TypeError);
    }
  });
});
