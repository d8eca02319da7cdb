import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { describeEachProvider } from '../../../test/support/crypto-providers.js';
import { isBryggaError } from '../errors.js';
import {
  _internals,
  deriveKeyPair,
  generateKeyPair,
  HPKE_MODE,
  HPKE_SUITE,
  type HpkeMode,
  open,
  type RecipientContext,
  type SenderContext,
  type SenderSetup,
  seal,
  setupAuthPskR,
  setupAuthPskS,
  setupAuthR,
  setupAuthS,
  setupBaseR,
  setupBaseS,
  setupPskR,
  setupPskS,
} from './hpke.js';
import { x25519PublicKey } from './x25519.js';

/** One entry of the RFC 9180 test-vector file, with the file's own field names. */
interface Vector {
  mode: number;
  kem_id: number;
  kdf_id: number;
  aead_id: number;
  info: string;
  ikmR: string;
  ikmS?: string;
  ikmE: string;
  skRm: string;
  skSm?: string;
  skEm: string;
  psk?: string;
  psk_id?: string;
  pkRm: string;
  pkSm?: string;
  pkEm: string;
  enc: string;
  shared_secret: string;
  key_schedule_context: string;
  secret: string;
  key: string;
  base_nonce: string;
  exporter_secret: string;
  encryptions: { aad: string; ct: string; nonce: string; pt: string }[];
  exports: { exporter_context: string; L: number; exported_value: string }[];
}

const VECTOR_FILE = new URL(
  '../../../test/vectors/rfc9180-x25519-sha256-chacha20poly1305.json',
  import.meta.url,
);
const vectors = JSON.parse(readFileSync(VECTOR_FILE, 'utf8')) as Vector[];

const hex = (text: string): Uint8Array => {
  if (!/^(?:[0-9a-f]{2})*$/.test(text)) throw new Error(`not lower-case hex: ${text.slice(0, 16)}`);
  return Uint8Array.from(text.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
};
const toHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

const MODE_NAMES: Record<number, string> = { 0: 'base', 1: 'psk', 2: 'auth', 3: 'auth_psk' };
const EMPTY = new Uint8Array(0);

function expectCryptoError(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isBryggaError(caught, 'ERR_CRYPTO'), `expected ERR_CRYPTO, got ${String(caught)}`).toBe(true);
  expect((caught as Error).message).toBe('cryptographic verification failed');
}

function expectError(fn: () => unknown, code: 'ERR_MALFORMED' | 'ERR_LIMIT'): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isBryggaError(caught, code), `expected ${code}, got ${String(caught)}`).toBe(true);
}

/** Both setups for `mode`, from raw keys. */
function setupPair(
  mode: number,
  keys: { pkR: Uint8Array; skR: Uint8Array; skS?: Uint8Array; pkS?: Uint8Array },
  info: Uint8Array,
  psk: Uint8Array,
  pskId: Uint8Array,
  ikmE?: Uint8Array,
): { sender: SenderSetup; recipient: (enc: Uint8Array) => RecipientContext } {
  const opts = ikmE ? { ikmE } : undefined;
  const { pkR, skR } = keys;
  const skS = keys.skS ?? EMPTY;
  const pkS = keys.pkS ?? EMPTY;
  switch (mode) {
    case HPKE_MODE.base:
      return { sender: setupBaseS(pkR, info, opts), recipient: (enc) => setupBaseR(enc, skR, info) };
    case HPKE_MODE.psk:
      return {
        sender: setupPskS(pkR, info, psk, pskId, opts),
        recipient: (enc) => setupPskR(enc, skR, info, psk, pskId),
      };
    case HPKE_MODE.auth:
      return {
        sender: setupAuthS(pkR, info, skS, opts),
        recipient: (enc) => setupAuthR(enc, skR, info, pkS),
      };
    case HPKE_MODE.authPsk:
      return {
        sender: setupAuthPskS(pkR, info, psk, pskId, skS, opts),
        recipient: (enc) => setupAuthPskR(enc, skR, info, psk, pskId, pkS),
      };
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

describeEachProvider(
  'RFC 9180 test vectors, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305',
  () => {
    it('the vector file holds exactly the expected entries', () => {
      expect(vectors.map((v) => v.mode).sort()).toEqual([0, 1, 2, 3]);
      for (const v of vectors) {
        expect([v.kem_id, v.kdf_id, v.aead_id]).toEqual([
          HPKE_SUITE.kemId,
          HPKE_SUITE.kdfId,
          HPKE_SUITE.aeadId,
        ]);
        expect(v.encryptions).toHaveLength(257);
        expect(v.exports).toHaveLength(3);
      }
    });

    for (const v of vectors) {
      it(`mode_${MODE_NAMES[v.mode]}: keys, encapsulation, key schedule, ${v.encryptions.length} encryptions, ${v.exports.length} exports`, () => {
        const mode = v.mode as HpkeMode;
        const info = hex(v.info);
        const psk = hex(v.psk ?? '');
        const pskId = hex(v.psk_id ?? '');
        const authenticated = mode === HPKE_MODE.auth || mode === HPKE_MODE.authPsk;

        // §7.1.3 DeriveKeyPair for the ephemeral, recipient and (in the auth modes) sender keys.
        const ephemeral = deriveKeyPair(hex(v.ikmE));
        expect(toHex(ephemeral.privateKey)).toBe(v.skEm);
        expect(toHex(ephemeral.publicKey)).toBe(v.pkEm);
        const recipientKeys = deriveKeyPair(hex(v.ikmR));
        expect(toHex(recipientKeys.privateKey)).toBe(v.skRm);
        expect(toHex(recipientKeys.publicKey)).toBe(v.pkRm);
        let skS: Uint8Array | undefined;
        let pkS: Uint8Array | undefined;
        if (authenticated) {
          const senderKeys = deriveKeyPair(hex(v.ikmS ?? ''));
          expect(toHex(senderKeys.privateKey)).toBe(v.skSm);
          expect(toHex(senderKeys.publicKey)).toBe(v.pkSm);
          skS = hex(v.skSm ?? '');
          pkS = hex(v.pkSm ?? '');
        } else {
          expect(v.ikmS).toBeUndefined();
        }

        // §4.1 Encap / AuthEncap and Decap / AuthDecap.
        const pkR = hex(v.pkRm);
        const skR = hex(v.skRm);
        const encapsulation = _internals.encap(pkR, hex(v.ikmE), skS);
        expect(toHex(encapsulation.enc)).toBe(v.enc);
        expect(toHex(encapsulation.sharedSecret)).toBe(v.shared_secret);
        expect(toHex(_internals.decap(hex(v.enc), skR, pkS))).toBe(v.shared_secret);

        // §5.1 KeySchedule.
        const schedule = _internals.keySchedule(mode, hex(v.shared_secret), info, psk, pskId);
        expect(toHex(schedule.keyScheduleContext)).toBe(v.key_schedule_context);
        expect(toHex(schedule.secret)).toBe(v.secret);
        expect(toHex(schedule.key)).toBe(v.key);
        expect(toHex(schedule.baseNonce)).toBe(v.base_nonce);
        expect(toHex(schedule.exporterSecret)).toBe(v.exporter_secret);

        // The public setup functions, then every encryption in order, sealed and opened.
        const { sender, recipient } = setupPair(mode, { pkR, skR, skS, pkS }, info, psk, pskId, hex(v.ikmE));
        expect(toHex(sender.enc)).toBe(v.enc);
        const context = recipient(hex(v.enc));
        const baseNonce = hex(v.base_nonce);
        v.encryptions.forEach((e, seq) => {
          // §5.2 ComputeNonce: the vector's nonce is base_nonce XOR I2OSP(seq, Nn).
          const seqBytes = hex(e.nonce).map((b, i) => b ^ baseNonce[i]!);
          expect(seqBytes.subarray(0, 8).every((b) => b === 0)).toBe(true);
          expect(new DataView(seqBytes.buffer).getUint32(8)).toBe(seq);
          expect(toHex(sender.context.seal(hex(e.aad), hex(e.pt)))).toBe(e.ct);
          expect(toHex(context.open(hex(e.aad), hex(e.ct)))).toBe(e.pt);
        });

        // §5.3 Export, from both ends.
        for (const x of v.exports) {
          const exporterContext = hex(x.exporter_context);
          expect(toHex(sender.context.export(exporterContext, x.L))).toBe(x.exported_value);
          expect(toHex(context.export(exporterContext, x.L))).toBe(x.exported_value);
        }

        // The single-shot API agrees with the first encryption.
        const first = v.encryptions[0]!;
        const single = seal(pkR, info, hex(first.aad), hex(first.pt), {
          ikmE: hex(v.ikmE),
          ...(skS ? { skS } : {}),
          ...(psk.length > 0 ? { psk: { psk, pskId } } : {}),
        });
        expect(toHex(single.enc)).toBe(v.enc);
        expect(toHex(single.ct)).toBe(first.ct);
        const opened = open(single.enc, skR, info, hex(first.aad), single.ct, {
          ...(pkS ? { pkS } : {}),
          ...(psk.length > 0 ? { psk: { psk, pskId } } : {}),
        });
        expect(toHex(opened)).toBe(first.pt);
      });
    }
  },
);

describeEachProvider('HPKE rejections', () => {
  const base = vectors.find((v) => v.mode === HPKE_MODE.base)!;
  const auth = vectors.find((v) => v.mode === HPKE_MODE.auth)!;
  const info = hex(base.info);
  const first = base.encryptions[0]!;
  const aad = hex(first.aad);
  const ct = hex(first.ct);
  const enc = hex(base.enc);
  const skR = hex(base.skRm);
  const pkR = hex(base.pkRm);
  const flip = (bytes: Uint8Array, index: number): Uint8Array => {
    const out = bytes.slice();
    out[index]! ^= 0x01;
    return out;
  };

  it('opens the untampered first vector message (control)', () => {
    expect(toHex(setupBaseR(enc, skR, info).open(aad, ct))).toBe(first.pt);
  });

  it('accepts the recipient public key passed in, and fails with a wrong one', () => {
    expect(toHex(setupBaseR(enc, skR, info, { pkR: x25519PublicKey(skR) }).open(aad, ct))).toBe(first.pt);
    expectCryptoError(() => setupBaseR(enc, skR, info, { pkR: generateKeyPair().publicKey }).open(aad, ct));
  });

  it('a wrong recipient key', () => {
    const other = generateKeyPair();
    expectCryptoError(() => setupBaseR(enc, other.privateKey, info).open(aad, ct));
  });

  it('a tampered ciphertext, in the body and in the tag', () => {
    expectCryptoError(() => setupBaseR(enc, skR, info).open(aad, flip(ct, 0)));
    expectCryptoError(() => setupBaseR(enc, skR, info).open(aad, flip(ct, ct.length - 1)));
    expectCryptoError(() => setupBaseR(enc, skR, info).open(aad, ct.subarray(0, ct.length - 1)));
    expectCryptoError(() => setupBaseR(enc, skR, info).open(aad, ct.subarray(0, 15)));
  });

  it('a tampered aad', () => {
    expectCryptoError(() => setupBaseR(enc, skR, info).open(flip(aad, 0), ct));
    expectCryptoError(() => setupBaseR(enc, skR, info).open(EMPTY, ct));
  });

  it('a tampered enc, or different info', () => {
    expectCryptoError(() => setupBaseR(flip(enc, 5), skR, info).open(aad, ct));
    expectCryptoError(() => setupBaseR(enc, skR, flip(info, 0)).open(aad, ct));
  });

  // The X25519 points of small order (and their non-canonical encodings, including the high bit),
  // whose DH output with any private key is all zeros (RFC 7748 §6.1; RFC 9180 §7.1.4).
  const lowOrderPoints = [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000000',
    'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
    '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    '0000000000000000000000000000000000000000000000000000000000000080',
    'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880',
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  ];

  it('a low-order enc, in every mode', () => {
    for (const point of lowOrderPoints) {
      const bad = hex(point);
      expectCryptoError(() => setupBaseR(bad, skR, info));
      expectCryptoError(() => setupAuthR(bad, hex(auth.skRm), hex(auth.info), hex(auth.pkSm!)));
      expectCryptoError(() => open(bad, skR, info, aad, ct));
    }
  });

  it('a low-order recipient or sender public key', () => {
    for (const point of lowOrderPoints) {
      const bad = hex(point);
      expectCryptoError(() => setupBaseS(bad, info));
      expectCryptoError(() => setupAuthR(hex(auth.enc), hex(auth.skRm), hex(auth.info), bad));
    }
  });

  it('a wrong sender key in auth mode', () => {
    const authEnc = hex(auth.enc);
    const authSkR = hex(auth.skRm);
    const authInfo = hex(auth.info);
    const e = auth.encryptions[0]!;
    expect(toHex(setupAuthR(authEnc, authSkR, authInfo, hex(auth.pkSm!)).open(hex(e.aad), hex(e.ct)))).toBe(
      e.pt,
    );
    const wrongPkS = generateKeyPair().publicKey;
    expectCryptoError(() => setupAuthR(authEnc, authSkR, authInfo, wrongPkS).open(hex(e.aad), hex(e.ct)));
    // A base-mode recipient cannot open an auth-mode message either.
    expectCryptoError(() => setupBaseR(authEnc, authSkR, authInfo).open(hex(e.aad), hex(e.ct)));
  });

  it('a wrong PSK or PSK id', () => {
    const v = vectors.find((x) => x.mode === HPKE_MODE.psk)!;
    const e = v.encryptions[0]!;
    const [vEnc, vSkR, vInfo, psk, pskId] = [
      hex(v.enc),
      hex(v.skRm),
      hex(v.info),
      hex(v.psk!),
      hex(v.psk_id!),
    ];
    expect(toHex(setupPskR(vEnc, vSkR, vInfo, psk, pskId).open(hex(e.aad), hex(e.ct)))).toBe(e.pt);
    expectCryptoError(() => setupPskR(vEnc, vSkR, vInfo, flip(psk, 0), pskId).open(hex(e.aad), hex(e.ct)));
    expectCryptoError(() => setupPskR(vEnc, vSkR, vInfo, psk, flip(pskId, 0)).open(hex(e.aad), hex(e.ct)));
  });

  it('wrong-length keys and enc', () => {
    const short = new Uint8Array(31).fill(9);
    const long = new Uint8Array(33).fill(9);
    const kp = generateKeyPair();
    for (const bad of [short, long, EMPTY]) {
      expectCryptoError(() => setupBaseR(bad, skR, info));
      expectCryptoError(() => setupBaseR(enc, bad, info));
      expectCryptoError(() => setupBaseS(bad, info));
      expectCryptoError(() => setupAuthS(pkR, info, bad));
      expectCryptoError(() => setupAuthR(enc, skR, info, bad));
      expectCryptoError(() => open(bad, skR, info, aad, ct));
      expectCryptoError(() => seal(bad, info, aad, EMPTY));
      expectCryptoError(() => seal(kp.publicKey, info, aad, EMPTY, { skS: bad }));
    }
    expectCryptoError(() => setupBaseR('not bytes' as unknown as Uint8Array, skR, info));
  });

  it('malformed non-key inputs are ERR_MALFORMED, not crypto failures', () => {
    const psk = new Uint8Array(32).fill(7);
    const pskId = new Uint8Array([1]);
    // §5.1 VerifyPSKInputs.
    expectError(() => setupPskS(pkR, info, psk, EMPTY), 'ERR_MALFORMED');
    expectError(() => setupPskS(pkR, info, EMPTY, pskId), 'ERR_MALFORMED');
    expectError(() => setupPskS(pkR, info, EMPTY, EMPTY), 'ERR_MALFORMED');
    expectError(() => setupPskR(enc, skR, info, EMPTY, EMPTY), 'ERR_MALFORMED');
    expectError(() => setupPskS(pkR, info, psk.subarray(0, 31), pskId), 'ERR_MALFORMED');
    expectError(() => deriveKeyPair(new Uint8Array(31)), 'ERR_MALFORMED');
    expectError(() => setupBaseS(pkR, info, { ikmE: new Uint8Array(16) }), 'ERR_MALFORMED');
    const { context } = setupBaseS(pkR, info);
    expectError(() => context.export(EMPTY, 0), 'ERR_MALFORMED');
    expectError(() => context.export(EMPTY, 255 * 32 + 1), 'ERR_MALFORMED');
    expect(context.export(EMPTY, 255 * 32)).toHaveLength(255 * 32);
  });

  it('a sender context cannot open and a recipient context cannot seal', () => {
    const { enc: e, context } = setupBaseS(pkR, info);
    const r = setupBaseR(e, skR, info);
    expect('open' in context).toBe(false);
    expect('seal' in r).toBe(false);
    expect(toHex(r.open(aad, context.seal(aad, EMPTY)))).toBe('');
  });

  it('MessageLimitReachedError: no nonce is used twice or past the limit', () => {
    const { enc: e, context } = setupBaseS(pkR, info);
    const r = setupBaseR(e, skR, info);
    _internals.setSequenceNumber(context, _internals.seqLimit - 1);
    _internals.setSequenceNumber(r, _internals.seqLimit - 1);
    const last = context.seal(aad, EMPTY);
    expect(toHex(r.open(aad, last))).toBe('');
    expectError(() => context.seal(aad, EMPTY), 'ERR_LIMIT');
    expectError(() => r.open(aad, last), 'ERR_LIMIT');
  });
});

describeEachProvider('HPKE properties', () => {
  const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const modeArb = fc.constantFrom(...Object.values(HPKE_MODE));

  it('seal/open round trips in every mode with random keys, info, aad and plaintext', () => {
    fc.assert(
      fc.property(
        modeArb,
        bytes32,
        bytes32,
        bytes32,
        fc.uint8Array({ maxLength: 64 }),
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 48 }), fc.uint8Array({ maxLength: 300 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (mode, ikmR, ikmS, ikmE, info, messages) => {
          const r = deriveKeyPair(ikmR);
          const s = deriveKeyPair(ikmS);
          const psk = new Uint8Array(32).fill(0x42);
          const pskId = new Uint8Array([1, 2, 3]);
          const keys = { pkR: r.publicKey, skR: r.privateKey, skS: s.privateKey, pkS: s.publicKey };
          const { sender, recipient } = setupPair(mode, keys, info, psk, pskId, ikmE);
          const context = recipient(sender.enc);
          for (const [aad, pt] of messages) {
            const ct = sender.context.seal(aad, pt);
            expect(ct).toHaveLength(pt.length + 16);
            expect(context.open(aad, ct)).toEqual(pt);
          }
          expect(context.export(info, 32)).toEqual(sender.context.export(info, 32));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('opening out of order fails, and leaves the context expecting the right message', () => {
    fc.assert(
      fc.property(
        bytes32,
        fc.uint8Array({ maxLength: 32 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 64 }),
        (ikmR, aad, pt0, pt1) => {
          const r = deriveKeyPair(ikmR);
          const { enc, context }: { enc: Uint8Array; context: SenderContext } = setupBaseS(r.publicKey, aad);
          const ct0 = context.seal(aad, pt0);
          const ct1 = context.seal(aad, pt1);
          const opener = setupBaseR(enc, r.privateKey, aad);
          expectCryptoError(() => opener.open(aad, ct1));
          expect(opener.open(aad, ct0)).toEqual(pt0);
          expectCryptoError(() => opener.open(aad, ct0));
          expect(opener.open(aad, ct1)).toEqual(pt1);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps the key schedule context of a short info, and a caller altering the one it got alters nothing', () => {
    const info = new TextEncoder().encode('brygga/v1/content-key');
    const shared = new Uint8Array(32).fill(9);
    const first = _internals.keySchedule(HPKE_MODE.base, shared, info);
    const expected = Uint8Array.from(first.keyScheduleContext);
    first.keyScheduleContext.fill(0);
    const second = _internals.keySchedule(HPKE_MODE.base, shared, info);
    expect(second.keyScheduleContext).toEqual(expected);
    expect(second.key).toEqual(
      _internals.labeledExpand(_internals.suiteIds.hpke, second.secret, 'key', expected, 32),
    );
  });

  it('generateKeyPair takes an rng, so keys are repeatable', () => {
    const rng = (n: number) => new Uint8Array(n).fill(3);
    expect(generateKeyPair(rng)).toEqual(deriveKeyPair(new Uint8Array(32).fill(3)));
    expect(generateKeyPair().publicKey).not.toEqual(generateKeyPair().publicKey);
  });
});
