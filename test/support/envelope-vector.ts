/**
 * The envelope conformance vectors (PROTOCOL.md §11), for implementers in other languages:
 * - test/vectors/envelope-v1.json: one envelope with every input that determines it (key seeds, the
 *   deterministic randomness of §11, HPKE ephemeral keying material, the time) and the intermediate
 *   values (content key, each `ikmE` and `enc`, the plaintext and padded lengths);
 * - test/vectors/envelope-v1-mutations.json: that envelope changed one way at a time, each with the
 *   outcome §7.5 demands (an error code and the step that gives it, or "ok").
 *
 * `npx tsx test/support/envelope-vector.ts` rewrites both; test/conformance.test.ts checks the SDK
 * against them. Expected outcomes are written here from the specification, never read from the SDK.
 */

import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Agreement,
  Directory,
  enrolDevice,
  HpkeKeyPair,
  keyId,
  PACKET_TYP,
  publishHpkeKey,
  type Rng,
  revokeDevice,
  SigningKeyPair,
  sealPacket,
  signCompact,
  toBase64url,
} from '@brygga/client-sdk';
import { ed25519 } from '@noble/curves/ed25519.js';
import { concatBytes, fromBase64url } from '../../client-sdk/src/crypto/bytes.js';
import { paddedLength } from '../../client-sdk/src/envelope/padding.js';
import { SMALL_ORDER_POINTS } from './ed25519-vectors.js';
import { agreementTerms, UNITS, type UnitId } from './fixtures.js';
import { framePlaintext, headerText, sealRaw } from './raw-envelope.js';

/**
 * The test terms as the recorded vectors were made with: without the later `preconditions` member
 * (PROTOCOL.md §5.4), which concerns referrals, not envelopes, so the recorded files stay byte for byte.
 */
function vectorTerms(...args: Parameters<typeof agreementTerms>): ReturnType<typeof agreementTerms> {
  const { preconditions: _, ...terms } = agreementTerms(...args);
  return terms;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const enc = new TextEncoder();

/**
 * The deterministic randomness of PROTOCOL.md §11: a source is named by a label; each draw of n bytes
 * takes the next ⌈n/32⌉ blocks SHA-256(UTF-8(label + "/" + c)), c = 0, 1, 2, … counting blocks across
 * draws, joins them and keeps the first n bytes. The rest of a draw's last block is discarded, so a
 * draw of 16 bytes uses up a whole block: this is a fresh block per draw, not one byte stream.
 */
export function streamRng(label: string): Rng {
  let counter = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let o = 0; o < length; o += 32) {
      const block = createHash('sha256').update(`${label}/${counter++}`, 'utf8').digest();
      out.set(block.subarray(0, Math.min(32, length - o)), o);
    }
    return out;
  };
}

const seed = (label: string) => streamRng(label)(32);

/** Build the vector's world and envelope. */
export async function buildEnvelopeVector() {
  const now = new Date('2025-03-01T09:00:00Z');
  const roots = Object.fromEntries(
    UNITS.map((u) => [u, SigningKeyPair.fromSecret(seed(`root/${u}`))]),
  ) as Record<UnitId, SigningKeyPair>;
  let agreement = Agreement.create(vectorTerms(roots));
  for (const u of UNITS) agreement = agreement.sign(roots[u]);
  const devices = Object.fromEntries(
    UNITS.map((u) => [
      u,
      {
        key: SigningKeyPair.fromSecret(seed(`device/${u}`)),
        hpke: HpkeKeyPair.fromSecret(seed(`hpke/${u}`)),
      },
    ]),
  ) as Record<UnitId, { key: SigningKeyPair; hpke: HpkeKeyPair }>;
  const statements = UNITS.flatMap((u) => [
    enrolDevice(roots[u], { unit: u, key: devices[u].key.publicKey, name: `${u} ärendesystem`, now }),
    publishHpkeKey(devices[u].key, { unit: u, key: devices[u].hpke.publicKey, now }),
  ]);
  const directory = new Directory(agreement);
  directory.applyAll(statements);
  const recipients = directory.recipientsFor(['malmo', 'goteborg-nordost'], now);
  const attachment = enc.encode('Bilaga: genomförandeplan (utkast)\n');
  const caseId = toBase64url(streamRng('case')(16));
  const ikmE = recipients.map((_, i) => streamRng(`ikmE/${i}`)(32));
  const sealed = await sealPacket({
    sender: { unit: 'stockholm-jarva', key: devices['stockholm-jarva'].key },
    recipients,
    type: 'message',
    caseId,
    prev: null,
    body: { text: 'Hej Malmö och Göteborg' },
    attachments: [{ name: 'plan.txt', type: 'text/plain', data: attachment }],
    now,
    rng: streamRng('envelope'),
    ikmE,
  });
  // The draws of the "envelope" source, in order: packet id, payload nonce, content key.
  const draws = streamRng('envelope');
  const id = draws(16);
  const nonce = draws(24);
  const contentKey = draws(32);
  return {
    now,
    roots,
    devices,
    agreement,
    statements,
    recipients,
    attachment,
    caseId,
    ikmE,
    sealed,
    id,
    nonce,
    contentKey,
  };
}

/** The positive vector as JSON: every secret input, the intermediate values and the expected outputs. */
export async function envelopeVectorJson() {
  const v = await buildEnvelopeVector();
  const jwsBytes = enc.encode(v.sealed.jws);
  const plaintextLength = 4 + jwsBytes.length + v.attachment.length;
  return {
    description:
      'Brygga envelope v1 known-answer vector (PROTOCOL.md §7, §11). Generated by this implementation from the fixed inputs below; the RFC 9180 and Wycheproof vectors check the primitives independently. How to run it: CONFORMANCE.md.',
    now: v.now.toISOString(),
    agreement: JSON.parse(v.agreement.serialize()),
    statements: v.statements,
    keys: Object.fromEntries(
      UNITS.map((u) => [
        u,
        {
          rootSeed: hex(v.roots[u].exportSecret()),
          deviceSeed: hex(v.devices[u].key.exportSecret()),
          deviceKid: v.devices[u].key.kid,
          hpkeSecret: hex(v.devices[u].hpke.exportSecret()),
          hpkeKid: v.devices[u].hpke.kid,
        },
      ]),
    ),
    rng: 'PROTOCOL.md §11: a draw of n bytes from source `label` takes the next ceil(n/32) blocks SHA-256(UTF-8(label + "/" + c)), c counting blocks from 0 across the draws of that source, and keeps the first n bytes (the rest of the last block is discarded). Key seeds: one 32-byte draw each from "root/<unit>", "device/<unit>", "hpke/<unit>". The envelope: "envelope" gives the packet id (16), the payload nonce (24) and the content key (32), in that order; "ikmE/<i>" one 32-byte draw for recipient i; "case" one 16-byte draw for the case id.',
    draws: [
      { source: 'envelope', block: 0, length: 16, use: 'packet id', hex: hex(v.id) },
      { source: 'envelope', block: 1, length: 24, use: 'payload nonce', hex: hex(v.nonce) },
      { source: 'envelope', block: 2, length: 32, use: 'content key CK', hex: hex(v.contentKey) },
      { source: 'case', block: 0, length: 16, use: 'case id', hex: hex(fromBase64url(v.caseId)) },
      ...v.ikmE.map((k, i) => ({
        source: `ikmE/${i}`,
        block: 0,
        length: 32,
        use: `ikmE of recipient ${i}`,
        hex: hex(k),
      })),
    ],
    intermediate: {
      headerText: new TextDecoder().decode(v.sealed.envelope.headerBytes),
      contentKey: hex(v.contentKey),
      recipients: v.sealed.envelope.header.recipients.map((r, i) => ({
        unit: r.unit,
        device: r.device,
        key: r.key,
        ikmE: hex(v.ikmE[i]!),
        enc: hex(v.sealed.envelope.keyEntries[i]!.subarray(0, 32)),
        sealedContentKey: hex(v.sealed.envelope.keyEntries[i]!.subarray(32)),
      })),
      jwsLength: jwsBytes.length,
      plaintextLength,
      paddedLength: paddedLength(plaintextLength),
      ciphertextLength: v.sealed.envelope.ciphertext.length,
    },
    header: v.sealed.envelope.header,
    jws: v.sealed.jws,
    packetHash: v.sealed.hash,
    attachmentHex: hex(v.attachment),
    envelopeHex: hex(v.sealed.envelope.serialize()),
  };
}

/** One mutation: the envelope, who opens it and when, and the outcome §7.5 demands. */
interface Mutation {
  name: string;
  description: string;
  /** The step of PROTOCOL.md §7.5 that decides, or null for "ok". */
  step: number | null;
  expected: string;
  opener: UnitId;
  openAt?: string;
  extraAgreements?: unknown[];
  extraStatements?: string[];
  envelopeHex: string;
}

/** The mutations of the vector's envelope (see the module header). */
export async function envelopeMutationsJson() {
  const v = await buildEnvelopeVector();
  const bytes = v.sealed.envelope.serialize();
  const header = v.sealed.envelope.header;
  const stockholm = v.devices['stockholm-jarva'];
  const recipientKeys = v.recipients.map((r) => r.hpkeKey.bytes);
  const headerLength = v.sealed.envelope.headerBytes.length;
  const entriesAt = 9 + headerLength;
  const claims = v.sealed.claims as unknown as Record<string, unknown>;
  const at = (seconds: number) => new Date(v.now.getTime() + seconds * 1000).toISOString();

  /** The vector's envelope with its bytes changed by `f` (a copy). */
  const patched = (f: (b: Uint8Array) => void) => {
    const b = Uint8Array.from(bytes);
    f(b);
    return b;
  };
  /** Sealed again from parts, with the vector's nonce, content key and ephemeral keying material. */
  const seal = (o: {
    header?: string;
    jws?: string;
    attachment?: Uint8Array;
    padded?: (p: Uint8Array) => Uint8Array;
  }) => {
    const plaintext = framePlaintext(o.jws ?? v.sealed.jws, [o.attachment ?? v.attachment]);
    const padded = o.padded ? o.padded(plaintext) : padTo(plaintext, paddedLength(plaintext.length));
    return sealRaw({
      headerBytes: enc.encode(o.header ?? headerText(header)),
      nonce: v.nonce,
      recipientKeys,
      paddedPlaintext: padded,
      contentKey: v.contentKey,
      ikmE: v.ikmE,
    });
  };
  /** Claims text changed by `f`, signed by the sender's device (or `key`) as a packet JWS. */
  const signed = (f: (text: string) => string, key = stockholm.key) =>
    signCompact(PACKET_TYP, enc.encode(f(JSON.stringify(claims))), key);
  const withClaims = (change: (c: Record<string, unknown>) => void, key = stockholm.key) =>
    signed((t) => {
      const c = JSON.parse(t);
      change(c);
      return JSON.stringify(c);
    }, key);
  const headerWith = (change: (h: Record<string, unknown>) => void) => {
    const h = structuredClone(header) as unknown as Record<string, unknown>;
    change(h);
    return JSON.stringify(h);
  };
  const setHeader = (text: string) => {
    const h = enc.encode(text);
    const prefix = new Uint8Array(9);
    prefix.set(bytes.subarray(0, 5), 0);
    new DataView(prefix.buffer).setUint32(5, h.length, false);
    return concatBytes(prefix, h, bytes.subarray(entriesAt));
  };
  const m = (
    name: string,
    step: number | null,
    expected: string,
    description: string,
    envelope: Uint8Array,
    extra: Partial<Pick<Mutation, 'opener' | 'openAt' | 'extraAgreements' | 'extraStatements'>> = {},
  ): Mutation => ({
    name,
    description,
    step,
    expected,
    opener: extra.opener ?? 'malmo',
    ...(extra.openAt ? { openAt: extra.openAt } : {}),
    ...(extra.extraAgreements ? { extraAgreements: extra.extraAgreements } : {}),
    ...(extra.extraStatements ? { extraStatements: extra.extraStatements } : {}),
    envelopeHex: hex(envelope),
  });

  const strangerKey = SigningKeyPair.fromSecret(seed('stranger'));
  const withoutStockholm = (() => {
    const terms = vectorTerms(v.roots, {
      sequence: 2,
      supersedes: v.agreement.digest,
    });
    terms.parties = terms.parties.filter((p) => p.unit !== 'stockholm-jarva');
    let a = Agreement.create(terms);
    for (const u of ['goteborg-nordost', 'malmo'] as const) a = a.sign(v.roots[u]);
    return JSON.parse(a.serialize());
  })();
  // A genuine signature of the packet by the sender's device with a point of order 8 added to R.
  const smallOrderR = (() => {
    const [h, p] = v.sealed.jws.split('.') as [string, string];
    const input = enc.encode(`${h}.${p}`);
    const { scalar: a, pointBytes: A } = ed25519.utils.getExtendedPublicKey(stockholm.key.exportSecret());
    const L = ed25519.Point.Fn.ORDER;
    const r = littleEndian(createHash('sha512').update('small-order-r').digest()) % L;
    const R = ed25519.Point.BASE.multiply(r).add(ed25519.Point.fromHex(SMALL_ORDER_POINTS[4]!)).toBytes();
    const k = littleEndian(createHash('sha512').update(R).update(A).update(input).digest()) % L;
    const s = (r + k * a) % L;
    const S = new Uint8Array(32);
    for (let i = 0, n = s; i < 32; i++, n >>= 8n) S[i] = Number(n & 255n);
    return `${h}.${p}.${toBase64url(concatBytes(R, S))}`;
  })();
  const mine = header.recipients.findIndex((r) => r.unit === 'malmo');

  const mutations: Mutation[] = [
    m('unchanged', null, 'ok', 'The vector envelope itself, opened by Malmö.', bytes),
    m('unchanged-goteborg', null, 'ok', 'The vector envelope itself, opened by Göteborg.', bytes, {
      opener: 'goteborg-nordost',
    }),
    m(
      'header-members-reordered',
      null,
      'ok',
      'The header with its members in another order and whitespace between them, sealed again with it as associated data: "exactly these members" means the members, not the bytes (§1).',
      seal({
        header: JSON.stringify(
          { nonce: header.nonce, recipients: header.recipients, sender: header.sender, id: header.id, v: 1 },
          null,
          1,
        ),
      }),
    ),
    m('window-start', null, 'ok', 'Opened 300 s before its signing time, the earliest §7.5 allows.', bytes, {
      openAt: at(-300),
    }),
    m('window-end', null, 'ok', 'Opened 30 days after its signing time, the latest §7.5 allows.', bytes, {
      openAt: at(30 * 86_400),
    }),
    m(
      'bad-magic',
      1,
      'ERR_MALFORMED',
      'The first magic byte changed.',
      patched((b) => (b[0] ^= 1)),
    ),
    m(
      'version-2',
      1,
      'ERR_UNSUPPORTED_VERSION',
      'The version byte is 2.',
      patched((b) => (b[4] = 2)),
    ),
    m(
      'header-length-beyond',
      1,
      'ERR_MALFORMED',
      'The header length field exceeds the envelope.',
      patched((b) => new DataView(b.buffer).setUint32(5, b.length, false)),
    ),
    m(
      'header-v2',
      1,
      'ERR_UNSUPPORTED_VERSION',
      'The header says "v": 2 (sealed again, so only the version is wrong).',
      seal({ header: headerWith((h) => (h.v = 2)) }),
    ),
    m(
      'header-duplicate-sender',
      1,
      'ERR_MALFORMED',
      'The header names "sender" twice, first Göteborg, then Stockholm (sealed again): Brygga JSON refuses a member named twice (§1.1).',
      seal({
        header: headerText(header).replace(
          '"sender":',
          `"sender":{"unit":"goteborg-nordost","device":"${v.devices['goteborg-nordost'].key.kid}"},"sender":`,
        ),
      }),
    ),
    m(
      'header-unknown-member',
      1,
      'ERR_MALFORMED',
      'The header has a member "x" (sealed again).',
      seal({ header: headerWith((h) => (h.x = 1)) }),
    ),
    m(
      'header-number-form',
      1,
      'ERR_MALFORMED',
      'The header writes its version as 1.0 (sealed again): Brygga JSON numbers are integers in plain digits (§1.1).',
      seal({ header: headerText(header).replace('{"v":1,', '{"v":1.0,') }),
    ),
    m(
      'too-many-recipients',
      1,
      'ERR_TOO_MANY_RECIPIENTS',
      '65 recipients, each well-formed and distinct, with 65 key entries.',
      (() => {
        const recipients = Array.from({ length: 65 }, (_, i) => {
          const kid = i === 0 ? v.devices.malmo.key.kid : keyId('Ed25519', streamRng(`filler/${i}`)(32));
          return { unit: 'malmo', device: kid, key: v.devices.malmo.hpke.kid };
        });
        const h = enc.encode(headerWith((x) => (x.recipients = recipients)));
        const prefix = new Uint8Array(9);
        prefix.set(bytes.subarray(0, 5), 0);
        new DataView(prefix.buffer).setUint32(5, h.length, false);
        return concatBytes(prefix, h, new Uint8Array(65 * 80), new Uint8Array(16));
      })(),
    ),
    m(
      'not-addressed',
      2,
      'ERR_NOT_A_RECIPIENT',
      'Opened by Stockholm, which sent it and is not a recipient.',
      bytes,
      {
        opener: 'stockholm-jarva',
      },
    ),
    m(
      'own-entry-other-unit',
      2,
      'ERR_NOT_A_RECIPIENT',
      "Malmö's entry names its device under the unit goteborg-nordost.",
      setHeader(headerWith((h) => ((h.recipients as { unit: string }[])[mine]!.unit = 'goteborg-nordost'))),
    ),
    m(
      'own-entry-unknown-key',
      2,
      'ERR_UNKNOWN_KEY',
      "Malmö's entry names Göteborg's HPKE key, which Malmö does not hold.",
      setHeader(
        headerWith(
          (h) => ((h.recipients as { key: string }[])[mine]!.key = v.devices['goteborg-nordost'].hpke.kid),
        ),
      ),
    ),
    m(
      'sender-unknown',
      3,
      'ERR_UNKNOWN_KEY',
      'The header names a sender device nobody enrolled.',
      setHeader(headerWith((h) => ((h.sender as { device: string }).device = strangerKey.kid))),
    ),
    m(
      'sender-revoked',
      3,
      'ERR_KEY_REVOKED',
      "The vector envelope, opened after Stockholm's root revoked the sending device (revocation in extraStatements). Its iat is before the revocation; that does not matter (§6.3).",
      bytes,
      {
        extraStatements: [
          revokeDevice(v.roots['stockholm-jarva'], {
            unit: 'stockholm-jarva',
            device: stockholm.key.kid,
            reason: 'förlorad dator',
            now: new Date(v.now.getTime() + 3600_000),
          }),
        ],
      },
    ),
    m(
      'sender-not-a-party',
      3,
      'ERR_NOT_IN_AGREEMENT',
      'The vector envelope, opened after an extension (extraAgreements) without Stockholm.',
      bytes,
      { extraAgreements: [withoutStockholm] },
    ),
    m(
      'ciphertext-bit',
      4,
      'ERR_CRYPTO',
      'One bit of the payload ciphertext flipped.',
      patched((b) => (b[b.length - 40] ^= 1)),
    ),
    m(
      'enc-bit',
      4,
      'ERR_CRYPTO',
      "One bit of Malmö's enc flipped.",
      patched((b) => (b[entriesAt + mine * 80 + 5] ^= 1)),
    ),
    m(
      'header-reformatted',
      4,
      'ERR_CRYPTO',
      'The header bytes written with whitespace (the same members and values), not sealed again: the associated data differs.',
      setHeader(JSON.stringify(header, null, 2)),
    ),
    m(
      'padding-too-long',
      4,
      'ERR_CRYPTO',
      'Padded to one byte more than the bucket of §7.4.',
      seal({ padded: (p) => padTo(p, paddedLength(p.length) + 1) }),
    ),
    m(
      'padding-marker',
      4,
      'ERR_CRYPTO',
      'The padding marker is 0x81.',
      seal({
        padded: (p) => {
          const out = padTo(p, paddedLength(p.length));
          out[p.length] = 0x81;
          return out;
        },
      }),
    ),
    m(
      'jws-length-beyond',
      4,
      'ERR_CRYPTO',
      'The JWS length prefix says more bytes than the plaintext holds.',
      seal({
        padded: (p) => {
          const out = padTo(p, paddedLength(p.length));
          new DataView(out.buffer).setUint32(0, p.length, false);
          return out;
        },
      }),
    ),
    m(
      'signature-by-stranger-claiming-v2',
      5,
      'ERR_CRYPTO',
      'Claims with "v": 2 signed by a key nobody enrolled: a forgery is the generic error, whatever it claims (§7.5, §10).',
      seal({ jws: withClaims((c) => (c.v = 2), strangerKey) }),
    ),
    m(
      'jws-wrong-typ',
      5,
      'ERR_CRYPTO',
      'The claims signed by the sending device, with typ brygga-device+jws.',
      seal({ jws: signCompact('brygga-device+jws', enc.encode(JSON.stringify(claims)), stockholm.key) }),
    ),
    m(
      'jws-header-extra-member',
      5,
      'ERR_CRYPTO',
      'A protected header with a "jwk" member besides alg, typ and kid, validly signed.',
      seal({
        jws: (() => {
          const h = toBase64url(
            enc.encode(JSON.stringify({ alg: 'EdDSA', typ: PACKET_TYP, kid: stockholm.key.kid, jwk: {} })),
          );
          const p = toBase64url(enc.encode(JSON.stringify(claims)));
          return `${h}.${p}.${toBase64url(stockholm.key.sign(enc.encode(`${h}.${p}`)))}`;
        })(),
      }),
    ),
    m(
      'signature-small-order-r',
      5,
      'ERR_CRYPTO',
      'The packet signed by the sending device with a point of order 8 added to R: a cofactored verifier accepts it; §4.1 does not.',
      seal({ jws: smallOrderR }),
    ),
    m(
      'claims-v2',
      6,
      'ERR_UNSUPPORTED_VERSION',
      'Claims with "v": 2, validly signed by the sending device.',
      seal({ jws: withClaims((c) => (c.v = 2)) }),
    ),
    m(
      'claims-duplicate-iss',
      6,
      'ERR_MALFORMED',
      'Claims naming "iss" twice, first goteborg-nordost, then stockholm-jarva, validly signed.',
      seal({ jws: signed((t) => t.replace('"iss":', '"iss":"goteborg-nordost","iss":')) }),
    ),
    m(
      'claims-fraction',
      6,
      'ERR_MALFORMED',
      'Claims writing iat with a fraction (.0), validly signed.',
      seal({ jws: signed((t) => t.replace(/"iat":(\d+)/, '"iat":$1.0')) }),
    ),
    m(
      'claims-noncanonical-case',
      6,
      'ERR_MALFORMED',
      'The case id with non-zero unused trailing bits (another encoding of the same 16 bytes), validly signed.',
      seal({
        jws: withClaims((c) => {
          const id = c.case as string;
          const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(id[21]!);
          c.case = `${id.slice(0, 21)}${'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last | 1]}`;
        }),
      }),
    ),
    m(
      'claims-pid-mismatch',
      7,
      'ERR_CLAIMS_MISMATCH',
      'Claims naming another packet id, validly signed.',
      seal({ jws: withClaims((c) => (c.pid = toBase64url(new Uint8Array(16)))) }),
    ),
    m(
      'claims-aud-order',
      7,
      'ERR_CLAIMS_MISMATCH',
      'Claims with aud in the other order, validly signed.',
      seal({ jws: withClaims((c) => (c.aud = [...(c.aud as string[])].reverse())) }),
    ),
    m('opened-too-early', 7, 'ERR_CLAIMS_MISMATCH', 'Opened 301 s before its signing time.', bytes, {
      openAt: at(-301),
    }),
    m('opened-too-late', 7, 'ERR_CLAIMS_MISMATCH', 'Opened 30 days and 1 s after its signing time.', bytes, {
      openAt: at(30 * 86_400 + 1),
    }),
    m(
      'attachment-altered',
      8,
      'ERR_CRYPTO',
      "The attachment's first byte changed; the signed claims still carry the original hash.",
      seal({ attachment: Uint8Array.from(v.attachment, (b, i) => (i === 0 ? b ^ 1 : b)) }),
    ),
    m(
      'attachment-trailing-byte',
      8,
      'ERR_CRYPTO',
      'One byte after the last attachment.',
      seal({ attachment: concatBytes(v.attachment, new Uint8Array([0x2a])) }),
    ),
  ];
  return {
    description:
      'Mutations of envelope-v1.json (PROTOCOL.md §7.5, §11): each envelope is the vector changed one way, with the outcome the specification demands ("ok", or the error code and the step of §7.5 that gives it). Build the directory from envelope-v1.json (agreement, then extraAgreements, then statements, then extraStatements), open as `opener` at `openAt` (default: the vector\'s `now`). How to run them: CONFORMANCE.md.',
    numberOfMutations: mutations.length,
    mutations,
  };
}

function padTo(plaintext: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(plaintext, 0);
  out[plaintext.length] = 0x80;
  return out;
}

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

if (process.argv[1]?.endsWith('envelope-vector.ts')) {
  const dir = join(import.meta.dirname, '..', 'vectors');
  writeFileSync(join(dir, 'envelope-v1.json'), `${JSON.stringify(await envelopeVectorJson(), null, 2)}\n`);
  writeFileSync(
    join(dir, 'envelope-v1-mutations.json'),
    `${JSON.stringify(await envelopeMutationsJson(), null, 2)}\n`,
  );
  console.log(`wrote ${dir}/envelope-v1.json and envelope-v1-mutations.json`);
}
