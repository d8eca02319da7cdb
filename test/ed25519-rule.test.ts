/**
 * The one Ed25519 verification rule (PROTOCOL.md §3.1, §4.1), checked three ways:
 * - the vector file (test/vectors/ed25519-verification.json, provenance in its README): the SDK gives
 *   exactly `valid`, and OpenSSL (node:crypto) still gives the recorded `openssl`;
 * - against OpenSSL over the classes where verifiers disagree (RFC 8032, Wycheproof, small-order R
 *   added, mixed-order keys, non-canonical encodings): on every key §3.1 admits, the SDK accepts exactly
 *   what OpenSSL accepts, except R = the identity (refused by the rule, accepted by OpenSSL);
 * - at the protocol edges: a mixed-order key is refused as a key (SigningPublicKey), at enrolment
 *   (a directory statement) and as a root key (an agreement).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { expect, it } from 'vitest';
import { toBase64url } from '../client-sdk/src/crypto/bytes.js';
import { ed25519Sign, ed25519Verify, isAcceptablePublicKey } from '../client-sdk/src/crypto/ed25519.js';
import { signCompact } from '../client-sdk/src/crypto/jws.js';
import { keyId, SigningKeyPair, SigningPublicKey } from '../client-sdk/src/crypto/keys.js';
import { Agreement } from '../client-sdk/src/directory/agreement.js';
import { describeEachProvider } from './support/crypto-providers.js';
import { opensslVerify, SMALL_ORDER_POINTS } from './support/ed25519-vectors.js';
import { codeOf } from './support/error-code.js';
import { agreementTerms, makeWorld } from './support/fixtures.js';

interface Vector {
  id: string;
  class: string;
  pk: string;
  msg: string;
  sig: string;
  valid: boolean;
  openssl: boolean;
}

const file = JSON.parse(
  readFileSync(join(import.meta.dirname, 'vectors', 'ed25519-verification.json'), 'utf8'),
) as { numberOfVectors: number; vectors: Vector[] };
const wycheproof = JSON.parse(
  readFileSync(join(import.meta.dirname, 'vectors', 'wycheproof', 'ed25519_test.json'), 'utf8'),
) as { testGroups: { publicKey: { pk: string }; tests: { tcId: number; msg: string; sig: string }[] }[] };

const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const IDENTITY = '0100000000000000000000000000000000000000000000000000000000000000';
const Point = ed25519.Point;
const L = Point.Fn.ORDER;

/** The one place the rule is stricter than OpenSSL on a key §3.1 admits: R is the identity. */
const rIsIdentity = (sig: string) => sig.slice(0, 64) === IDENTITY;

function random(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}
const le = (b: Uint8Array) => {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
};
const toLE = (n: bigint) => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, n >>= 8n) out[i] = Number(n & 255n);
  return out;
};
const sha512 = (...parts: Uint8Array[]) => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** A genuine signer with secret scalar `a`, key `A` and nonce point `R` (which may carry torsion). */
function signWith(a: bigint, A: Uint8Array, msg: Uint8Array, R: InstanceType<typeof Point>, r: bigint) {
  const rBytes = R.toBytes();
  const k = le(sha512(rBytes, A, msg)) % L;
  return Uint8Array.from([...rBytes, ...toLE((r + k * a) % L)]);
}

describeEachProvider('Ed25519 verification vectors (ed25519-verification.json)', () => {
  it('the SDK gives every vector its `valid`, and OpenSSL still its recorded `openssl`', () => {
    expect(file.vectors.length).toBe(file.numberOfVectors);
    const counts: Record<string, { n: number; sdk: number; openssl: number }> = {};
    for (const v of file.vectors) {
      const [sig, msg, pk] = [fromHex(v.sig), fromHex(v.msg), fromHex(v.pk)];
      const sdk = ed25519Verify(sig, msg, pk);
      expect(sdk, v.id).toBe(v.valid);
      expect(opensslVerify(sig, msg, pk), v.id).toBe(v.openssl);
      // Never more lenient than OpenSSL; and on keys §3.1 admits, equal to it but for R = identity.
      if (sdk) expect(v.openssl, v.id).toBe(true);
      if (isAcceptablePublicKey(pk) && !rIsIdentity(v.sig)) expect(sdk, v.id).toBe(v.openssl);
      const c = (counts[v.class] ??= { n: 0, sdk: 0, openssl: 0 });
      c.n++;
      c.sdk += Number(sdk);
      c.openssl += Number(v.openssl);
    }
    expect(counts['small-order-r-added']).toEqual({ n: 16, sdk: 0, openssl: 0 });
    expect(counts['mixed-order-key']?.sdk).toBe(0);
    expect(counts.rfc8032).toEqual({ n: 3, sdk: 3, openssl: 3 });
  });

  it('RFC 8032 vectors are reproduced by signing, so a transcription slip would show', () => {
    const seeds: Record<string, string> = {
      'rfc8032-test1': '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      'rfc8032-test2': '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      'rfc8032-test3': 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    };
    for (const v of file.vectors.filter((x) => x.class === 'rfc8032')) {
      expect(Buffer.from(ed25519Sign(fromHex(seeds[v.id]!), fromHex(v.msg))).toString('hex'), v.id).toBe(
        v.sig,
      );
    }
  });
});

describeEachProvider('the SDK against OpenSSL (node:crypto)', () => {
  it('agrees on every Wycheproof ed25519 test', () => {
    let n = 0;
    for (const g of wycheproof.testGroups) {
      const pk = fromHex(g.publicKey.pk);
      expect(isAcceptablePublicKey(pk)).toBe(true);
      for (const t of g.tests) {
        const [sig, msg] = [fromHex(t.sig), fromHex(t.msg)];
        expect(ed25519Verify(sig, msg, pk), `tcId ${t.tcId}`).toBe(opensslVerify(sig, msg, pk));
        n++;
      }
    }
    expect(n).toBe(151);
  });

  it('agrees on fresh genuine signatures, and on the same with a small-order point added to R (both refuse)', () => {
    let torsionAccepted = { sdk: 0, openssl: 0 };
    for (let i = 0; i < 16; i++) {
      const seed = random(32);
      const msg = random(1 + i);
      const pk = ed25519.getPublicKey(seed);
      const sig = ed25519Sign(seed, msg);
      expect(ed25519Verify(sig, msg, pk)).toBe(true);
      expect(opensslVerify(sig, msg, pk)).toBe(true);
      const a = le(ed25519.utils.getExtendedPublicKey(seed).head) % L;
      const r = le(random(64)) % L;
      const T = Point.fromHex(SMALL_ORDER_POINTS[1 + (i % 7)]!);
      const dirty = signWith(a, pk, msg, Point.BASE.multiply(r).add(T), r);
      // A cofactored verifier (noble's own) accepts it: that is the disagreement the rule removes.
      expect(ed25519.verify(dirty, msg, pk, { zip215: false })).toBe(true);
      torsionAccepted = {
        sdk: torsionAccepted.sdk + Number(ed25519Verify(dirty, msg, pk)),
        openssl: torsionAccepted.openssl + Number(opensslVerify(dirty, msg, pk)),
      };
    }
    expect(torsionAccepted).toEqual({ sdk: 0, openssl: 0 });
  });

  it('refuses every signature under a mixed-order key, which OpenSSL accepts when 8 divides k', () => {
    const T = Point.fromHex(SMALL_ORDER_POINTS[4]!);
    let openssl = 0;
    for (let i = 0; i < 64; i++) {
      const a = le(random(64)) % L;
      const r = le(random(64)) % L;
      const A = Point.BASE.multiply(a).add(T).toBytes();
      const msg = random(8);
      const sig = signWith(a, A, msg, Point.BASE.multiply(r), r);
      const k = le(sha512(sig.subarray(0, 32), A, msg)) % L;
      expect(ed25519Verify(sig, msg, A)).toBe(false);
      expect(opensslVerify(sig, msg, A)).toBe(k % 8n === 0n);
      openssl += Number(k % 8n === 0n);
    }
    expect(openssl).toBeLessThan(64);
  });

  it('refuses non-canonical S (S + L), which OpenSSL refuses too', () => {
    for (let i = 0; i < 8; i++) {
      const seed = random(32);
      const msg = random(16);
      const pk = ed25519.getPublicKey(seed);
      const sig = ed25519Sign(seed, msg);
      const big = Uint8Array.from([...sig.subarray(0, 32), ...toLE(le(sig.subarray(32)) + L)]);
      expect(ed25519Verify(big, msg, pk)).toBe(false);
      expect(opensslVerify(big, msg, pk)).toBe(false);
    }
  });
});

describeEachProvider('keys the rule refuses are refused at the edges of the protocol', () => {
  const T = Point.fromHex(SMALL_ORDER_POINTS[4]!);
  const mixed = Point.BASE.multiply(12345678901234567890n).add(T).toBytes();

  it('as a key: small-order and mixed-order encodings', () => {
    for (const encoded of SMALL_ORDER_POINTS) {
      expect(
        codeOf(() => new SigningPublicKey(fromHex(encoded))),
        encoded,
      ).toBe('ERR_MALFORMED');
    }
    expect(codeOf(() => new SigningPublicKey(mixed))).toBe('ERR_MALFORMED');
  });

  it('at enrolment: a device statement naming a mixed-order key is refused, though the root signed it', () => {
    const world = makeWorld();
    const claims = {
      v: 1,
      kind: 'brygga.device',
      unit: 'malmo',
      device: keyId('Ed25519', mixed),
      key: toBase64url(mixed),
      name: 'blandad nyckel',
      iat: Math.floor(world.now.getTime() / 1000),
    };
    const jws = signCompact('brygga-device+jws', claims, world.roots.malmo);
    expect(codeOf(() => world.directory.apply(jws))).toBe('ERR_MALFORMED');
    expect(world.directory.device(claims.device)).toBeUndefined();
  });

  it('as a root key in an agreement', () => {
    const roots = {
      'stockholm-jarva': SigningKeyPair.generate(),
      'goteborg-nordost': SigningKeyPair.generate(),
      malmo: SigningKeyPair.generate(),
    };
    const terms = agreementTerms(roots);
    terms.parties[2]!.rootKey = toBase64url(mixed);
    expect(codeOf(() => Agreement.create(terms))).toBe('ERR_MALFORMED');
  });
});
