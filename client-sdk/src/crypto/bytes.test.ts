/**
 * Property tests of the byte helpers: strict base64url (RFC 4648 §5, no padding, canonical trailing
 * bits), strict standard base64 (RFC 4648 §4, padded, canonical trailing bits), strict UTF-8, constant-time equality and I2OSP (RFC 8017 §4.1, as RFC 9180 uses it). Node's
 * own `Buffer` codecs serve as the reference implementation where they apply.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.js';
import { isBryggaError } from '../errors.js';
import {
  equalBytes,
  fromBase64,
  fromBase64url,
  fromUtf8,
  i2osp,
  toBase64,
  toBase64url,
  utf8,
} from './bytes.js';

/** RFC 4648 Table 2, the URL- and filename-safe alphabet. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The BryggaError code `f` throws, or a marker when it returns or throws something else. */

const bytes = fc.uint8Array({ maxLength: 300 });
/** Byte strings whose encoding ends in a partial group, so it has unused trailing bits. */
const ragged = bytes.filter((b) => b.length % 3 !== 0);
/** Insert `piece` into `text` at a position chosen by the property. */
const insertAt = (text: string, at: number, piece: string) => {
  const i = at % (text.length + 1);
  return text.slice(0, i) + piece + text.slice(i);
};

describe('base64url', () => {
  it('round-trips every byte string, with and without an expected length', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        const text = toBase64url(b);
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(text.length).toBe(Math.ceil((b.length * 4) / 3));
        expect(fromBase64url(text)).toEqual(b);
        expect(fromBase64url(text, b.length)).toEqual(b);
      }),
    );
  });

  it("encodes exactly as Node's Buffer does, and decodes Buffer's output", () => {
    fc.assert(
      fc.property(bytes, (b) => {
        const reference = Buffer.from(b).toString('base64url');
        expect(toBase64url(b)).toBe(reference);
        expect(fromBase64url(reference)).toEqual(b);
      }),
    );
  });

  it('refuses a decoded length other than the expected one', () => {
    fc.assert(
      fc.property(bytes, fc.integer({ min: 0, max: 400 }), (b, n) => {
        fc.pre(n !== b.length);
        expect(codeOf(() => fromBase64url(toBase64url(b), n))).toBe('ERR_MALFORMED');
      }),
    );
  });

  it('refuses non-zero unused trailing bits (so each byte string has one encoding)', () => {
    fc.assert(
      fc.property(ragged, fc.nat(), (b, seed) => {
        const text = toBase64url(b);
        // A final group of 2 characters carries 4 unused bits, one of 3 characters carries 2.
        const unusedMask = text.length % 4 === 2 ? 0b1111 : 0b11;
        const k = 1 + (seed % unusedMask); // any non-zero value of the unused bits
        const last = ALPHABET.indexOf(text.at(-1)!);
        expect(last & unusedMask).toBe(0);
        const altered = text.slice(0, -1) + ALPHABET[last | k];
        // Node's lenient decoder reads the altered text as the same bytes; ours must not.
        expect(new Uint8Array(Buffer.from(altered, 'base64url'))).toEqual(b);
        expect(codeOf(() => fromBase64url(altered))).toBe('ERR_MALFORMED');
      }),
    );
  });

  it("refuses '=' padding, including standard base64's", () => {
    fc.assert(
      fc.property(ragged, fc.constantFrom('=', '=='), (b, pad) => {
        expect(codeOf(() => fromBase64url(toBase64url(b) + pad))).toBe('ERR_MALFORMED');
        const padded = Buffer.from(b).toString('base64');
        expect(padded).toContain('=');
        expect(codeOf(() => fromBase64url(padded))).toBe('ERR_MALFORMED');
      }),
    );
  });

  it("refuses the standard alphabet's '+' and '/' anywhere", () => {
    fc.assert(
      fc.property(bytes, fc.nat(), fc.constantFrom('+', '/'), (b, at, c) => {
        const text = toBase64url(b);
        // Replacing a character keeps the length; inserting one changes it. Both must fail.
        const i = at % (text.length + 1);
        if (i < text.length) {
          const replaced = text.slice(0, i) + c + text.slice(i + 1);
          expect(codeOf(() => fromBase64url(replaced))).toBe('ERR_MALFORMED');
        }
        expect(codeOf(() => fromBase64url(insertAt(text, at, c)))).toBe('ERR_MALFORMED');
      }),
    );
    // Bytes whose standard encoding uses both characters: base64 "+/8=" is base64url "-_8".
    const b = Uint8Array.from([0xfb, 0xff]);
    expect(toBase64url(b)).toBe('-_8');
    expect(codeOf(() => fromBase64url('+/8'))).toBe('ERR_MALFORMED');
  });

  it('refuses whitespace anywhere', () => {
    fc.assert(
      fc.property(
        bytes,
        fc.nat(),
        fc.constantFrom(' ', '\t', '\n', '\r', '\f', '\v', '\u00a0'),
        (b, at, ws) => {
          expect(codeOf(() => fromBase64url(insertAt(toBase64url(b), at, ws)))).toBe('ERR_MALFORMED');
        },
      ),
    );
  });

  it('refuses every text whose length is 1 mod 4, even in the right alphabet', () => {
    // A whole encoding plus one more character, which cannot carry a byte; 'A' (no set bits) is the
    // case a trailing-bits check alone would let through.
    const whole = bytes.filter((b) => b.length % 3 === 0);
    fc.assert(
      fc.property(whole, fc.constantFrom('A', ...ALPHABET), (b, c) => {
        const text = toBase64url(b) + c;
        expect(text.length % 4).toBe(1);
        expect(codeOf(() => fromBase64url(text))).toBe('ERR_MALFORMED');
      }),
    );
    for (const text of ['A', 'AAAAA', 'QUJD' + 'A']) {
      expect(
        codeOf(() => fromBase64url(text)),
        text,
      ).toBe('ERR_MALFORMED');
    }
  });

  it('on junk either refuses with ERR_MALFORMED or accepts only the canonical encoding', () => {
    const junkChar = fc.oneof(
      fc.constantFrom(...ALPHABET),
      fc.constantFrom('=', '+', '/', ' ', '\n', '.', '\u0000', 'é', '\u{1f600}', '\u0100'),
    );
    fc.assert(
      fc.property(fc.string({ unit: junkChar, maxLength: 60 }), (text) => {
        let decoded: Uint8Array;
        try {
          decoded = fromBase64url(text);
        } catch (err) {
          expect(isBryggaError(err, 'ERR_MALFORMED')).toBe(true);
          return;
        }
        expect([...text].every((c) => ALPHABET.includes(c))).toBe(true);
        expect(toBase64url(decoded)).toBe(text);
      }),
    );
  });
});

/** True when Node decodes `b` without replacing anything, i.e. `b` is well-formed UTF-8. */
const nodeSaysValid = (b: Uint8Array) => Buffer.from(Buffer.from(b).toString('utf8'), 'utf8').equals(b);

describe('standard base64', () => {
  it("encodes exactly as Node's Buffer does, and decodes Buffer's output", () => {
    fc.assert(
      fc.property(bytes, (b) => {
        const reference = Buffer.from(b).toString('base64');
        expect(toBase64(b)).toBe(reference);
        expect(fromBase64(reference)).toEqual(b);
        expect(fromBase64(reference, b.length)).toEqual(b);
      }),
    );
  });

  it('refuses a decoded length other than the expected one', () => {
    fc.assert(
      fc.property(bytes, fc.integer({ min: 0, max: 400 }), (b, n) => {
        fc.pre(n !== b.length);
        expect(codeOf(() => fromBase64(toBase64(b), n))).toBe('ERR_MALFORMED');
      }),
    );
  });

  it('refuses missing, extra or misplaced padding, the URL-safe alphabet and whitespace', () => {
    for (const bad of [
      'QQ',
      'QQ=',
      'QQ===',
      'QUI',
      'QUI==',
      'QUJD=',
      'QUJD====',
      'Q===',
      '====',
      'QQ=A',
      '=QQ=',
    ]) {
      expect(
        codeOf(() => fromBase64(bad)),
        bad,
      ).toBe('ERR_MALFORMED');
    }
    expect(toBase64(Uint8Array.of(0xfb, 0xff))).toBe('+/8=');
    expect(codeOf(() => fromBase64('-_8='))).toBe('ERR_MALFORMED');
    for (const bad of [' QQ==', 'QQ== ', 'Q Q==', 'QQ==\n', 'QQ\r\n==']) {
      expect(
        codeOf(() => fromBase64(bad)),
        JSON.stringify(bad),
      ).toBe('ERR_MALFORMED');
    }
    expect(codeOf(() => fromBase64(undefined as unknown as string))).toBe('ERR_MALFORMED');
  });

  it('refuses non-zero unused trailing bits (so each byte string has one encoding)', () => {
    fc.assert(
      fc.property(ragged, fc.integer({ min: 1, max: 15 }), (b, bits) => {
        const text = toBase64(b);
        const pad = text.endsWith('==') ? 2 : 1;
        const last = text.length - pad - 1;
        const value = ALPHABET.indexOf(text[last]!.replace('+', '-').replace('/', '_'));
        const unused = pad === 2 ? 4 : 2;
        fc.pre(bits < 1 << unused);
        const standard = ALPHABET.replace('-', '+').replace('_', '/');
        const tampered = text.slice(0, last) + standard[value | bits] + text.slice(last + 1);
        expect(codeOf(() => fromBase64(tampered))).toBe('ERR_MALFORMED');
      }),
    );
  });

  it('on junk either refuses with ERR_MALFORMED or accepts only the canonical encoding', () => {
    const junk = fc.string({ unit: fc.constantFrom(...'AQgw+/-_=aZ09 \n'), maxLength: 24 });
    fc.assert(
      fc.property(junk, (text) => {
        let decoded: Uint8Array;
        try {
          decoded = fromBase64(text);
        } catch (err) {
          expect(isBryggaError(err, 'ERR_MALFORMED')).toBe(true);
          return;
        }
        expect(toBase64(decoded)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('UTF-8', () => {
  it('round-trips every well-formed string, a leading U+FEFF included', () => {
    const text = fc.string({ unit: 'binary', maxLength: 100 });
    fc.assert(
      fc.property(
        fc.oneof(
          text,
          text.map((s) => `\ufeff${s}`),
        ),
        (s) => {
          const encoded = utf8(s);
          expect(encoded).toEqual(new Uint8Array(Buffer.from(s, 'utf8')));
          expect(fromUtf8(encoded)).toBe(s);
        },
      ),
    );
  });

  // A leading EF BB BF is content: dropping it would let two byte strings decode to one string.
  it('keeps a leading U+FEFF (byte order mark) instead of dropping it', () => {
    expect(fromUtf8(utf8('\ufeffa'))).toBe('\ufeffa');
  });

  it('refuses invalid sequences with ERR_MALFORMED', () => {
    const invalid = [
      [0x80], // lone continuation byte
      [0xbf],
      [0xc0, 0x80], // overlong NUL
      [0xc1, 0xbf], // overlong
      [0xe0, 0x80, 0x80], // overlong three-byte form
      [0xf0, 0x80, 0x80, 0x80], // overlong four-byte form
      [0xed, 0xa0, 0x80], // UTF-16 surrogate D800 (CESU-8)
      [0xed, 0xbf, 0xbf], // surrogate DFFF
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xf5, 0x80, 0x80, 0x80],
      [0xfe],
      [0xff],
      [0xc3], // truncated two-byte sequence
      [0xe2, 0x82], // truncated three-byte sequence
      [0xf0, 0x9f, 0x98], // truncated four-byte sequence
      [0xc3, 0x41], // lead byte followed by ASCII
    ];
    for (const seq of invalid) {
      const b = Uint8Array.from(seq);
      expect(nodeSaysValid(b), seq.join(',')).toBe(false);
      expect(
        codeOf(() => fromUtf8(b)),
        seq.join(','),
      ).toBe('ERR_MALFORMED');
    }
  });

  it('refuses a valid string with an invalid sequence spliced in anywhere', () => {
    const bad = fc.constantFrom([0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff]);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.nat(), bad, (s, at, seq) => {
        const encoded = utf8(s);
        // Split between characters, not inside one, so the prefix and suffix stay well-formed.
        const chars = [...s];
        const prefix = utf8(chars.slice(0, at % (chars.length + 1)).join(''));
        const spliced = new Uint8Array([...prefix, ...seq, ...encoded.subarray(prefix.length)]);
        expect(codeOf(() => fromUtf8(spliced))).toBe('ERR_MALFORMED');
      }),
    );
  });

  it('agrees with Node on arbitrary bytes: decodes what Node decodes losslessly, refuses the rest', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        if (nodeSaysValid(b)) expect(fromUtf8(b)).toBe(Buffer.from(b).toString('utf8'));
        else expect(codeOf(() => fromUtf8(b))).toBe('ERR_MALFORMED');
      }),
    );
  });
});

describe('equalBytes', () => {
  it('agrees with Buffer.compare on arbitrary pairs, including different lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        expect(equalBytes(a, b)).toBe(Buffer.compare(a, b) === 0);
      }),
    );
  });

  it('is true for a copy and false after flipping any single bit or changing the length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.nat(), (a, bit) => {
        expect(equalBytes(a, a.slice())).toBe(true);
        const flipped = a.slice();
        const i = bit % (a.length * 8);
        flipped[i >> 3]! ^= 1 << (i & 7);
        expect(equalBytes(a, flipped)).toBe(false);
        expect(equalBytes(flipped, a)).toBe(false);
        expect(equalBytes(a, a.subarray(0, -1))).toBe(false);
        expect(equalBytes(a, new Uint8Array([...a, 0]))).toBe(false);
      }),
    );
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});

/** Big-endian `length`-byte encoding of `value` by BigInt arithmetic, the reference for i2osp. */
function referenceI2osp(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  expect(v).toBe(0n);
  return out;
}

describe('i2osp', () => {
  it('matches the big-endian reference for every value that fits', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 16 })
          .chain((length) =>
            fc.tuple(
              fc.constant(length),
              length >= 7
                ? fc.maxSafeNat()
                : fc.bigInt({ min: 0n, max: 256n ** BigInt(length) - 1n }).map((v) => Number(v)),
            ),
          ),
        ([length, value]) => {
          const out = i2osp(value, length);
          expect(out).toEqual(referenceI2osp(BigInt(value), length));
          expect(out.reduce((acc, byte) => acc * 256n + BigInt(byte), 0n)).toBe(BigInt(value));
        },
      ),
    );
    // RFC 9180's suite identifiers: kem_id 0x0020, kdf_id 0x0001, aead_id 0x0003.
    expect(i2osp(0x20, 2)).toEqual(Uint8Array.from([0x00, 0x20]));
    expect(i2osp(Number.MAX_SAFE_INTEGER, 8)).toEqual(
      Uint8Array.from([0, 0x1f, 255, 255, 255, 255, 255, 255]),
    );
    expect(i2osp(0, 0)).toEqual(new Uint8Array(0));
  });

  it('refuses values that do not fit in the length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.nat(), (length, extra) => {
        const value = Math.min(Number.MAX_SAFE_INTEGER, 256 ** length + extra);
        expect(codeOf(() => i2osp(value, length))).toBe('ERR_MALFORMED');
      }),
    );
    expect(codeOf(() => i2osp(256, 1))).toBe('ERR_MALFORMED');
    expect(codeOf(() => i2osp(65536, 2))).toBe('ERR_MALFORMED');
    expect(codeOf(() => i2osp(1, 0))).toBe('ERR_MALFORMED');
  });

  it('refuses negative, fractional, non-finite and unsafe integers', () => {
    for (const value of [-1, -0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1]) {
      expect(
        codeOf(() => i2osp(value, 8)),
        String(value),
      ).toBe('ERR_MALFORMED');
    }
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (value) => {
        fc.pre(!Number.isSafeInteger(value) || value < 0);
        expect(codeOf(() => i2osp(value, 8))).toBe('ERR_MALFORMED');
      }),
    );
  });
});
