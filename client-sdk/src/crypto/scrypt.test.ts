import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeEachProvider } from '../../../test/support/crypto-providers.js';
import { scrypt } from './hash.js';
import { decryptKeys, encryptKeys } from './key-file.js';
import { HpkeKeyPair, SigningKeyPair } from './keys.js';
import { useCryptoProvider } from './provider.js';

/** An RFC 7914 §12 vector, as test/vectors/scrypt-rfc7914.json holds it. */
interface Vector {
  P: string;
  S: string;
  N: number;
  r: number;
  p: number;
  dkLen: number;
  DK: string;
}

const vectors = JSON.parse(
  readFileSync(new URL('../../../test/vectors/scrypt-rfc7914.json', import.meta.url), 'utf8'),
) as Vector[];

const utf8 = (text: string) => new TextEncoder().encode(text);
const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** The lowest cost a key file allows (SCRYPT_LIMITS), to keep the test quick. */
const FAST = { N: 2 ** 15, r: 8, p: 1 };
const PASS = 'en lång nog lösenfras';

it('has the three RFC 7914 §12 vectors', () => {
  expect(vectors.map((v) => v.N)).toEqual([16, 1024, 16384]);
});

describeEachProvider('scrypt (RFC 7914 §12)', () => {
  for (const v of vectors) {
    it(`derives DK for P=${JSON.stringify(v.P)} S=${JSON.stringify(v.S)} N=${v.N} r=${v.r} p=${v.p}`, async () => {
      const dk = await scrypt(utf8(v.P), utf8(v.S), { N: v.N, r: v.r, p: v.p, dkLen: v.dkLen });
      expect(dk).toBeInstanceOf(Uint8Array);
      expect(toHex(dk)).toBe(v.DK);
    });
  }

  it('runs several derivations at once, each with its own result', async () => {
    const v = vectors[1]!;
    const params = { N: v.N, r: v.r, p: v.p, dkLen: v.dkLen };
    const [a, b, c] = await Promise.all([
      scrypt(utf8(v.P), utf8(v.S), params),
      scrypt(utf8(v.P), utf8('other salt'), params),
      scrypt(utf8(v.P), utf8(v.S), params),
    ]);
    expect(toHex(a!)).toBe(v.DK);
    expect(toHex(c!)).toBe(v.DK);
    expect(toHex(b!)).not.toBe(v.DK);
  });
});

describeEachProvider('key files written under one provider', (writer) => {
  const reader = writer === 'native' ? 'noble' : 'native';

  it(`open under the other (${reader}), in the order given`, async () => {
    const signing = SigningKeyPair.generate();
    const hpke = [HpkeKeyPair.generate(), HpkeKeyPair.generate()];
    const files = await encryptKeys([signing, ...hpke], PASS, { scrypt: FAST });
    useCryptoProvider(reader);
    try {
      const opened = await decryptKeys(files, PASS);
      expect(opened.map((k) => k.kid)).toEqual([signing.kid, ...hpke.map((k) => k.kid)]);
      expect(opened[0]).toBeInstanceOf(SigningKeyPair);
      expect(opened[1]).toBeInstanceOf(HpkeKeyPair);
    } finally {
      useCryptoProvider(writer);
    }
  });

  it('refuse a wrong passphrase under the other, with the first failure in order', async () => {
    const files = await encryptKeys([SigningKeyPair.generate(), HpkeKeyPair.generate()], PASS, {
      scrypt: FAST,
    });
    useCryptoProvider(reader);
    try {
      await expect(decryptKeys(files, `${PASS}!`)).rejects.toMatchObject({ code: 'ERR_WRONG_PASSPHRASE' });
      await expect(decryptKeys([files[0]!, '{}'], PASS)).rejects.toMatchObject({ code: 'ERR_MALFORMED' });
    } finally {
      useCryptoProvider(writer);
    }
  });
});
