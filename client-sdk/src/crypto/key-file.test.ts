import { describe, expect, it } from 'vitest';
import { codeOf, codeOfAsync } from '../../../test/support/error-code.js';
import { xchachaSeal } from './aead.js';
import { toBase64url, utf8 } from './bytes.js';
import { scrypt } from './hash.js';
import {
  checkNewPassphrase,
  decryptKey,
  encryptKey,
  type KeyFile,
  MIN_PASSPHRASE_LENGTH,
  readKeyFile,
  SCRYPT_LIMITS,
} from './key-file.js';
import { SigningKeyPair } from './keys.js';

const PASS = 'korrekt häst batteri';

/**
 * A key file as a writer that ignores PROTOCOL.md §3.4 would make it: any cost, any salt, sealed
 * exactly as §3.4 says (the associated data binds what it holds), so only the limits can refuse it.
 */
async function handMade(
  kdf: { N: number; r: number; p: number },
  salt = new Uint8Array(16),
): Promise<KeyFile> {
  const key = SigningKeyPair.generate();
  const head = {
    v: 1 as const,
    kind: 'brygga.key' as const,
    alg: 'Ed25519' as const,
    kid: key.kid,
    public: key.publicKey.serialize(),
    kdf: { name: 'scrypt' as const, ...kdf, salt: toBase64url(salt) },
  };
  const nonce = new Uint8Array(24).fill(1);
  const aad = utf8(
    `brygga/v1/key-file|Ed25519|${head.kid}|${head.public}|${kdf.N}|${kdf.r}|${kdf.p}|${head.kdf.salt}`,
  );
  const kek = await scrypt(utf8(PASS), salt, { ...kdf, dkLen: 32 });
  const ciphertext = xchachaSeal(kek, nonce, aad, key.exportSecret());
  return { ...head, nonce: toBase64url(nonce), ciphertext: toBase64url(ciphertext) };
}

describe('key files keep to the limits of PROTOCOL.md §3.4 on read', () => {
  it('a file made with N = 2 does not open, though its passphrase is right', async () => {
    const weak = await handMade({ N: 2, r: 8, p: 1 });
    expect(await codeOfAsync(decryptKey(weak, PASS))).toBe('ERR_MALFORMED');
    expect(codeOf(() => readKeyFile(JSON.stringify(weak)))).toBe('ERR_MALFORMED');
  });

  it('a file asking for N = 2^22, r = 32, p = 16 is refused before any work is done', () => {
    const file = {
      v: 1,
      kind: 'brygga.key',
      alg: 'Ed25519',
      ...(() => {
        const k = SigningKeyPair.generate();
        return { kid: k.kid, public: k.publicKey.serialize() };
      })(),
      kdf: { name: 'scrypt', N: 2 ** 22, r: 32, p: 16, salt: toBase64url(new Uint8Array(16)) },
      nonce: toBase64url(new Uint8Array(24)),
      ciphertext: toBase64url(new Uint8Array(48)),
    };
    expect(codeOf(() => readKeyFile(JSON.stringify(file)))).toBe('ERR_MALFORMED');
    for (const kdf of [
      { N: SCRYPT_LIMITS.maxN * 2, r: 8, p: 1 },
      { N: SCRYPT_LIMITS.minN / 2, r: 8, p: 1 },
      { N: 3 * 2 ** 15, r: 8, p: 1 },
      { N: 2 ** 15, r: 9, p: 1 },
      { N: 2 ** 15, r: 8, p: 2 },
    ]) {
      expect(
        codeOf(() => readKeyFile(JSON.stringify({ ...file, kdf: { ...file.kdf, ...kdf } }))),
        JSON.stringify(kdf),
      ).toBe('ERR_MALFORMED');
    }
  });

  it('exactly its members, a 16-byte salt, a 24-byte nonce, a 48-byte ciphertext and a matching key id', async () => {
    const file = await encryptKey(SigningKeyPair.generate(), PASS, { scrypt: { N: 2 ** 15, r: 8, p: 1 } });
    expect(codeOf(() => readKeyFile(JSON.stringify(file)))).toBe('ok');
    const other = SigningKeyPair.generate();
    for (const [what, altered] of [
      ['an unknown member', { ...file, comment: 'x' }],
      ['an unknown kdf member', { ...file, kdf: { ...file.kdf, dkLen: 32 } }],
      ['a missing member', { ...file, nonce: undefined }],
      ['a short salt', { ...file, kdf: { ...file.kdf, salt: toBase64url(new Uint8Array(1)) } }],
      ['a long salt', { ...file, kdf: { ...file.kdf, salt: toBase64url(new Uint8Array(64)) } }],
      ['a short nonce', { ...file, nonce: toBase64url(new Uint8Array(12)) }],
      ['a long ciphertext', { ...file, ciphertext: toBase64url(new Uint8Array(49)) }],
      ['a key id of another key', { ...file, kid: other.kid }],
      ['another kdf', { ...file, kdf: { ...file.kdf, name: 'argon2id' } }],
    ] as const) {
      expect(`${what}: ${codeOf(() => readKeyFile(JSON.stringify(altered)))}`).toBe(`${what}: ERR_MALFORMED`);
    }
  });

  it('the writer keeps to the same limits', async () => {
    const key = SigningKeyPair.generate();
    expect(await codeOfAsync(encryptKey(key, PASS, { scrypt: { N: 2 ** 10, r: 8, p: 1 } }))).toBe(
      'ERR_MALFORMED',
    );
    expect(await codeOfAsync(encryptKey(key, PASS, { scrypt: { N: 2 ** 15, r: 16, p: 1 } }))).toBe(
      'ERR_MALFORMED',
    );
  });
});

describe('a new passphrase has at least 12 characters', () => {
  it('counted as Unicode characters after NFC, wherever a key file is written', async () => {
    expect(MIN_PASSPHRASE_LENGTH).toBe(12);
    const key = SigningKeyPair.generate();
    expect(await codeOfAsync(encryptKey(key, 'elva tecken', { scrypt: { N: 2 ** 15, r: 8, p: 1 } }))).toBe(
      'ERR_MALFORMED',
    );
    expect(codeOf(() => checkNewPassphrase('tolv tecken!'))).toBe('ok');
    // Twelve é written as e + combining acute: 24 code units, 12 characters after NFC.
    expect(codeOf(() => checkNewPassphrase('e\u0301'.repeat(12)))).toBe('ok');
    // Six emoji: twelve UTF-16 code units, six characters.
    expect(codeOf(() => checkNewPassphrase('\u{1f511}'.repeat(6)))).toBe('ERR_MALFORMED');
    expect(codeOf(() => checkNewPassphrase(''))).toBe('ERR_MALFORMED');
  });
});
