/**
 * Project Wycheproof vectors (`test/vectors/wycheproof/`, provenance in `test/vectors/README.md`) run
 * through the SDK's own wrappers in `client-sdk/src/crypto/`, not through the libraries underneath, so a
 * wrapper that mishandles an edge case (a length check, an error mapping, the all-zero X25519 rule)
 * fails here.
 *
 * One loop per file. Every loop counts the tests it ran, per result, and fails unless the total equals
 * the file's `numberOfTests`: a vector skipped by a filter, or a file cut short, fails the suite.
 *
 * How each result is judged:
 * - X25519 (`x25519SharedSecret`).
 *   valid: the shared secret equals Wycheproof's `shared` (and is never all zero).
 *   acceptable: decided by the output alone. An all-zero shared secret (these tests carry the flags
 *   `ZeroSharedSecret` and `LowOrderPublic`) must be refused with ERR_CRYPTO: Brygga refuses it
 *   (RFC 7748 §6.1, RFC 9180 §7.1.4). Every other acceptable test (flags `Twist`,
 *   `NonCanonicalPublic`, `SpecialPublicKey`, `EdgeCaseShared`, `EdgeCaseMultiplication`, `Ktv`) must
 *   succeed with `shared`, as RFC 7748 §5 requires (mask the top bit; accept non-canonical u and twist
 *   points, whose outputs are harmless once zero is refused).
 *   invalid: must throw ERR_CRYPTO (the file has none today).
 * - Ed25519 (`ed25519Verify`, the rule of PROTOCOL.md §4.1: canonical encodings, S < L, A in the
 *   prime-order subgroup and not small, R not small, the cofactorless equation).
 *   valid: true. invalid: false. acceptable: false, whatever the flags, because Wycheproof marks as
 *   acceptable only what lenient verifiers may let through, and the SDK's verifier is strict (the file
 *   has none today).
 * - ChaCha20-Poly1305 and XChaCha20-Poly1305 (`chachaSeal`/`chachaOpen`, `xchachaSeal`/`xchachaOpen`).
 *   valid: seal returns `ct || tag` and open returns `msg`.
 *   invalid with a nonce of the wrong length (`InvalidNonceSize`): seal throws ERR_MALFORMED (a caller
 *   bug) and open throws ERR_CRYPTO (the generic failure), both for the test's empty ciphertext and for
 *   one long enough to hold a tag.
 *   any other invalid (`ModifiedTag`): open throws ERR_CRYPTO, and seal of the same message yields the
 *   same ciphertext with a different tag.
 *   acceptable: must open (the files have none).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { chachaOpen, chachaSeal, xchachaOpen, xchachaSeal } from '../client-sdk/src/crypto/aead.js';
import { ed25519Verify } from '../client-sdk/src/crypto/ed25519.js';
import { x25519SharedSecret } from '../client-sdk/src/crypto/x25519.js';
import { describeEachProvider } from './support/crypto-providers.js';
import { codeOf } from './support/error-code.js';

type Result = 'valid' | 'invalid' | 'acceptable';

/** The fields every Wycheproof test has; each file adds its own. */
interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  result: Result;
}

/** The top level of a Wycheproof file; `G` is the file's test-group shape. */
interface WycheproofFile<G> {
  algorithm: string;
  numberOfTests: number;
  testGroups: G[];
}

interface XdhTest extends WycheproofTest {
  public: string;
  private: string;
  shared: string;
}

interface EddsaTest extends WycheproofTest {
  msg: string;
  sig: string;
}

interface AeadTest extends WycheproofTest {
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
}

function load<G>(name: string): WycheproofFile<G> {
  return JSON.parse(readFileSync(join(import.meta.dirname, 'vectors', 'wycheproof', name), 'utf8'));
}

function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new Error(`not lowercase hex: ${hex}`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const isAllZero = (hex: string) => /^0*$/.test(hex);

/** The BryggaError code `f` throws, or a marker when it returns or throws something else. */

/** Per-result tally; `total` is what is compared with `numberOfTests`. */
class Tally {
  readonly counts: Record<Result, number> = { valid: 0, invalid: 0, acceptable: 0 };
  readonly ids = new Set<number>();

  add(t: WycheproofTest): void {
    expect(this.ids.has(t.tcId), `tcId ${t.tcId} seen twice`).toBe(false);
    this.ids.add(t.tcId);
    expect(['valid', 'invalid', 'acceptable'], `tcId ${t.tcId}: result ${t.result}`).toContain(t.result);
    this.counts[t.result]++;
  }

  get total(): number {
    return this.counts.valid + this.counts.invalid + this.counts.acceptable;
  }
}

describeEachProvider('Wycheproof X25519 (x25519_test.json) through x25519SharedSecret', () => {
  const file = load<{ curve: string; tests: XdhTest[] }>('x25519_test.json');

  it('matches every valid and non-zero acceptable secret and refuses every all-zero one', () => {
    const tally = new Tally();
    let zeroRefused = 0;
    for (const group of file.testGroups) {
      expect(group.curve).toBe('curve25519');
      for (const t of group.tests) {
        tally.add(t);
        const where = `tcId ${t.tcId} (${t.result}; ${t.flags.join(', ')}) ${t.comment}`;
        const run = () => x25519SharedSecret(fromHex(t.private), fromHex(t.public));
        if (t.result === 'invalid') {
          expect(codeOf(run), where).toBe('ERR_CRYPTO');
        } else if (isAllZero(t.shared)) {
          expect(t.result, `${where}: a valid test with a zero secret`).toBe('acceptable');
          expect(t.flags, where).toContain('ZeroSharedSecret');
          expect(codeOf(run), where).toBe('ERR_CRYPTO');
          zeroRefused++;
        } else {
          expect(t.flags, where).not.toContain('ZeroSharedSecret');
          expect(toHex(run()), where).toBe(t.shared);
        }
      }
    }
    expect(tally.total).toBe(file.numberOfTests);
    expect(tally.counts).toEqual({ valid: 264, invalid: 0, acceptable: 254 });
    expect(zeroRefused).toBe(31);
  });
});

describeEachProvider('Wycheproof Ed25519 (ed25519_test.json) through ed25519Verify', () => {
  const file = load<{ publicKey: { curve: string; pk: string }; tests: EddsaTest[] }>('ed25519_test.json');

  it('accepts every valid signature and rejects every invalid one', () => {
    const tally = new Tally();
    for (const group of file.testGroups) {
      expect(group.publicKey.curve).toBe('edwards25519');
      const pk = fromHex(group.publicKey.pk);
      for (const t of group.tests) {
        tally.add(t);
        const where = `tcId ${t.tcId} (${t.result}; ${t.flags.join(', ')}) ${t.comment}`;
        // Strict policy: only "valid" verifies; "acceptable" is treated as invalid.
        expect(ed25519Verify(fromHex(t.sig), fromHex(t.msg), pk), where).toBe(t.result === 'valid');
      }
    }
    expect(tally.total).toBe(file.numberOfTests);
    expect(tally.counts).toEqual({ valid: 88, invalid: 63, acceptable: 0 });
  });
});

/** The SDK's pair of functions for one AEAD. */
interface Aead {
  nonceLength: number;
  seal: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array) => Uint8Array;
  open: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array) => Uint8Array;
}

function checkAeadFile(
  name: string,
  aead: Aead,
  expected: { counts: Record<Result, number>; badNonce: number },
): void {
  const file = load<{ ivSize: number; keySize: number; tagSize: number; tests: AeadTest[] }>(name);
  const tally = new Tally();
  let badNonce = 0;
  for (const group of file.testGroups) {
    expect(group.keySize).toBe(256);
    expect(group.tagSize).toBe(128);
    for (const t of group.tests) {
      tally.add(t);
      const where = `tcId ${t.tcId} (${t.result}; ${t.flags.join(', ')}) ${t.comment}`;
      const [key, iv, aad, msg] = [fromHex(t.key), fromHex(t.iv), fromHex(t.aad), fromHex(t.msg)];
      const sealed = fromHex(t.ct + t.tag);
      if (iv.length !== aead.nonceLength) {
        expect(t.result, where).toBe('invalid');
        expect(t.flags, where).toContain('InvalidNonceSize');
        expect(
          codeOf(() => aead.seal(key, iv, aad, msg)),
          where,
        ).toBe('ERR_MALFORMED');
        expect(
          codeOf(() => aead.open(key, iv, aad, sealed)),
          where,
        ).toBe('ERR_CRYPTO');
        expect(
          codeOf(() => aead.open(key, iv, aad, new Uint8Array(16))),
          where,
        ).toBe('ERR_CRYPTO');
        badNonce++;
      } else if (t.result === 'invalid') {
        expect(
          codeOf(() => aead.open(key, iv, aad, sealed)),
          where,
        ).toBe('ERR_CRYPTO');
        const resealed = toHex(aead.seal(key, iv, aad, msg));
        expect(resealed.slice(0, t.ct.length), where).toBe(t.ct);
        expect(resealed.slice(t.ct.length), where).not.toBe(t.tag);
      } else {
        if (t.result === 'valid') expect(toHex(aead.seal(key, iv, aad, msg)), where).toBe(t.ct + t.tag);
        expect(toHex(aead.open(key, iv, aad, sealed)), where).toBe(t.msg);
      }
    }
  }
  expect(tally.total).toBe(file.numberOfTests);
  expect(tally.counts).toEqual(expected.counts);
  expect(badNonce).toBe(expected.badNonce);
}

describeEachProvider(
  'Wycheproof ChaCha20-Poly1305 (chacha20_poly1305_test.json) through chachaSeal/chachaOpen',
  () => {
    it('seals and opens every valid test and refuses every invalid one', () => {
      checkAeadFile(
        'chacha20_poly1305_test.json',
        { nonceLength: 12, seal: chachaSeal, open: chachaOpen },
        { counts: { valid: 256, invalid: 69, acceptable: 0 }, badNonce: 9 },
      );
    });
  },
);

describeEachProvider(
  'Wycheproof XChaCha20-Poly1305 (xchacha20_poly1305_test.json) through xchachaSeal/xchachaOpen',
  () => {
    it('seals and opens every valid test and refuses every invalid one', () => {
      checkAeadFile(
        'xchacha20_poly1305_test.json',
        { nonceLength: 24, seal: xchachaSeal, open: xchachaOpen },
        { counts: { valid: 246, invalid: 69, acceptable: 0 }, badNonce: 9 },
      );
    });
  },
);
