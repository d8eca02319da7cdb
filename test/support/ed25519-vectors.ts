/**
 * The Ed25519 verification vectors of PROTOCOL.md §4.1 (test/vectors/ed25519-verification.json):
 * signatures on the edges where verifiers disagree, each with the result the rule demands (`valid`,
 * from its class, not from any implementation) and what OpenSSL (node:crypto) said when the file was
 * written (`openssl`). `npx tsx test/support/ed25519-vectors.ts` rewrites the file; test
 * `test/ed25519-rule.test.ts` checks the SDK and node:crypto against it.
 *
 * The generated classes use @noble/curves' point arithmetic directly (not the SDK), with scalars and
 * messages drawn from a SHA-256 counter stream, so the file is the same on every run.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';

const Point = ed25519.Point;
type Point = InstanceType<typeof Point>;
const L = Point.Fn.ORDER;
const P = Point.Fp.ORDER;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
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
const draw = (label: string) => new Uint8Array(createHash('sha256').update(label, 'utf8').digest());
const scalar = (label: string) => le(sha512(draw(label))) % L;

/** What OpenSSL 3 (through node:crypto) says of a signature: raw 32-byte key in an SPKI wrapper. */
export function opensslVerify(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
  try {
    const key = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pk]),
      format: 'der',
      type: 'spki',
    });
    return verify(null, msg, key, sig);
  } catch {
    return false;
  }
}

/** The eight points of small order, canonically encoded (the torsion subgroup of edwards25519). */
export const SMALL_ORDER_POINTS = [
  '0100000000000000000000000000000000000000000000000000000000000000', // (0, 1): the identity, order 1
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // (0, -1): order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // (sqrt(-1), 0): order 4
  '0000000000000000000000000000000000000000000000000000000000000080', // (-sqrt(-1), 0): order 4
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
];

/** Sign `msg` with secret scalar `a` under the encoded key `A`, with nonce point `R` = [r]B (+ torsion). */
function sign(a: bigint, A: Uint8Array, msg: Uint8Array, R: Point | Uint8Array, r: bigint): Uint8Array {
  const rBytes = R instanceof Uint8Array ? R : R.toBytes();
  const k = le(sha512(rBytes, A, msg)) % L;
  return Uint8Array.from([...rBytes, ...toLE((r + k * a) % L)]);
}

/** A signature class: how each member is made, and what the rule of §4.1 says of it. */
interface Vector {
  id: string;
  class: string;
  source: string;
  pk: string;
  msg: string;
  sig: string;
  valid: boolean;
  openssl: boolean;
}

const RFC8032 = [
  {
    id: 'rfc8032-test1',
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pk: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    msg: '',
    sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    id: 'rfc8032-test2',
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    msg: '72',
    sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    id: 'rfc8032-test3',
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    pk: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    msg: 'af82',
    sig: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

/** "Taming the many EdDSAs" (Chalkias, Garillot, Nikolaenko; SSR 2020), cases 0–11. */
const SPECCHECK = [
  [
    '8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000',
  ],
  [
    '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04',
  ],
  [
    'aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab',
    'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e',
  ],
  [
    '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79',
    'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    '9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009',
  ],
  [
    'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c',
    'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    '160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09',
  ],
  [
    'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c',
    'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    '21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405',
  ],
  [
    '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40',
    '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623',
    'e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514',
  ],
  [
    '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40',
    '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623',
    '8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22',
  ],
  [
    '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41',
    'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f',
  ],
  [
    '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41',
    'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908',
  ],
  [
    'e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04',
  ],
  [
    '39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04',
  ],
] as const;

/**
 * Whether a speccheck case is valid under §4.1, decided from its parts by the rule's own clauses
 * (canonical encodings, S < L, A in the prime-order subgroup and not small, R not small, the
 * cofactorless equation), with noble's point arithmetic as the calculator.
 */
function byTheRule(msg: Uint8Array, pk: Uint8Array, sig: Uint8Array): boolean {
  const canonical = (b: Uint8Array) => {
    const y = le(b) & ((1n << 255n) - 1n);
    if (y >= P) return undefined;
    try {
      return Point.fromBytes(b, true);
    } catch {
      return undefined;
    }
  };
  const A = canonical(pk);
  const R = canonical(sig.subarray(0, 32));
  const s = le(sig.subarray(32));
  if (!A || !R || s >= L) return false;
  if (hex(A.toBytes()) !== hex(pk) || hex(R.toBytes()) !== hex(sig.subarray(0, 32))) return false;
  if (A.isSmallOrder() || !A.isTorsionFree() || R.isSmallOrder()) return false;
  const k = le(sha512(sig.subarray(0, 32), pk, msg)) % L;
  return Point.BASE.multiplyUnsafe(s).equals(R.add(A.multiplyUnsafe(k)));
}

function vector(
  id: string,
  cls: string,
  source: string,
  pk: Uint8Array,
  msg: Uint8Array,
  sig: Uint8Array,
  valid: boolean,
): Vector {
  return {
    id,
    class: cls,
    source,
    pk: hex(pk),
    msg: hex(msg),
    sig: hex(sig),
    valid,
    openssl: opensslVerify(sig, msg, pk),
  };
}

/** Every vector, in file order. */
export function ed25519Vectors(): Vector[] {
  const out: Vector[] = [];
  for (const t of RFC8032) {
    out.push(vector(t.id, 'rfc8032', 'RFC 8032 §7.1', fromHex(t.pk), fromHex(t.msg), fromHex(t.sig), true));
  }
  SPECCHECK.forEach(([msg, pk, sig], i) => {
    const [m, k, s] = [fromHex(msg), fromHex(pk), fromHex(sig)];
    out.push(
      vector(
        `speccheck-${i}`,
        'speccheck',
        'novifinancial/ed25519-speccheck cases.txt',
        k,
        m,
        s,
        byTheRule(m, k, s),
      ),
    );
  });
  const T8 = Point.fromHex(SMALL_ORDER_POINTS[4]!);
  const generated = 'generated by test/support/ed25519-vectors.ts';
  for (let i = 0; i < 4; i++) {
    const a = scalar(`honest/a/${i}`);
    const r = scalar(`honest/r/${i}`);
    const A = Point.BASE.multiply(a).toBytes();
    const msg = draw(`honest/m/${i}`);
    out.push(
      vector(`honest-${i}`, 'honest', generated, A, msg, sign(a, A, msg, Point.BASE.multiply(r), r), true),
    );
  }
  // A genuine signer adds a small-order point to R: cofactored verifiers accept, cofactorless refuse.
  for (let i = 0; i < 16; i++) {
    const a = scalar(`r-torsion/a/${i}`);
    const r = scalar(`r-torsion/r/${i}`);
    const A = Point.BASE.multiply(a).toBytes();
    const msg = draw(`r-torsion/m/${i}`);
    const T = Point.fromHex(SMALL_ORDER_POINTS[1 + (i % 7)]!);
    const sig = sign(a, A, msg, Point.BASE.multiply(r).add(T), r);
    out.push(vector(`small-order-r-added-${i}`, 'small-order-r-added', generated, A, msg, sig, false));
  }
  // A key with a small-order component: OpenSSL accepts the signatures whose k is a multiple of 8.
  for (let i = 0; i < 16; i++) {
    const a = scalar(`mixed-key/a/${i}`);
    const r = scalar(`mixed-key/r/${i}`);
    const A = Point.BASE.multiply(a).add(T8).toBytes();
    const msg = draw(`mixed-key/m/${i}`);
    out.push(
      vector(
        `mixed-order-key-${i}`,
        'mixed-order-key',
        generated,
        A,
        msg,
        sign(a, A, msg, Point.BASE.multiply(r), r),
        false,
      ),
    );
  }
  {
    // R = identity (r = 0): the cofactorless equation holds; Brygga refuses a small-order R.
    const a = scalar('r-identity/a');
    const A = Point.BASE.multiply(a).toBytes();
    const msg = draw('r-identity/m');
    out.push(vector('r-identity', 'r-identity', generated, A, msg, sign(a, A, msg, Point.ZERO, 0n), false));
  }
  {
    // S + L and S + 2L: the same point equation with a non-canonical scalar.
    const a = scalar('s-plus-l/a');
    const r = scalar('s-plus-l/r');
    const A = Point.BASE.multiply(a).toBytes();
    const msg = draw('s-plus-l/m');
    const sig = sign(a, A, msg, Point.BASE.multiply(r), r);
    out.push(vector('honest-s', 'honest', generated, A, msg, sig, true));
    for (const times of [1n, 2n]) {
      const big = Uint8Array.from([...sig.subarray(0, 32), ...toLE(le(sig.subarray(32)) + times * L)]);
      out.push(vector(`s-plus-${times}l`, 'non-canonical-s', generated, A, msg, big, false));
    }
  }
  // The identity as R, encoded without canonicity: y = 1 + p, and x = 0 with the sign bit set.
  for (const [name, enc] of [
    ['y-plus-p', toLE(1n + P)],
    ['negative-zero-x', toLE(1n + (1n << 255n))],
  ] as const) {
    const a = scalar(`r-noncanonical/a/${name}`);
    const A = Point.BASE.multiply(a).toBytes();
    const msg = draw(`r-noncanonical/m/${name}`);
    out.push(
      vector(
        `non-canonical-r-${name}`,
        'non-canonical-r',
        generated,
        A,
        msg,
        sign(a, A, msg, enc, 0n),
        false,
      ),
    );
  }
  // The identity as A, encoded without canonicity: R = [s]B, S = s is a "signature" on every message.
  for (const [name, enc] of [
    ['y-plus-p', toLE(1n + P)],
    ['negative-zero-x', toLE(1n + (1n << 255n))],
  ] as const) {
    const s = scalar(`a-noncanonical/s/${name}`);
    const msg = draw(`a-noncanonical/m/${name}`);
    const sig = Uint8Array.from([...Point.BASE.multiply(s).toBytes(), ...toLE(s)]);
    out.push(vector(`non-canonical-a-${name}`, 'non-canonical-a', generated, enc, msg, sig, false));
  }
  // Each small-order A, with a message for which [k]A = 0, so the cofactorless equation holds.
  SMALL_ORDER_POINTS.forEach((encoded, i) => {
    const A = fromHex(encoded);
    const point = Point.fromHex(encoded);
    const s = scalar(`a-small/s/${i}`);
    const R = Point.BASE.multiply(s).toBytes();
    for (let n = 0; ; n++) {
      const msg = draw(`a-small/m/${i}/${n}`);
      const k = le(sha512(R, A, msg)) % L;
      if (!point.multiplyUnsafe(k).is0()) continue;
      out.push(
        vector(
          `small-order-a-${i}`,
          'small-order-a',
          generated,
          A,
          msg,
          Uint8Array.from([...R, ...toLE(s)]),
          false,
        ),
      );
      break;
    }
  });
  return out;
}

if (process.argv[1]?.endsWith('ed25519-vectors.ts')) {
  const file = join(import.meta.dirname, '..', 'vectors', 'ed25519-verification.json');
  const vectors = ed25519Vectors();
  const doc = {
    description:
      'Ed25519 verification under PROTOCOL.md §4.1: `valid` is what the rule demands; `openssl` is what OpenSSL 3 (node:crypto) answered when the file was written. Provenance in README.md.',
    numberOfVectors: vectors.length,
    vectors,
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
