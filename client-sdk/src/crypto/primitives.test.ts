/**
 * Direct tests of the primitive wrappers for what the Wycheproof suite (test/wycheproof.test.ts) does
 * not cover: signing and key derivation against RFC 8032 §7.1 and RFC 7748 §5.2/§6.1, the refusal of
 * small-order Ed25519 keys, and the split between ERR_MALFORMED (a caller passed the wrong length to
 * seal or sign) and ERR_CRYPTO (anything wrong on the way in to open).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeEachProvider } from '../../../test/support/crypto-providers.js';
import { codeOf } from '../../../test/support/error-code.js';
import { BryggaError } from '../errors.js';
import { chachaOpen, chachaSeal, xchachaOpen, xchachaSeal } from './aead.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify, isAcceptablePublicKey } from './ed25519.js';
import { x25519PublicKey, x25519SharedSecret } from './x25519.js';

const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
/** `bytes` cut or zero-padded to `length`. */
const resize = (bytes: Uint8Array, length: number) => {
  const out = new Uint8Array(length);
  out.set(bytes.subarray(0, length));
  return out;
};

/** The BryggaError code `f` throws, or a marker when it returns or throws something else. */

/** RFC 8032 §7.1, Ed25519 TEST 1, TEST 2 and TEST 3 (also in Wycheproof's ed25519_test.json). */
const RFC8032 = [
  {
    name: 'TEST 1 (empty message)',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (one byte)',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3 (two bytes)',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

describeEachProvider('Ed25519 against RFC 8032 §7.1', () => {
  for (const v of RFC8032) {
    it(`${v.name}: derives the public key, reproduces the signature and verifies it`, () => {
      const secret = fromHex(v.secret);
      const message = fromHex(v.message);
      const signature = fromHex(v.signature);
      const publicKey = fromHex(v.publicKey);
      expect(toHex(ed25519PublicKey(secret))).toBe(v.publicKey);
      expect(toHex(ed25519Sign(secret, message))).toBe(v.signature);
      expect(ed25519Verify(signature, message, publicKey)).toBe(true);
      expect(isAcceptablePublicKey(publicKey)).toBe(true);

      // Any change to message, signature or key breaks verification.
      expect(ed25519Verify(signature, new Uint8Array([...message, 0]), publicKey)).toBe(false);
      for (const i of [0, 31, 32, 63]) {
        const bad = signature.slice();
        bad[i]! ^= 0x01;
        expect(ed25519Verify(bad, message, publicKey), `signature byte ${i}`).toBe(false);
      }
      const otherKey = fromHex(RFC8032.find((w) => w !== v)!.publicKey);
      expect(ed25519Verify(signature, message, otherKey)).toBe(false);
    });
  }

  it('refuses wrong lengths: ERR_MALFORMED when signing, false when verifying', () => {
    const v = RFC8032[1]!;
    const [secret, message, signature, publicKey] = [
      fromHex(v.secret),
      fromHex(v.message),
      fromHex(v.signature),
      fromHex(v.publicKey),
    ];
    for (const n of [0, 31, 33, 64]) {
      expect(
        codeOf(() => ed25519Sign(resize(secret, n), message)),
        `secret of ${n}`,
      ).toBe('ERR_MALFORMED');
      expect(
        codeOf(() => ed25519PublicKey(resize(secret, n))),
        `secret of ${n}`,
      ).toBe('ERR_MALFORMED');
      expect(ed25519Verify(signature, message, resize(publicKey, n)), `key of ${n}`).toBe(false);
    }
    for (const n of [0, 32, 63, 65, 128]) {
      expect(ed25519Verify(resize(signature, n), message, publicKey), `signature of ${n}`).toBe(false);
    }
  });
});

/**
 * The eight points of small order (1, 2, 4, 8) on edwards25519, canonically encoded, then the
 * non-canonical encodings of such points (sign bit set on x = 0, and y >= p). The first eight are the
 * list libsodium and others block; each is checked below to be of small order rather than trusted.
 */
const SMALL_ORDER_KEYS = [
  '0100000000000000000000000000000000000000000000000000000000000000', // identity, order 1
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4
  '0000000000000000000000000000000000000000000000000000000000000080', // order 4
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
  '0100000000000000000000000000000000000000000000000000000000000080', // identity, sign bit set
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // order 2, sign bit set
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p, i.e. y = 0
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p + 1, i.e. the identity
];

describeEachProvider('Ed25519 small-order public keys', () => {
  it('are refused by isAcceptablePublicKey and ed25519Verify, though a lenient verifier accepts a forgery', () => {
    // R = identity, S = 0: the cofactored (ZIP-215) equation [8][S]B = [8]R + [8][k]A holds for every
    // message when A has small order, so this "signature" is a universal forgery for such keys.
    const forgery = new Uint8Array(64);
    forgery[0] = 1;
    for (const hex of SMALL_ORDER_KEYS) {
      const key = fromHex(hex);
      expect(ed25519.Point.fromBytes(key, true).isSmallOrder(), hex).toBe(true);
      expect(isAcceptablePublicKey(key), hex).toBe(false);
      for (const message of ['', '00', 'd2f1c3']) {
        expect(ed25519.verify(forgery, fromHex(message), key, { zip215: true }), hex).toBe(true);
        expect(ed25519Verify(forgery, fromHex(message), key), hex).toBe(false);
      }
    }
  });

  it('accepts generated keys, which are never of small order', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 64 }),
        (seed, msg) => {
          const publicKey = ed25519PublicKey(seed);
          expect(isAcceptablePublicKey(publicKey)).toBe(true);
          expect(ed25519Verify(ed25519Sign(seed, msg), msg, publicKey)).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describeEachProvider('X25519 against RFC 7748', () => {
  it('§5.2: both single-call vectors, including a u-coordinate with the top bit set', () => {
    const vectors = [
      {
        scalar: 'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
        u: 'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
        output: 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
      },
      {
        // The last byte 0x93 has its top bit set: RFC 7748 §5 says to mask it, not to refuse.
        scalar: '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
        u: 'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
        output: '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
      },
    ];
    for (const v of vectors) {
      expect(toHex(x25519SharedSecret(fromHex(v.scalar), fromHex(v.u)))).toBe(v.output);
    }
  });

  it('§5.2: the iterated vector after 1 and 1,000 iterations', () => {
    let k: Uint8Array = fromHex(`09${'00'.repeat(31)}`);
    let u: Uint8Array = k;
    for (let i = 1; i <= 1000; i++) {
      [k, u] = [x25519SharedSecret(k, u), k];
      if (i === 1) expect(toHex(k)).toBe('422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
    }
    expect(toHex(k)).toBe('684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51');
  });

  it('§6.1: public keys and the shared secret, computed from both sides', () => {
    const alice = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bob = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const alicePublic = x25519PublicKey(alice);
    const bobPublic = x25519PublicKey(bob);
    expect(toHex(alicePublic)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(toHex(bobPublic)).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    expect(toHex(x25519SharedSecret(alice, bobPublic))).toBe(shared);
    expect(toHex(x25519SharedSecret(bob, alicePublic))).toBe(shared);
  });

  it('refuses an all-zero result and a peer key of the wrong length with ERR_CRYPTO', () => {
    const secret = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    // u = 0 and u = 1 are points of small order: the product is zero for every scalar.
    for (const u of [new Uint8Array(32), fromHex(`01${'00'.repeat(31)}`)]) {
      expect(codeOf(() => x25519SharedSecret(secret, u))).toBe('ERR_CRYPTO');
    }
    for (const n of [0, 31, 33]) {
      expect(
        codeOf(() => x25519SharedSecret(secret, new Uint8Array(n).fill(9))),
        `peer of ${n}`,
      ).toBe('ERR_CRYPTO');
    }
  });

  it('refuses a secret key of the wrong length with ERR_MALFORMED', () => {
    const peer = x25519PublicKey(new Uint8Array(32).fill(7));
    for (const n of [0, 31, 33, 64]) {
      expect(
        codeOf(() => x25519SharedSecret(new Uint8Array(n).fill(7), peer)),
        `secret of ${n}`,
      ).toBe('ERR_MALFORMED');
      expect(
        codeOf(() => x25519PublicKey(new Uint8Array(n))),
        `secret of ${n}`,
      ).toBe('ERR_MALFORMED');
    }
  });
});

const AEADS = [
  { name: 'ChaCha20-Poly1305', nonceLength: 12, seal: chachaSeal, open: chachaOpen },
  { name: 'XChaCha20-Poly1305', nonceLength: 24, seal: xchachaSeal, open: xchachaOpen },
];

for (const aead of AEADS) {
  describe(`${aead.name} wrapper`, () => {
    const key = new Uint8Array(32).fill(0x42);
    const nonce = new Uint8Array(aead.nonceLength).fill(0x24);
    const aad = Uint8Array.from([1, 2, 3]);
    const plaintext = Uint8Array.from([10, 20, 30, 40, 50]);
    const sealed = aead.seal(key, nonce, aad, plaintext);

    it('gives ERR_MALFORMED on seal and ERR_CRYPTO on open for a key of the wrong length', () => {
      for (const n of [0, 16, 31, 33, 64]) {
        const badKey = new Uint8Array(n).fill(0x42);
        expect(
          codeOf(() => aead.seal(badKey, nonce, aad, plaintext)),
          `key of ${n}`,
        ).toBe('ERR_MALFORMED');
        expect(
          codeOf(() => aead.open(badKey, nonce, aad, sealed)),
          `key of ${n}`,
        ).toBe('ERR_CRYPTO');
      }
    });

    it('gives ERR_MALFORMED on seal and ERR_CRYPTO on open for a nonce of the wrong length', () => {
      // Includes the other AEAD's nonce length, the likeliest mix-up.
      for (const n of [0, 8, 11, 12, 13, 16, 23, 24, 25, 32].filter((n) => n !== aead.nonceLength)) {
        const badNonce = new Uint8Array(n).fill(0x24);
        expect(
          codeOf(() => aead.seal(key, badNonce, aad, plaintext)),
          `nonce of ${n}`,
        ).toBe('ERR_MALFORMED');
        expect(
          codeOf(() => aead.open(key, badNonce, aad, sealed)),
          `nonce of ${n}`,
        ).toBe('ERR_CRYPTO');
      }
    });

    it('gives ERR_CRYPTO, with the one fixed message, for a ciphertext shorter than a tag', () => {
      for (let n = 0; n < 16; n++) {
        let caught: unknown;
        try {
          aead.open(key, nonce, aad, sealed.subarray(0, n));
        } catch (err) {
          caught = err;
        }
        expect(caught, `ciphertext of ${n}`).toBeInstanceOf(BryggaError);
        expect((caught as BryggaError).code).toBe('ERR_CRYPTO');
        expect((caught as BryggaError).message).toBe('cryptographic verification failed');
      }
    });

    it('round-trips, and refuses any change to key, nonce, aad or ciphertext with ERR_CRYPTO', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.uint8Array({ minLength: aead.nonceLength, maxLength: aead.nonceLength }),
          fc.uint8Array({ maxLength: 40 }),
          fc.uint8Array({ maxLength: 200 }),
          fc.nat(),
          (k, n, a, p, pick) => {
            const c = aead.seal(k, n, a, p);
            expect(c.length).toBe(p.length + 16);
            expect(aead.open(k, n, a, c)).toEqual(p);
            const flip = (x: Uint8Array) => {
              const y = x.slice();
              const i = pick % (y.length * 8);
              y[i >> 3]! ^= 1 << (i & 7);
              return y;
            };
            expect(codeOf(() => aead.open(flip(k), n, a, c))).toBe('ERR_CRYPTO');
            expect(codeOf(() => aead.open(k, flip(n), a, c))).toBe('ERR_CRYPTO');
            expect(codeOf(() => aead.open(k, n, new Uint8Array([...a, 0]), c))).toBe('ERR_CRYPTO');
            if (a.length > 0) expect(codeOf(() => aead.open(k, n, flip(a), c))).toBe('ERR_CRYPTO');
            expect(codeOf(() => aead.open(k, n, a, flip(c)))).toBe('ERR_CRYPTO');
            expect(codeOf(() => aead.open(k, n, a, c.subarray(0, -1)))).toBe('ERR_CRYPTO');
          },
        ),
        { numRuns: 50 },
      );
    });
  });
}
