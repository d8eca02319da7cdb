/**
 * C2SP signed notes: key ids, signing and verification, the parser's refusals, verifier keys. The
 * published vectors (Go's sumdb/note, the C2SP examples) run in test/transparency/vectors.test.ts; here
 * the properties: round trips, every tampering refused, junk refused with ERR_MALFORMED and nothing
 * else.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.js';
import { concatBytes, fromUtf8, toBase64, utf8 } from '../crypto/bytes.js';
import { ed25519PublicKey } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/hash.js';
import { isBryggaError } from '../errors.js';
import {
  checkNoteText,
  formatNote,
  isValidKeyName,
  MAX_NOTE_SIGNATURES,
  MAX_NOTE_TEXT_BYTES,
  MAX_SIGNATURE_LINE_BYTES,
  type Note,
  type NoteSignature,
  noteKeyId,
  parseNote,
  parseVerifierKey,
  signNote,
  verifierKey,
  verifyNoteSignature,
} from './note.js';

const seed = (n: number) => sha256(utf8(`note test seed ${n}`));
const LOG = 'brygga.example/log';
const TEXT = 'brygga.example/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';

/** A signed note as a log serves it. */
function signed(text = TEXT, name = LOG, secret = seed(1)): string {
  return formatNote({ text, signatures: [signNote(text, name, secret)] });
}

/** Whether `note` is accepted as signed by `name` with `publicKey`. */
function accepted(note: string, name = LOG, publicKey = ed25519PublicKey(seed(1))): boolean {
  try {
    return verifyNoteSignature(parseNote(note), name, publicKey);
  } catch (err) {
    if (isBryggaError(err, 'ERR_MALFORMED')) return false;
    throw err;
  }
}

const seeds = fc.uint8Array({ minLength: 32, maxLength: 32 });
/** Valid key names, in any script. */
const names = fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).filter(isValidKeyName);
/** Valid note texts: anything without control characters other than newline, ending in a newline. */
const texts = fc
  .string({ unit: 'binary', maxLength: 200 })
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
  .map((s) => `${s.replace(/[\u0000-\u0009\u000b-\u001f]/g, '')}\n`)
  .filter((s) => codeOf(() => checkNoteText(s)) === 'ok');

describe('noteKeyId', () => {
  it('is the first four bytes of SHA-256(name ‖ 0x0A ‖ type ‖ key)', () => {
    fc.assert(
      fc.property(
        names,
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ maxLength: 40 }),
        (name, type, key) => {
          const expected = sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, type), key)).slice(0, 4);
          expect(noteKeyId(name, type, key)).toEqual(expected);
        },
      ),
    );
  });

  it('differs between the note (0x01) and cosignature (0x04) types of one key and name', () => {
    const key = ed25519PublicKey(seed(1));
    expect(noteKeyId(LOG, 1, key)).not.toEqual(noteKeyId(LOG, 4, key));
    expect(noteKeyId(LOG, 1, key)).not.toEqual(noteKeyId(`${LOG}2`, 1, key));
  });

  it('refuses invalid names and type bytes with ERR_MALFORMED', () => {
    const key = ed25519PublicKey(seed(1));
    for (const name of [
      '',
      'a b',
      'a+b',
      'a\nb',
      'a\u00a0b',
      'a\u2028b',
      'a\u0085b',
      '\ud800',
      7 as unknown as string,
    ]) {
      expect(
        codeOf(() => noteKeyId(name, 1, key)),
        JSON.stringify(name),
      ).toBe('ERR_MALFORMED');
    }
    for (const type of [-1, 256, 1.5, Number.NaN])
      expect(codeOf(() => noteKeyId(LOG, type, key))).toBe('ERR_MALFORMED');
    expect(codeOf(() => noteKeyId(LOG, 1, 'key' as unknown as Uint8Array))).toBe('ERR_MALFORMED');
  });
});

describe('isValidKeyName', () => {
  it("follows Go's rule: non-empty, no Unicode space (unicode.IsSpace), no '+'", () => {
    for (const ok of [
      'a',
      'brygga.example/log',
      'oid/1.2.3',
      'DEV:witness',
      'ä€😀',
      '\u200b',
      '\ufeff',
      '\u007f',
    ]) {
      expect(isValidKeyName(ok), JSON.stringify(ok)).toBe(true);
    }
    const spaces = ['\t', '\n', '\v', '\f', '\r', ' ', '\u0085', '\u00a0', '\u1680', '\u2000', '\u200a'];
    const more = ['\u2028', '\u2029', '\u202f', '\u205f', '\u3000'];
    for (const bad of ['', '+', 'a+', '\u0000', '\u001f', '\udc00a', 'a\ud800', ...spaces, ...more]) {
      expect(isValidKeyName(`x${bad}`) && bad !== '', JSON.stringify(bad)).toBe(false);
    }
    expect(isValidKeyName('')).toBe(false);
  });
});

describe('signNote and verifyNoteSignature', () => {
  it('round-trip through formatNote and parseNote for any key, name and text', () => {
    fc.assert(
      fc.property(seeds, names, texts, (secret, name, text) => {
        const sig = signNote(text, name, secret);
        expect(sig.keyId).toEqual(noteKeyId(name, 1, ed25519PublicKey(secret)));
        expect(sig.signature).toHaveLength(64);
        const note = parseNote(formatNote({ text, signatures: [sig] }));
        expect(note).toEqual({ text, signatures: [sig] });
        expect(verifyNoteSignature(note, name, ed25519PublicKey(secret))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('signs the text itself, final newline included: plain Ed25519 over its UTF-8', () => {
    const sig = signNote(TEXT, LOG, seed(1));
    expect(ed25519.verify(sig.signature, utf8(TEXT), ed25519PublicKey(seed(1)))).toBe(true);
    expect(ed25519.verify(sig.signature, utf8(TEXT.slice(0, -1)), ed25519PublicKey(seed(1)))).toBe(false);
  });

  it('refuses the note after any single bit of it is flipped', () => {
    const bytes = utf8(signed());
    expect(accepted(fromUtf8(bytes))).toBe(true);
    let refused = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = bytes.slice();
        copy[i]! ^= 1 << bit;
        let text: string;
        try {
          text = fromUtf8(copy);
        } catch {
          refused++;
          continue;
        }
        expect(accepted(text), `byte ${i} bit ${bit}`).toBe(false);
        refused++;
      }
    }
    expect(refused).toBe(bytes.length * 8);
  });

  it('refuses another key, another name, another text and a signature moved to another name', () => {
    const note = parseNote(signed());
    expect(verifyNoteSignature(note, LOG, ed25519PublicKey(seed(2)))).toBe(false);
    expect(verifyNoteSignature(note, 'brygga.example/other', ed25519PublicKey(seed(1)))).toBe(false);
    expect(verifyNoteSignature({ ...note, text: `${TEXT}x\n` }, LOG, ed25519PublicKey(seed(1)))).toBe(false);
    // The same signature bytes under another name: the key id no longer matches that name.
    const renamed = { ...note, signatures: [{ ...note.signatures[0]!, name: 'brygga.example/other' }] };
    expect(verifyNoteSignature(renamed, 'brygga.example/other', ed25519PublicKey(seed(1)))).toBe(false);
    // The right key id but another key's signature.
    const forged = {
      ...note,
      signatures: [{ ...signNote(TEXT, LOG, seed(2)), keyId: note.signatures[0]!.keyId }],
    };
    expect(verifyNoteSignature(forged, LOG, ed25519PublicKey(seed(1)))).toBe(false);
  });

  it('ignores lines of other keys, and refuses the note when any line of the key fails', () => {
    const mine = signNote(TEXT, LOG, seed(1));
    const other = signNote(TEXT, 'witness.example/w1', seed(2));
    const junk: NoteSignature = {
      name: 'unknown.example',
      keyId: Uint8Array.of(1, 2, 3, 4),
      signature: Uint8Array.of(5),
    };
    const pk = ed25519PublicKey(seed(1));
    expect(verifyNoteSignature({ text: TEXT, signatures: [junk, other, mine] }, LOG, pk)).toBe(true);
    expect(verifyNoteSignature({ text: TEXT, signatures: [mine, mine] }, LOG, pk)).toBe(true);
    const bad = { ...mine, signature: mine.signature.map((b, i) => (i === 0 ? b ^ 1 : b)) };
    expect(verifyNoteSignature({ text: TEXT, signatures: [mine, bad] }, LOG, pk)).toBe(false);
    expect(verifyNoteSignature({ text: TEXT, signatures: [bad, mine] }, LOG, pk)).toBe(false);
    expect(verifyNoteSignature({ text: TEXT, signatures: [junk, other] }, LOG, pk)).toBe(false);
  });

  it('is strict Ed25519: a non-canonical S is refused', () => {
    const sig = signNote(TEXT, LOG, seed(1));
    // S + L, the group order, is the same scalar but a second encoding: lenient verifiers accept it.
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig.signature[i]!);
    s += L;
    const malleable = sig.signature.slice();
    for (let i = 32; i < 64; i++) {
      malleable[i] = Number(s & 0xffn);
      s >>= 8n;
    }
    const note = { text: TEXT, signatures: [{ ...sig, signature: malleable }] };
    expect(verifyNoteSignature(note, LOG, ed25519PublicKey(seed(1)))).toBe(false);
  });

  it('returns false, never throws, for junk arguments', () => {
    const pk = ed25519PublicKey(seed(1));
    const note = parseNote(signed());
    const junk = [
      undefined,
      null,
      {},
      { text: 5 },
      { text: TEXT },
      { text: TEXT, signatures: 'x' },
      { text: 'no newline', signatures: note.signatures },
    ];
    for (const j of junk) expect(verifyNoteSignature(j as unknown as Note, LOG, pk)).toBe(false);
    expect(verifyNoteSignature({ text: TEXT, signatures: [null as unknown as NoteSignature] }, LOG, pk)).toBe(
      false,
    );
    expect(verifyNoteSignature(note, 'a b', pk)).toBe(false);
    expect(verifyNoteSignature(note, LOG, pk.slice(1))).toBe(false);
    expect(verifyNoteSignature(note, LOG, 'key' as unknown as Uint8Array)).toBe(false);
  });

  it('refuses to sign what could not be a note, with ERR_MALFORMED', () => {
    expect(codeOf(() => signNote('no newline', LOG, seed(1)))).toBe('ERR_MALFORMED');
    expect(codeOf(() => signNote('tab\there\n', LOG, seed(1)))).toBe('ERR_MALFORMED');
    expect(codeOf(() => signNote(TEXT, 'two words', seed(1)))).toBe('ERR_MALFORMED');
    expect(codeOf(() => signNote(TEXT, LOG, seed(1).slice(1)))).toBe('ERR_MALFORMED');
    expect(codeOf(() => signNote(`${'a'.repeat(MAX_NOTE_TEXT_BYTES)}\n`, LOG, seed(1)))).toBe(
      'ERR_MALFORMED',
    );
  });
});

describe('formatNote', () => {
  it('round-trips with parseNote for any text and any signature lines', () => {
    const sigs = fc.record({
      name: names,
      keyId: fc.uint8Array({ minLength: 4, maxLength: 4 }),
      signature: fc.uint8Array({ minLength: 1, maxLength: 100 }),
    });
    fc.assert(
      fc.property(texts, fc.array(sigs, { minLength: 1, maxLength: 5 }), (text, signatures) => {
        const note = formatNote({ text, signatures });
        expect(parseNote(note)).toEqual({ text, signatures });
        expect(formatNote(parseNote(note))).toBe(note);
      }),
      { numRuns: 200 },
    );
  });

  it('writes the exact C2SP layout: text, blank line, "— name base64(key id ‖ signature)"', () => {
    const sig = { name: 'x.example', keyId: Uint8Array.of(1, 2, 3, 4), signature: Uint8Array.of(0xfb, 0xff) };
    expect(formatNote({ text: 'hi\n', signatures: [sig] })).toBe('hi\n\n\u2014 x.example AQIDBPv/\n');
  });

  it('refuses notes it could not write faithfully, with ERR_MALFORMED', () => {
    const sig = signNote(TEXT, LOG, seed(1));
    const bad: unknown[] = [
      undefined,
      { text: TEXT, signatures: [] },
      { text: TEXT, signatures: Array(MAX_NOTE_SIGNATURES + 1).fill(sig) },
      { text: 'no newline', signatures: [sig] },
      { text: TEXT, signatures: [{ ...sig, name: 'a b' }] },
      { text: TEXT, signatures: [{ ...sig, keyId: sig.keyId.slice(1) }] },
      { text: TEXT, signatures: [{ ...sig, signature: new Uint8Array(0) }] },
      { text: TEXT, signatures: [{ ...sig, signature: new Uint8Array(MAX_SIGNATURE_LINE_BYTES) }] },
      { text: TEXT, signatures: 'sig' },
    ];
    for (const note of bad) expect(codeOf(() => formatNote(note as Note))).toBe('ERR_MALFORMED');
    expect(formatNote({ text: TEXT, signatures: Array(MAX_NOTE_SIGNATURES).fill(sig) })).toContain(TEXT);
  });
});

describe('parseNote', () => {
  const good = signed();
  const [text, line] = [TEXT, good.slice(TEXT.length + 1)];

  it('separates the text at the last blank line, so the text may hold blank lines', () => {
    const t = 'a\n\nb\n\n\n';
    expect(parseNote(signed(t)).text).toBe(t);
    expect(accepted(signed(t))).toBe(true);
  });

  it('refuses malformed notes with ERR_MALFORMED', () => {
    const b64 = line.slice(line.lastIndexOf(' ') + 1, -1);
    const bad = [
      text,
      `${text}\n`,
      `${text}\n\n`,
      `${text}\n${line.slice(0, -1)}`,
      `${text}\n${line}\n`,
      `${text}\n${line}junk\n`,
      `${text}${line}`,
      `${text}\n${line.replace('\u2014', '-')}`,
      `${text}\n${line.replace('\u2014', '--')}`,
      `${text}\n${line.replace('\u2014', '\u2013')}`,
      `${text}\n${line.replace('\u2014 ', '\u2014')}`,
      `${text}\n${line.replace(' ', '  ')}`,
      `${text}\n\u2014 ${b64}\n`,
      `${text}\n\u2014  ${b64}\n`,
      `${text}\n\u2014 a+b ${b64}\n`,
      `${text}\n\u2014 a\u00a0b ${b64}\n`,
      `${text}\n${line.replace(LOG, `${LOG}\u2028`)}`,
      `${text}\n${line.replace(`${LOG} `, `${LOG}\u0085 `)}`,
      `${text}\n${line.replace(b64, b64.slice(0, -1))}`,
      `${text}\n${line.replace(b64, `${b64} `)}`,
      `${text}\n${line.replace(b64, b64.replace(/\+/g, '-').replace(/\//g, '_'))}`,
      `${text}\n\u2014 ${LOG} AQIDBA==\n`,
      `${text}\n\u2014 ${LOG} \n`,
      `\u0001${good}`,
      `${good.slice(0, 3)}\r${good.slice(3)}`,
      `${good.slice(0, 3)}\t${good.slice(3)}`,
      `\ud800${good}`,
      `${text.slice(0, -1)}\udfff\n\n${line}`,
      '',
      '\n',
      '\n\n',
    ];
    for (const note of bad)
      expect(
        codeOf(() => parseNote(note)),
        JSON.stringify(note),
      ).toBe('ERR_MALFORMED');
    for (const junk of [undefined, null, 7, {}, [good], utf8(good)]) {
      expect(codeOf(() => parseNote(junk as unknown as string))).toBe('ERR_MALFORMED');
    }
  });

  it('refuses base64 with non-zero unused bits, which Go would accept', () => {
    // A 5-byte payload ends in "xx==" where the second x carries 4 unused bits.
    const canonical = `${text}\n\u2014 ${LOG} AQIDBAU=\n`;
    expect(parseNote(canonical).signatures[0]!.signature).toEqual(Uint8Array.of(5));
    expect(codeOf(() => parseNote(`${text}\n\u2014 ${LOG} AQIDBAV=\n`))).toBe('ERR_MALFORMED');
  });

  it('enforces its limits: signatures, text size, line length', () => {
    expect(parseNote(`${text}\n${line.repeat(MAX_NOTE_SIGNATURES)}`).signatures).toHaveLength(
      MAX_NOTE_SIGNATURES,
    );
    expect(codeOf(() => parseNote(`${text}\n${line.repeat(MAX_NOTE_SIGNATURES + 1)}`))).toBe('ERR_MALFORMED');
    const big = `${'a'.repeat(MAX_NOTE_TEXT_BYTES - 1)}\n`;
    expect(parseNote(`${big}\n${line}`).text).toBe(big);
    expect(codeOf(() => parseNote(`a${big}\n${line}`))).toBe('ERR_MALFORMED');
    // Multi-byte characters count by their UTF-8 length, not their UTF-16 length.
    const wide = `${'é'.repeat(MAX_NOTE_TEXT_BYTES / 2)}\n`;
    expect(codeOf(() => parseNote(`${wide}\n${line}`))).toBe('ERR_MALFORMED');
    const longLine = `\u2014 ${LOG} ${toBase64(new Uint8Array(MAX_SIGNATURE_LINE_BYTES))}\n`;
    expect(codeOf(() => parseNote(`${text}\n${longLine}`))).toBe('ERR_MALFORMED');
    expect(codeOf(() => parseNote(`${'a'.repeat(8 * 1024 * 1024)}\n\n${line}`))).toBe('ERR_MALFORMED');
  });

  it('on junk only ever returns or throws ERR_MALFORMED', () => {
    const pieces = fc.constantFrom(
      '\u2014',
      ' ',
      '\n',
      '\n\n',
      'a',
      '+',
      '=',
      'AQIDBAU=',
      LOG,
      '\u00a0',
      '\r',
      '\ud800',
      'é',
    );
    const notes = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.array(pieces, { maxLength: 30 }).map((p) => p.join('')),
      fc
        .tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 4 }), fc.nat({ max: 4 }))
        .map(([at, piece, cut]) => {
          const i = at % (good.length + 1);
          return good.slice(0, i) + piece + good.slice(i + cut);
        }),
    );
    fc.assert(
      fc.property(notes, (note) => {
        let parsed: Note;
        try {
          parsed = parseNote(note);
        } catch (err) {
          expect(isBryggaError(err, 'ERR_MALFORMED'), String(err)).toBe(true);
          return;
        }
        // Whatever parses is written back exactly.
        expect(formatNote(parsed)).toBe(note);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('verifierKey and parseVerifierKey', () => {
  it('round-trip for any key and name, with the key id of type 0x01', () => {
    fc.assert(
      fc.property(seeds, names, (secret, name) => {
        const publicKey = ed25519PublicKey(secret);
        const vkey = verifierKey(name, publicKey);
        const id = Array.from(noteKeyId(name, 1, publicKey), (b) => b.toString(16).padStart(2, '0')).join('');
        expect(vkey).toBe(`${name}+${id}+${toBase64(concatBytes(Uint8Array.of(1), publicKey))}`);
        expect(parseVerifierKey(vkey)).toEqual({ name, publicKey });
      }),
      { numRuns: 50 },
    );
  });

  it("refuses every proper substring and every one-character change (Go's TestNewVerifier)", () => {
    const vkey = verifierKey(LOG, ed25519PublicKey(seed(1)));
    for (let i = 0; i <= vkey.length; i++) {
      for (let j = i + 1; j <= vkey.length; j++) {
        if (i === 0 && j === vkey.length) continue;
        expect(
          codeOf(() => parseVerifierKey(vkey.slice(i, j))),
          vkey.slice(i, j),
        ).toBe('ERR_MALFORMED');
      }
    }
    for (let i = 0; i < vkey.length; i++) {
      const changed = vkey.slice(0, i) + String.fromCharCode(vkey.charCodeAt(i) + 1) + vkey.slice(i + 1);
      expect(
        codeOf(() => parseVerifierKey(changed)),
        changed,
      ).toBe('ERR_MALFORMED');
    }
  });

  it('accepts an upper-case key id, as Go does, and refuses other forms of it', () => {
    const vkey = verifierKey(LOG, ed25519PublicKey(seed(1)));
    const [name, id, key] = [LOG, vkey.split('+')[1]!, vkey.slice(vkey.indexOf('+', LOG.length + 1) + 1)];
    expect(id).toMatch(/^[0-9a-f]{8}$/);
    expect(id.toUpperCase()).not.toBe(id);
    expect(parseVerifierKey(`${name}+${id.toUpperCase()}+${key}`).name).toBe(LOG);
    for (const bad of [`0x${id.slice(2)}`, ` ${id.slice(1)}`, `${id}0`, id.slice(1), `-${id.slice(1)}`]) {
      expect(
        codeOf(() => parseVerifierKey(`${name}+${bad}+${key}`)),
        bad,
      ).toBe('ERR_MALFORMED');
    }
  });

  it('refuses keys that strict Ed25519 refuses, and junk, with ERR_MALFORMED', () => {
    // The identity point: a small-order key that would accept signatures on many messages.
    const identity = Uint8Array.of(1, ...new Array(31).fill(0));
    expect(codeOf(() => verifierKey(LOG, identity))).toBe('ERR_MALFORMED');
    const id = Array.from(noteKeyId(LOG, 1, identity), (b) => b.toString(16).padStart(2, '0')).join('');
    const vkey = `${LOG}+${id}+${toBase64(concatBytes(Uint8Array.of(1), identity))}`;
    expect(codeOf(() => parseVerifierKey(vkey))).toBe('ERR_MALFORMED');
    expect(codeOf(() => verifierKey('a b', ed25519PublicKey(seed(1))))).toBe('ERR_MALFORMED');
    for (const junk of [undefined, 5, '', '+', '++', 'a+b+c', `${LOG}+00000000+`]) {
      expect(codeOf(() => parseVerifierKey(junk as unknown as string))).toBe('ERR_MALFORMED');
    }
  });
});
