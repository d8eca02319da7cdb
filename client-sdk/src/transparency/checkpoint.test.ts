/**
 * Checkpoints (C2SP tlog-checkpoint) and Ed25519 cosignatures (C2SP tlog-cosignature): the exact text,
 * the parser's refusals, the signed message, and every kind of tampering refused. The published
 * vectors (a real cosigned checkpoint, the specification's example) run in
 * test/transparency/vectors.test.ts.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/error-code.js';
import { concatBytes, i2osp, toBase64, utf8 } from '../crypto/bytes.js';
import { ed25519PublicKey } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/hash.js';
import { isBryggaError } from '../errors.js';
import {
  type Checkpoint,
  COSIGNATURE_V1_TYPE,
  cosignCheckpoint,
  cosignerVerifierKey,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  parseCosignerVerifierKey,
  verifyCosignature,
} from './checkpoint.js';
import { emptyRoot } from './merkle.js';
import {
  checkNoteText,
  formatNote,
  type NoteSignature,
  noteKeyId,
  parseNote,
  parseVerifierKey,
  signNote,
  verifierKey,
  verifyNoteSignature,
} from './note.js';

const seed = (n: number) => sha256(utf8(`checkpoint test seed ${n}`));
const ORIGIN = 'brygga.example/log';
const WITNESS = 'kommun.example/witness';
const ROOT = sha256(utf8('a root'));
const CP: Checkpoint = { origin: ORIGIN, size: 1234, root: ROOT, extensions: [] };
const TEXT = formatCheckpoint(CP);
const TIME = 1_767_225_600;

describe('formatCheckpoint and parseCheckpoint', () => {
  it('write the three lines of the spec, extensions after them, each ending in a newline', () => {
    expect(TEXT).toBe(`${ORIGIN}\n1234\n${toBase64(ROOT)}\n`);
    const empty = formatCheckpoint({ origin: ORIGIN, size: 0, root: emptyRoot(), extensions: [] });
    expect(empty).toBe(`${ORIGIN}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n`);
    const ext = formatCheckpoint({ ...CP, extensions: ['— a', 'b c'] });
    expect(ext).toBe(`${TEXT}— a\nb c\n`);
    expect(parseCheckpoint(ext)).toEqual({ ...CP, extensions: ['— a', 'b c'] });
  });

  it('round-trip for any origin, size, root and extension lines', () => {
    const line = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 30 })
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
      .map((s) => s.replace(/[\u0000-\u001f]/g, ''))
      .filter((s) => s !== '' && codeOf(() => checkNoteText(`${s}\n`)) === 'ok');
    const checkpoints = fc.record({
      origin: line,
      size: fc.maxSafeNat(),
      root: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      extensions: fc.array(line, { maxLength: 3 }),
    });
    fc.assert(
      fc.property(checkpoints, (c) => {
        const text = formatCheckpoint(c);
        expect(parseCheckpoint(text)).toEqual(c);
        expect(formatCheckpoint(parseCheckpoint(text))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('accept sizes up to 2^53 − 1 and refuse larger ones rather than round them', () => {
    const max = formatCheckpoint({ ...CP, size: Number.MAX_SAFE_INTEGER });
    expect(parseCheckpoint(max).size).toBe(Number.MAX_SAFE_INTEGER);
    for (const size of ['9007199254740992', '18446744073709551615']) {
      expect(codeOf(() => parseCheckpoint(`${ORIGIN}\n${size}\n${toBase64(ROOT)}\n`))).toBe('ERR_MALFORMED');
    }
  });

  it('refuse malformed checkpoint texts with ERR_MALFORMED', () => {
    const root = toBase64(ROOT);
    const bad = [
      `${ORIGIN}\n1234\n${root}`,
      `${ORIGIN}\n1234\n`,
      `${ORIGIN}\n1234\n${root}\n\n`,
      `${ORIGIN}\n1234\n${root}\n\next\n`,
      `\n1234\n${root}\n`,
      ...['01', '00', '+1', '-1', ' 1', '1 ', '1e3', '0x10', '1.0', '١', ''].map(
        (s) => `${ORIGIN}\n${s}\n${root}\n`,
      ),
      `${ORIGIN}\n1234\n${toBase64(ROOT.slice(1))}\n`,
      `${ORIGIN}\n1234\n${toBase64(concatBytes(ROOT, Uint8Array.of(0)))}\n`,
      `${ORIGIN}\n1234\n${root.slice(0, -1)}\n`,
      `${ORIGIN}\n1234\n${toBase64(new Uint8Array(32).fill(0xfb)).replace(/\+/g, '-').replace(/\//g, '_')}\n`,
      `${ORIGIN}\n1234\n${root.slice(0, -2)}F=\n`,
      `${ORIGIN}\r\n1234\n${root}\n`,
      `${ORIGIN}\n1234\n${root}\n\u0000\n`,
      `\ud800\n1234\n${root}\n`,
      '',
    ];
    // 'F' carries a set bit among the two unused ones of a 32-byte value's last character.
    expect(parseCheckpoint(`${ORIGIN}\n1234\n${root.slice(0, -2)}E=\n`).root).toHaveLength(32);
    for (const text of bad)
      expect(
        codeOf(() => parseCheckpoint(text)),
        JSON.stringify(text),
      ).toBe('ERR_MALFORMED');
    for (const junk of [undefined, null, 5, {}, utf8(TEXT)]) {
      expect(codeOf(() => parseCheckpoint(junk as unknown as string))).toBe('ERR_MALFORMED');
    }
  });

  it('on junk only ever return or throw ERR_MALFORMED', () => {
    const pieces = fc.constantFrom(ORIGIN, '\n', '0', '1', '01', toBase64(ROOT), 'A', '=', ' ', '\r');
    const texts = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.array(pieces, { maxLength: 12 }).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(texts, (text) => {
        try {
          expect(formatCheckpoint(parseCheckpoint(text))).toBe(text);
        } catch (err) {
          expect(isBryggaError(err, 'ERR_MALFORMED'), String(err)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuse to write checkpoints that would not parse back, with ERR_MALFORMED', () => {
    const bad: unknown[] = [
      undefined,
      { ...CP, origin: '' },
      { ...CP, origin: 'a\nb' },
      { ...CP, origin: 'a\u0007' },
      { ...CP, size: -1 },
      { ...CP, size: 1.5 },
      { ...CP, size: Number.NaN },
      { ...CP, size: 2 ** 53 },
      { ...CP, size: '12' },
      { ...CP, root: ROOT.slice(1) },
      { ...CP, root: 'root' },
      { ...CP, extensions: [''] },
      { ...CP, extensions: ['a\nb'] },
      { ...CP, extensions: 'ext' },
    ];
    for (const c of bad)
      expect(
        codeOf(() => formatCheckpoint(c as Checkpoint)),
        JSON.stringify(c),
      ).toBe('ERR_MALFORMED');
  });
});

describe('cosignCheckpoint and verifyCosignature', () => {
  const witnessKey = ed25519PublicKey(seed(2));
  const cosig = cosignCheckpoint(TEXT, WITNESS, seed(2), TIME);

  it('sign "cosignature/v1\\ntime <t>\\n" and the checkpoint text, under a type 0x04 key id', () => {
    expect(cosig.name).toBe(WITNESS);
    expect(cosig.keyId).toEqual(noteKeyId(WITNESS, COSIGNATURE_V1_TYPE, witnessKey));
    expect(cosig.keyId).not.toEqual(noteKeyId(WITNESS, 1, witnessKey));
    expect(cosig.signature).toHaveLength(8 + 64);
    expect(cosig.signature.slice(0, 8)).toEqual(i2osp(TIME, 8));
    const message = utf8(`cosignature/v1\ntime ${TIME}\n${TEXT}`);
    expect(ed25519.verify(cosig.signature.slice(8), message, witnessKey)).toBe(true);
    expect(verifyCosignature(TEXT, cosig, WITNESS, witnessKey)).toEqual({ time: TIME });
  });

  it('cover the extension lines too', () => {
    const text = formatCheckpoint({ ...CP, extensions: ['ext'] });
    const sig = cosignCheckpoint(text, WITNESS, seed(2), TIME);
    expect(verifyCosignature(text, sig, WITNESS, witnessKey)).toEqual({ time: TIME });
    expect(
      verifyCosignature(formatCheckpoint({ ...CP, extensions: ['exu'] }), sig, WITNESS, witnessKey),
    ).toBeUndefined();
    expect(verifyCosignature(TEXT, sig, WITNESS, witnessKey)).toBeUndefined();
  });

  it('round-trip for any key, time and checkpoint, through a formatted and parsed note', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.maxSafeNat(),
        fc.maxSafeNat(),
        (secret, time, size) => {
          const text = formatCheckpoint({ ...CP, size });
          const log = signNote(text, ORIGIN, seed(1));
          const sig = cosignCheckpoint(text, WITNESS, secret, time);
          const note = parseNote(formatNote({ text, signatures: [log, sig] }));
          expect(
            verifyCosignature(note.text, note.signatures[1]!, WITNESS, ed25519PublicKey(secret)),
          ).toEqual({ time });
          // Each line is only what it is: the log line is no cosignature, the cosignature no note signature.
          expect(
            verifyCosignature(note.text, note.signatures[0]!, WITNESS, ed25519PublicKey(secret)),
          ).toBeUndefined();
          expect(verifyNoteSignature(note, WITNESS, ed25519PublicKey(secret))).toBe(false);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('refuse another checkpoint, another time, another key and another name', () => {
    const other = (c: Partial<Checkpoint>) => formatCheckpoint({ ...CP, ...c });
    expect(verifyCosignature(other({ size: CP.size + 1 }), cosig, WITNESS, witnessKey)).toBeUndefined();
    expect(verifyCosignature(other({ root: sha256(ROOT) }), cosig, WITNESS, witnessKey)).toBeUndefined();
    expect(verifyCosignature(other({ origin: `${ORIGIN}2` }), cosig, WITNESS, witnessKey)).toBeUndefined();
    // The timestamp rewritten: the signature covers the time line.
    for (const time of [TIME + 1, TIME - 1, 0]) {
      const moved = { ...cosig, signature: concatBytes(i2osp(time, 8), cosig.signature.slice(8)) };
      expect(verifyCosignature(TEXT, moved, WITNESS, witnessKey), String(time)).toBeUndefined();
    }
    expect(verifyCosignature(TEXT, cosig, WITNESS, ed25519PublicKey(seed(3)))).toBeUndefined();
    expect(verifyCosignature(TEXT, cosig, `${WITNESS}2`, witnessKey)).toBeUndefined();
    expect(
      verifyCosignature(TEXT, { ...cosig, name: `${WITNESS}2` }, `${WITNESS}2`, witnessKey),
    ).toBeUndefined();
    // The same key signing at the same time, under another name: the key id differs.
    const renamed = cosignCheckpoint(TEXT, `${WITNESS}2`, seed(2), TIME);
    expect(verifyCosignature(TEXT, { ...renamed, name: WITNESS }, WITNESS, witnessKey)).toBeUndefined();
  });

  it('refuse every single bit flipped in the key id, timestamp or signature', () => {
    const bytes = concatBytes(cosig.keyId, cosig.signature);
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = bytes.slice();
        copy[i]! ^= 1 << bit;
        const sig = { name: WITNESS, keyId: copy.slice(0, 4), signature: copy.slice(4) };
        expect(verifyCosignature(TEXT, sig, WITNESS, witnessKey), `byte ${i} bit ${bit}`).toBeUndefined();
      }
    }
  });

  it('refuse a note signature of the same key over the same text, and a cosignature as a note signature', () => {
    const plain = signNote(TEXT, WITNESS, seed(2));
    expect(verifyCosignature(TEXT, plain, WITNESS, witnessKey)).toBeUndefined();
    expect(verifyCosignature(TEXT, { ...plain, keyId: cosig.keyId }, WITNESS, witnessKey)).toBeUndefined();
    // Even an Ed25519 signature of the exact cosigned message, framed as a note signature, is no note
    // signature of the checkpoint: the message differs by the header lines.
    const note = {
      text: TEXT,
      signatures: [
        { ...cosig, keyId: noteKeyId(WITNESS, 1, witnessKey), signature: cosig.signature.slice(8) },
      ],
    };
    expect(verifyNoteSignature(note, WITNESS, witnessKey)).toBe(false);
  });

  it('refuse timestamps beyond 2^53 − 1 instead of rounding them', () => {
    const huge = concatBytes(Uint8Array.of(0, 0x20, 0, 0, 0, 0, 0, 0), new Uint8Array(64));
    expect(verifyCosignature(TEXT, { ...cosig, signature: huge }, WITNESS, witnessKey)).toBeUndefined();
    const max = cosignCheckpoint(TEXT, WITNESS, seed(2), Number.MAX_SAFE_INTEGER);
    expect(verifyCosignature(TEXT, max, WITNESS, witnessKey)).toEqual({ time: Number.MAX_SAFE_INTEGER });
  });

  it('refuse to cosign what is not a checkpoint, or with a bad name, time or key', () => {
    expect(codeOf(() => cosignCheckpoint('not\na checkpoint\n', WITNESS, seed(2), TIME))).toBe(
      'ERR_MALFORMED',
    );
    expect(codeOf(() => cosignCheckpoint(TEXT.slice(0, -1), WITNESS, seed(2), TIME))).toBe('ERR_MALFORMED');
    expect(codeOf(() => cosignCheckpoint(TEXT, 'a witness', seed(2), TIME))).toBe('ERR_MALFORMED');
    for (const time of [-1, 1.5, Number.NaN, 2 ** 53, '1' as unknown as number]) {
      expect(
        codeOf(() => cosignCheckpoint(TEXT, WITNESS, seed(2), time)),
        String(time),
      ).toBe('ERR_MALFORMED');
    }
    expect(codeOf(() => cosignCheckpoint(TEXT, WITNESS, seed(2).slice(1), TIME))).toBe('ERR_MALFORMED');
  });

  it('return undefined, never throw, for junk', () => {
    const junk: unknown[] = [
      undefined,
      null,
      {},
      { name: WITNESS },
      { name: WITNESS, keyId: 'x', signature: cosig.signature },
      { name: WITNESS, keyId: cosig.keyId, signature: [1, 2] },
      { ...cosig, signature: cosig.signature.slice(1) },
      { ...cosig, keyId: cosig.keyId.slice(1) },
    ];
    for (const sig of junk)
      expect(verifyCosignature(TEXT, sig as NoteSignature, WITNESS, witnessKey)).toBeUndefined();
    expect(verifyCosignature('junk', cosig, WITNESS, witnessKey)).toBeUndefined();
    expect(verifyCosignature(5 as unknown as string, cosig, WITNESS, witnessKey)).toBeUndefined();
    expect(verifyCosignature(TEXT, cosig, 'a b', witnessKey)).toBeUndefined();
    expect(verifyCosignature(TEXT, cosig, WITNESS, witnessKey.slice(1))).toBeUndefined();
    expect(verifyCosignature(TEXT, cosig, WITNESS, 'key' as unknown as Uint8Array)).toBeUndefined();
  });
});

describe('openCheckpoint', () => {
  const logKey = ed25519PublicKey(seed(1));
  const served = formatNote({
    text: TEXT,
    signatures: [signNote(TEXT, ORIGIN, seed(1)), cosignCheckpoint(TEXT, WITNESS, seed(2), TIME)],
  });

  it("returns the checkpoint when the log's signature verifies, with every line for the witnesses", () => {
    const opened = openCheckpoint(served, ORIGIN, logKey);
    expect(opened.checkpoint).toEqual(CP);
    expect(opened.text).toBe(TEXT);
    expect(opened.signatures).toHaveLength(2);
    expect(verifyCosignature(opened.text, opened.signatures[1]!, WITNESS, ed25519PublicKey(seed(2)))).toEqual(
      {
        time: TIME,
      },
    );
  });

  it('refuses another log key, another origin, or a log signing under a name that is not the origin', () => {
    expect(codeOf(() => openCheckpoint(served, ORIGIN, ed25519PublicKey(seed(3))))).toBe('ERR_CRYPTO');
    expect(codeOf(() => openCheckpoint(served, `${ORIGIN}2`, logKey))).toBe('ERR_CRYPTO');
    const misnamed = formatNote({ text: TEXT, signatures: [signNote(TEXT, `${ORIGIN}2`, seed(1))] });
    expect(codeOf(() => openCheckpoint(misnamed, `${ORIGIN}2`, logKey))).toBe('ERR_CRYPTO');
    expect(codeOf(() => openCheckpoint(misnamed, ORIGIN, logKey))).toBe('ERR_CRYPTO');
    const cosignedOnly = formatNote({
      text: TEXT,
      signatures: [cosignCheckpoint(TEXT, ORIGIN, seed(1), TIME)],
    });
    expect(codeOf(() => openCheckpoint(cosignedOnly, ORIGIN, logKey))).toBe('ERR_CRYPTO');
  });

  it('refuses malformed notes and notes whose text is no checkpoint with ERR_MALFORMED', () => {
    expect(codeOf(() => openCheckpoint(served.slice(0, -1), ORIGIN, logKey))).toBe('ERR_MALFORMED');
    const notCheckpoint = formatNote({ text: 'hello\n', signatures: [signNote('hello\n', ORIGIN, seed(1))] });
    expect(codeOf(() => openCheckpoint(notCheckpoint, ORIGIN, logKey))).toBe('ERR_MALFORMED');
  });
});

describe('cosigner verifier keys', () => {
  it('use type 0x04, round-trip, and are never taken for note keys (nor the reverse)', () => {
    const key = ed25519PublicKey(seed(2));
    const vkey = cosignerVerifierKey(WITNESS, key);
    expect(vkey.split('+').length).toBeGreaterThanOrEqual(3);
    expect(vkey.slice(vkey.indexOf('+', WITNESS.length + 1) + 1)).toBe(
      toBase64(concatBytes(Uint8Array.of(4), key)),
    );
    expect(parseCosignerVerifierKey(vkey)).toEqual({ name: WITNESS, publicKey: key });
    expect(codeOf(() => parseVerifierKey(vkey))).toBe('ERR_MALFORMED');
    expect(codeOf(() => parseCosignerVerifierKey(verifierKey(WITNESS, key)))).toBe('ERR_MALFORMED');
  });
});
