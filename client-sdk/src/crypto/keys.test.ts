import fc from 'fast-check';
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.js';
import { isBryggaError } from '../errors.js';
import { fromBase64url, toBase64url } from './bytes.js';
import { decodeCompact, signCompact, verifyCompact } from './jws.js';
import { decryptKey, encryptKey, readKeyFile } from './key-file.js';
import { HpkeKeyPair, keyId, SigningKeyPair, SigningPublicKey, safetyNumber } from './keys.js';

const fast = { N: 2 ** 15, r: 8, p: 1 };
const seeded = (byte: number) => (n: number) => new Uint8Array(n).fill(byte);

describe('key ids and safety numbers', () => {
  it('derives ids from key bytes and algorithm', () => {
    const k = SigningKeyPair.generate(seeded(7));
    expect(k.kid).toBe(keyId('Ed25519', k.publicKey.bytes));
    expect(k.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(keyId('X25519', k.publicKey.bytes)).not.toBe(k.kid);
    expect(SigningKeyPair.generate(seeded(8)).kid).not.toBe(k.kid);
  });

  it('gives thirty digits in six groups that change with the key and the owner', () => {
    const k = SigningKeyPair.generate(seeded(1)).publicKey;
    const n = k.safetyNumber('malmo');
    expect(n).toMatch(/^(\d{5} ){5}\d{5}$/);
    expect(k.safetyNumber('malmo')).toBe(n);
    expect(k.safetyNumber('goteborg-nordost')).not.toBe(n);
    expect(safetyNumber(SigningKeyPair.generate(seeded(2)).publicKey.bytes, 'malmo')).not.toBe(n);
  });

  it('round-trips public keys and refuses small-order and malformed ones', () => {
    const k = SigningKeyPair.generate().publicKey;
    expect(SigningPublicKey.deserialize(k.serialize()).kid).toBe(k.kid);
    const identity = new Uint8Array(32);
    identity[0] = 1; // the neutral element: small order
    expect(() => new SigningPublicKey(identity)).toThrow(/Ed25519/);
    expect(codeOf(() => SigningPublicKey.deserialize('abc'))).toBe('ERR_MALFORMED');
    expect(codeOf(() => new SigningPublicKey(new Uint8Array(31)))).toBe('ERR_MALFORMED');
  });
});

describe('keys at rest', () => {
  it('encrypts and decrypts both kinds of key under a passphrase', async () => {
    for (const key of [SigningKeyPair.generate(), HpkeKeyPair.generate()]) {
      const file = await encryptKey(key, 'korrekt häst batteri', { scrypt: fast });
      expect(JSON.stringify(file)).not.toContain(toBase64url(key.exportSecret()));
      const back = await decryptKey(JSON.stringify(file), 'korrekt häst batteri');
      expect(back.kid).toBe(key.kid);
      expect(back.exportSecret()).toEqual(key.exportSecret());
    }
  });

  it('refuses a wrong passphrase and every altered field', async () => {
    const key = SigningKeyPair.generate();
    const file = await encryptKey(key, 'rätt lösenfras', { scrypt: fast });
    await expect(decryptKey(file, 'fel lösenfras')).rejects.toSatisfy((e) =>
      isBryggaError(e, 'ERR_WRONG_PASSPHRASE'),
    );
    const other = SigningKeyPair.generate();
    const alterations = [
      // Another key's public part, consistent in itself (a mismatched pair is ERR_MALFORMED on read).
      { ...file, kid: other.kid, public: other.publicKey.serialize() },
      { ...file, kdf: { ...file.kdf, N: 2 ** 16 } },
      { ...file, kdf: { ...file.kdf, salt: toBase64url(new Uint8Array(16)) } },
      { ...file, nonce: toBase64url(new Uint8Array(24)) },
      {
        ...file,
        ciphertext: toBase64url(fromBase64url(file.ciphertext).map((b, i) => (i === 3 ? b ^ 1 : b))),
      },
    ];
    for (const altered of alterations) {
      await expect(decryptKey(altered, 'rätt lösenfras')).rejects.toSatisfy((e) =>
        isBryggaError(e, 'ERR_WRONG_PASSPHRASE'),
      );
    }
  });

  it('refuses junk files with ERR_MALFORMED and unknown versions', async () => {
    await expect(decryptKey('not json', 'x')).rejects.toSatisfy((e) => isBryggaError(e, 'ERR_MALFORMED'));
    await expect(decryptKey('{"kind":"brygga.key","v":2}', 'x')).rejects.toSatisfy((e) =>
      isBryggaError(e, 'ERR_UNSUPPORTED_VERSION'),
    );
    const file = await encryptKey(SigningKeyPair.generate(), 'lång nog lösenfras', { scrypt: fast });
    expect(() => readKeyFile(JSON.stringify({ ...file, kdf: { ...file.kdf, N: 1000 } }))).toThrow(/scrypt/);
  });
});

describe('JWS', () => {
  const key = SigningKeyPair.generate();

  it('produces standard JWS that jose verifies', async () => {
    const jws = signCompact('brygga-test+jws', { a: 1, b: 'å' }, key);
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: key.publicKey.serialize() };
    const { payload, protectedHeader } = await compactVerify(jws, await importJWK(jwk, 'EdDSA'));
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ a: 1, b: 'å' });
    expect(protectedHeader).toEqual({ alg: 'EdDSA', typ: 'brygga-test+jws', kid: key.kid });
    expect(decodeProtectedHeader(jws).kid).toBe(key.kid);
  });

  it('verifies only its own type, key and bytes', () => {
    const jws = signCompact('brygga-test+jws', { a: 1 }, key);
    expect(verifyCompact(jws, 'brygga-test+jws', key.publicKey).payload).toEqual({ a: 1 });
    const other = SigningKeyPair.generate();
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isBryggaError(e) ? e.code : 'other';
      }
      return 'accepted';
    };
    expect(code(() => verifyCompact(jws, 'brygga-other+jws', key.publicKey))).toBe('ERR_CRYPTO');
    expect(code(() => verifyCompact(jws, 'brygga-test+jws', other.publicKey))).toBe('ERR_CRYPTO');
    const [h, p, s] = jws.split('.') as [string, string, string];
    const p2 = toBase64url(new TextEncoder().encode('{"a":2}'));
    expect(code(() => verifyCompact(`${h}.${p2}.${s}`, 'brygga-test+jws', key.publicKey))).toBe('ERR_CRYPTO');
    const none = toBase64url(new TextEncoder().encode('{"alg":"none","typ":"brygga-test+jws","kid":"x"}'));
    expect(code(() => verifyCompact(`${none}.${p}.`, 'brygga-test+jws', key.publicKey))).toBe(
      'ERR_MALFORMED',
    );
    const extra = toBase64url(
      new TextEncoder().encode(
        JSON.stringify({ alg: 'EdDSA', typ: 'brygga-test+jws', kid: key.kid, jwk: {} }),
      ),
    );
    expect(code(() => verifyCompact(`${extra}.${p}.${s}`, 'brygga-test+jws', key.publicKey))).toBe(
      'ERR_MALFORMED',
    );
  });

  it('never accepts a modified signature (property)', () => {
    const jws = signCompact('brygga-test+jws', { n: 42 }, key);
    const sig = decodeCompact(jws).signature;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const bad = Uint8Array.from(sig);
        bad[i]! ^= x;
        const forged = `${jws.split('.').slice(0, 2).join('.')}.${toBase64url(bad)}`;
        expect(codeOf(() => verifyCompact(forged, 'brygga-test+jws', key.publicKey))).toBe('ERR_CRYPTO');
      }),
      { numRuns: 200 },
    );
  });

  it('rejects junk input cleanly (property)', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          verifyCompact(text, 'brygga-test+jws', key.publicKey);
          return false;
        } catch (e) {
          return isBryggaError(e);
        }
      }),
      { numRuns: 500 },
    );
  });
});
