/**
 * The conformance kit of PROTOCOL.md §11 (test/vectors/CONFORMANCE.md), run against the SDK exactly as
 * another implementation runs it: one loop per file, every entry checked, counts compared with the
 * file's own.
 * - envelope-v1.json: the SDK reproduces the envelope byte for byte from the recorded inputs; the
 *   recorded intermediate values are checked against independent computation; each recipient opens it.
 * - envelope-v1-mutations.json: every mutation gives exactly the outcome the file names.
 * - brygga-json.json: parseJson accepts exactly the valid texts, with their values.
 * (ed25519-verification.json has its own loop in test/ed25519-rule.test.ts.)
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agreement, Directory, HpkeKeyPair, openPacket, parseJson, SigningKeyPair } from '@brygga/client-sdk';
import { expect, it } from 'vitest';
import { xchachaOpen } from '../client-sdk/src/crypto/aead.js';
import { deriveKeyPair, setupBaseR } from '../client-sdk/src/crypto/hpke.js';
import { paddedLength } from '../client-sdk/src/envelope/padding.js';
import { CONTENT_KEY_INFO } from '../client-sdk/src/envelope/seal.js';
import { describeEachProvider } from './support/crypto-providers.js';
import { envelopeMutationsJson, envelopeVectorJson } from './support/envelope-vector.js';
import { codeOfAsync } from './support/error-code.js';

const load = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'vectors', name), 'utf8'));
const vector = load('envelope-v1.json');
const mutations = load('envelope-v1-mutations.json');
const jsonVectors = load('brygga-json.json');
const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A directory as CONFORMANCE.md says to build it: agreement, extra agreements, statements, extra statements. */
function directoryFor(extra: { extraAgreements?: unknown[]; extraStatements?: string[] } = {}): Directory {
  const directory = new Directory(Agreement.deserialize(vector.agreement));
  for (const a of extra.extraAgreements ?? []) directory.addAgreement(Agreement.deserialize(a as never));
  directory.applyAll(vector.statements);
  directory.applyAll(extra.extraStatements ?? []);
  return directory;
}

/** The device of `unit` as the vector's keys make it. */
function deviceOf(unit: string) {
  const k = vector.keys[unit];
  const hpke = HpkeKeyPair.fromSecret(fromHex(k.hpkeSecret));
  return {
    unit,
    kid: k.deviceKid as string,
    hpkeKey: (kid: string) => (kid === hpke.kid ? hpke : undefined),
  };
}

describeEachProvider('envelope-v1.json', () => {
  it('the SDK produces exactly the recorded vector, intermediate values included, from the recorded inputs', async () => {
    expect(await envelopeVectorJson()).toEqual(vector);
  });

  it('the randomness is SHA-256 blocks per draw, as §11 says, computed here independently', () => {
    const block = (label: string, c: number) =>
      createHash('sha256').update(`${label}/${c}`, 'utf8').digest('hex');
    for (const d of vector.draws) {
      expect(d.hex, d.use).toBe(block(d.source, d.block).slice(0, 2 * d.length));
    }
    for (const [unit, k] of Object.entries(vector.keys) as [string, Record<string, string>][]) {
      expect(k.rootSeed, unit).toBe(block(`root/${unit}`, 0));
      expect(SigningKeyPair.fromSecret(fromHex(k.deviceSeed!)).kid).toBe(k.deviceKid);
      expect(HpkeKeyPair.fromSecret(fromHex(k.hpkeSecret!)).kid).toBe(k.hpkeKid);
    }
  });

  it('each enc is DeriveKeyPair(ikmE), each entry opens to CK, and CK opens the payload to the recorded lengths', () => {
    const env = fromHex(vector.envelopeHex);
    const i = vector.intermediate;
    const headerBytes = new TextEncoder().encode(i.headerText);
    expect(hex(env.subarray(9, 9 + headerBytes.length))).toBe(hex(headerBytes));
    i.recipients.forEach((r: Record<string, string>, n: number) => {
      expect(hex(deriveKeyPair(fromHex(r.ikmE!)).publicKey)).toBe(r.enc);
      const at = 9 + headerBytes.length + 80 * n;
      expect(hex(env.subarray(at, at + 32))).toBe(r.enc);
      const secret = fromHex(vector.keys[r.unit!].hpkeSecret);
      const ctx = setupBaseR(fromHex(r.enc!), secret, CONTENT_KEY_INFO);
      expect(hex(ctx.open(headerBytes, fromHex(r.sealedContentKey!)))).toBe(i.contentKey);
    });
    const ciphertext = env.subarray(9 + headerBytes.length + 80 * i.recipients.length);
    expect(ciphertext.length).toBe(i.ciphertextLength);
    const nonce = Buffer.from(vector.header.nonce, 'base64url');
    const padded = xchachaOpen(fromHex(i.contentKey), nonce, headerBytes, ciphertext);
    expect(padded.length).toBe(i.paddedLength);
    expect(paddedLength(i.plaintextLength)).toBe(i.paddedLength);
    expect(padded[i.plaintextLength]).toBe(0x80);
    expect(new DataView(padded.buffer, padded.byteOffset).getUint32(0)).toBe(i.jwsLength);
  });

  it('each recipient opens it to the recorded packet and attachment', async () => {
    for (const unit of ['malmo', 'goteborg-nordost']) {
      const opened = await openPacket({
        envelope: fromHex(vector.envelopeHex),
        device: deviceOf(unit),
        directory: directoryFor(),
        now: new Date(vector.now),
      });
      expect(opened.jws).toBe(vector.jws);
      expect(opened.hash).toBe(vector.packetHash);
      expect(hex(opened.attachments[0]!.data)).toBe(vector.attachmentHex);
    }
  });
});

describeEachProvider('envelope-v1-mutations.json', () => {
  it('the generator still writes exactly the recorded file', async () => {
    expect(await envelopeMutationsJson()).toEqual(mutations);
  });

  it('every mutation has the outcome the file names', async () => {
    expect(mutations.mutations.length).toBe(mutations.numberOfMutations);
    const names = new Set<string>();
    for (const m of mutations.mutations) {
      expect(names.has(m.name), m.name).toBe(false);
      names.add(m.name);
      const outcome = await codeOfAsync(
        openPacket({
          envelope: fromHex(m.envelopeHex),
          device: deviceOf(m.opener),
          directory: directoryFor(m),
          now: new Date(m.openAt ?? vector.now),
        }),
      );
      expect(`${m.name}: ${outcome}`).toBe(`${m.name}: ${m.expected}`);
    }
    // Every step of §7.5 is covered, and so is "ok".
    expect(new Set(mutations.mutations.map((m: { step: number | null }) => m.step))).toEqual(
      new Set([null, 1, 2, 3, 4, 5, 6, 7, 8]),
    );
  });
});

describeEachProvider('brygga-json.json', () => {
  it('parseJson accepts exactly the valid texts, with their values', () => {
    expect(jsonVectors.cases.length).toBe(jsonVectors.numberOfCases);
    for (const c of jsonVectors.cases) {
      const bytes = fromHex(c.hex);
      if (c.valid) {
        expect(parseJson(bytes), c.name).toStrictEqual(JSON.parse(c.valueJson));
      } else {
        expect(() => parseJson(bytes), c.name).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
      }
    }
  });
});
