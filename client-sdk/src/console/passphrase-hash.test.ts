import { describe, expect, it } from 'vitest';
import { hashPassphrase, PASSPHRASE_HASH_PARAMS, verifyPassphrase } from './passphrase-hash.js';

// Cheap parameters for the round trips; one hash with the real ones checks what is stored.
const FAST = { logN: 10, r: 8, p: 1 };

describe('login passphrases (scrypt)', () => {
  it('stores the parameters with a random salt, and verifies only the right passphrase', async () => {
    const a = await hashPassphrase('en lång lösenfras', FAST);
    const b = await hashPassphrase('en lång lösenfras', FAST);
    expect(a).toMatch(/^scrypt\$10\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassphrase('en lång lösenfras', a)).toBe(true);
    expect(await verifyPassphrase('en lång lösenfraS', a)).toBe(false);
    expect(await verifyPassphrase('', a)).toBe(false);
  });

  it('treats the composed and decomposed forms of å as the same passphrase', async () => {
    const stored = await hashPassphrase('s\u00e5 l\u00e5ng', FAST);
    expect(await verifyPassphrase('sa\u030a la\u030ang', stored)).toBe(true);
  });

  it('never matches a malformed or out-of-bounds stored hash', async () => {
    const good = await hashPassphrase('x'.repeat(12), FAST);
    const parts = good.split('$');
    for (const bad of [
      '',
      'bcrypt$10$8$1$a$b',
      parts.slice(0, 5).join('$'),
      ['scrypt', 40, 8, 1, parts[4], parts[5]].join('$'),
      ['scrypt', 10, 8, 1, parts[4], 'AAAA'].join('$'),
    ]) {
      expect(await verifyPassphrase('x'.repeat(12), bad)).toBe(false);
    }
  });

  it('uses N = 2^17, r = 8, p = 1 by default', async () => {
    expect(PASSPHRASE_HASH_PARAMS).toEqual({ logN: 17, r: 8, p: 1 });
    const stored = await hashPassphrase('standardparametrar');
    expect(stored.startsWith('scrypt$17$8$1$')).toBe(true);
    expect(await verifyPassphrase('standardparametrar', stored)).toBe(true);
  });
});
