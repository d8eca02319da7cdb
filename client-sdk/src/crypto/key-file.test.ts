import { describe, expect, it, vi } from 'vitest';
import { codeOf, codeOfAsync } from '../../../test/support/error-code.js';
import { xchachaSeal } from './aead.js';
import { toBase64url, utf8 } from './bytes.js';
import { scrypt } from './hash.js';
import {
  checkNewPassphrase,
  decryptKey,
  decryptKeys,
  encryptKey,
  encryptKeys,
  type KeyFile,
  MIN_PASSPHRASE_LENGTH,
  readKeyFile,
  SCRYPT_LIMITS,
} from './key-file.js';
import { HpkeKeyPair, SigningKeyPair } from './keys.js';

// scrypt as it is, counted: the derivations a call runs are what the shared salt saves (§3.4).
vi.mock('./hash.js', async (original) => {
  const hash = await original<typeof import('./hash.js')>();
  return { ...hash, scrypt: vi.fn(hash.scrypt) };
});

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

describe('the files written together share one derivation (PROTOCOL.md §3.4)', () => {
  /** The lowest cost the limits allow, to keep the tests quick. */
  const FAST = { N: SCRYPT_LIMITS.minN, r: 8, p: 1 };

  /** The scrypt derivations `action` runs (each computed as always). */
  async function derivations(action: () => Promise<unknown>): Promise<number> {
    vi.mocked(scrypt).mockClear();
    await action();
    return vi.mocked(scrypt).mock.calls.length;
  }

  it('one salt and cost, a nonce each, one derivation to write and one to open', async () => {
    const keys = [SigningKeyPair.generate(), HpkeKeyPair.generate(), HpkeKeyPair.generate()];
    let files: KeyFile[] = [];
    expect(await derivations(async () => (files = await encryptKeys(keys, PASS, { scrypt: FAST })))).toBe(1);
    expect(new Set(files.map((f) => f.kdf.salt)).size).toBe(1);
    expect(new Set(files.map((f) => f.nonce)).size).toBe(3);
    let opened: unknown[] = [];
    expect(await derivations(async () => (opened = await decryptKeys(files, PASS)))).toBe(1);
    expect(opened.map((k) => (k as SigningKeyPair).kid)).toEqual(keys.map((k) => k.kid));
  });

  it('a key added `like` another file takes its salt and cost, and the two open with one derivation', async () => {
    const [signing] = await encryptKeys([SigningKeyPair.generate()], PASS, { scrypt: FAST });
    const added = await encryptKey(HpkeKeyPair.generate(), PASS, { like: JSON.stringify(signing) });
    expect(added.kdf).toEqual(signing!.kdf);
    expect(await derivations(() => decryptKeys([signing!, added], PASS))).toBe(1);
  });

  it('files with salts of their own, as written before, still open beside them: one derivation per salt', async () => {
    const old = [
      await encryptKey(SigningKeyPair.generate(), PASS, { scrypt: FAST }),
      await encryptKey(HpkeKeyPair.generate(), PASS, { scrypt: FAST }),
    ];
    expect(old[0]!.kdf.salt).not.toBe(old[1]!.kdf.salt);
    const shared = await encryptKeys([HpkeKeyPair.generate(), HpkeKeyPair.generate()], PASS, {
      scrypt: FAST,
    });
    let opened: unknown[] = [];
    const all = [...old, ...shared];
    expect(await derivations(async () => (opened = await decryptKeys(all, PASS)))).toBe(3);
    expect(opened.map((k) => (k as SigningKeyPair).kid)).toEqual(all.map((f) => f.kid));
  });

  it('a file whose ciphertext was moved to another of the same derivation does not open', async () => {
    const [a, b] = await encryptKeys([HpkeKeyPair.generate(), HpkeKeyPair.generate()], PASS, {
      scrypt: FAST,
    });
    const swapped = { ...a!, nonce: b!.nonce, ciphertext: b!.ciphertext };
    expect(await codeOfAsync(decryptKeys([swapped, b!], PASS))).toBe('ERR_WRONG_PASSPHRASE');
    expect(await codeOfAsync(decryptKeys([a!, b!], `${PASS}!`))).toBe('ERR_WRONG_PASSPHRASE');
  });
});
