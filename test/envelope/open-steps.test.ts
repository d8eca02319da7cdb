/**
 * Opening a packet step by step (PROTOCOL.md §7.5): the signature is verified before anything inside
 * the encryption is read, so a forger learns nothing from the error (one generic ERR_CRYPTO), while a
 * validly signed packet that breaks a rule gets the rule's own code. Also the receiver's own checks:
 * its unit in its entry (§7.5 step 2), the exact padding (§7.4), the signing-time window (§7.5 step 7)
 * and canonical base64url in the claims (§1).
 */
import { openPacket, type PacketClaims, SigningKeyPair, sealPacket, toBase64url } from '@brygga/client-sdk';
import { describe, expect, it } from 'vitest';
import { fromBase64url } from '../../client-sdk/src/crypto/bytes.js';
import { paddedLength } from '../../client-sdk/src/envelope/padding.js';
import { codeOfAsync as codeOf } from '../support/error-code.js';
import { makeWorld } from '../support/fixtures.js';
import { framePlaintext, headerText, sealRaw, sealText, signRawClaims } from '../support/raw-envelope.js';

const world = makeWorld();
const stockholm = world.devices['stockholm-jarva'];
const malmo = world.devices.malmo;
const malmoKey = malmo.hpke[0]!;
const DAY = 86_400;

function open(bytes: Uint8Array, now = world.now) {
  return openPacket({ envelope: bytes, device: malmo.receiving, directory: world.directory, now });
}

/** A valid packet from Stockholm to Malmö, and its parts. */
async function valid(overrides: { now?: Date } = {}) {
  return sealPacket({
    sender: { unit: 'stockholm-jarva', key: stockholm.key },
    recipients: world.directory.recipientsFor(['malmo'], world.now),
    type: 'message',
    caseId: toBase64url(new Uint8Array(16).fill(3)),
    prev: null,
    body: { text: 'Hej' },
    now: overrides.now ?? world.now,
  });
}

/** The same envelope around other claims, signed by `signer` (Stockholm's device unless given). */
async function withClaims(change: (c: Record<string, unknown>) => void, signer = stockholm.key) {
  const { envelope, claims } = await valid();
  const c = structuredClone(claims) as unknown as Record<string, unknown>;
  change(c);
  const jws = signRawClaims(JSON.stringify(c), signer);
  return sealText(
    headerText(envelope.header),
    envelope.header.nonce,
    [malmoKey.publicKey.bytes],
    framePlaintext(jws),
  );
}

describe('verify first, then interpret', () => {
  it('a forged packet claiming version 2 gets the generic error, not the version error', async () => {
    const stranger = SigningKeyPair.generate();
    expect(await codeOf(open(await withClaims((c) => (c.v = 2), stranger)))).toBe('ERR_CRYPTO');
    // Forged claims of any shape look alike to the forger.
    expect(await codeOf(open(await withClaims((c) => (c.type = 'NOT A TYPE'), stranger)))).toBe('ERR_CRYPTO');
    expect(await codeOf(open(await withClaims((c) => delete c.body, stranger)))).toBe('ERR_CRYPTO');
  });

  it('validly signed claims that break their schema get the schema error, once the signature verified', async () => {
    expect(await codeOf(open(await withClaims((c) => (c.v = 2))))).toBe('ERR_UNSUPPORTED_VERSION');
    expect(await codeOf(open(await withClaims((c) => (c.type = 'NOT A TYPE'))))).toBe('ERR_MALFORMED');
    expect(await codeOf(open(await withClaims((c) => delete c.body)))).toBe('ERR_MALFORMED');
    expect(await codeOf(open(await withClaims((c) => (c.extra = 1))))).toBe('ERR_MALFORMED');
  });

  it('base64url in the claims must be canonical: a case id with stray trailing bits is refused', async () => {
    const canonical = toBase64url(new Uint8Array(16).fill(3));
    const stray = `${canonical.slice(0, 21)}${String.fromCharCode(canonical.charCodeAt(21) + 1)}`;
    expect(() => fromBase64url(stray, 16)).toThrow();
    expect(await codeOf(open(await withClaims((c) => (c.case = canonical))))).toBe('ok');
    expect(await codeOf(open(await withClaims((c) => (c.case = stray))))).toBe('ERR_MALFORMED');
  });
});

describe("the receiver's own checks", () => {
  it('its entry must name its own unit', async () => {
    // The sender addresses Malmö's device as a device of Göteborg, and signs it so: the claims match.
    const misaddressed = await sealPacket({
      sender: { unit: 'stockholm-jarva', key: stockholm.key },
      recipients: [{ unit: 'goteborg-nordost', device: malmo.key.kid, hpkeKey: malmoKey.publicKey }],
      type: 'message',
      body: {},
      now: world.now,
    });
    expect((misaddressed.claims as PacketClaims).aud).toEqual(['goteborg-nordost']);
    expect(await codeOf(open(misaddressed.envelope.serialize()))).toBe('ERR_NOT_A_RECIPIENT');
  });

  it('the padding must be exactly §7.4: more or less than the bucket is refused', async () => {
    const { envelope, jws } = await valid();
    const plaintext = framePlaintext(jws);
    const padded = (length: number) => {
      const out = new Uint8Array(length);
      out.set(plaintext, 0);
      out[plaintext.length] = 0x80;
      return out;
    };
    const seal = (p: Uint8Array) =>
      sealRaw({
        headerBytes: envelope.headerBytes,
        nonce: fromBase64url(envelope.header.nonce, 24),
        recipientKeys: [malmoKey.publicKey.bytes],
        paddedPlaintext: p,
      });
    const bucket = paddedLength(plaintext.length);
    expect(bucket).toBe(4096);
    expect(await codeOf(open(seal(padded(bucket))))).toBe('ok');
    for (const length of [plaintext.length + 1, bucket - 1, bucket + 1, 2 * bucket]) {
      expect(`${length}: ${await codeOf(open(seal(padded(length))))}`).toBe(`${length}: ERR_CRYPTO`);
    }
    // The marker must be 0x80 and everything after it zero.
    const wrongMarker = padded(bucket);
    wrongMarker[plaintext.length] = 0x81;
    expect(await codeOf(open(seal(wrongMarker)))).toBe('ERR_CRYPTO');
  });

  it('the signing time must lie within 30 days before and 5 minutes after the time of opening', async () => {
    const at = (seconds: number) => new Date(world.now.getTime() + seconds * 1000);
    const { envelope } = await valid();
    const bytes = envelope.serialize();
    expect(await codeOf(open(bytes, at(-300)))).toBe('ok');
    expect(await codeOf(open(bytes, at(-301)))).toBe('ERR_CLAIMS_MISMATCH');
    expect(await codeOf(open(bytes, at(30 * DAY)))).toBe('ok');
    expect(await codeOf(open(bytes, at(30 * DAY + 1)))).toBe('ERR_CLAIMS_MISMATCH');
  });
});

describe('PROTOCOL.md §7.5: the padded plaintext lengths of §7.4', () => {
  it('are Padmé above 4096 bytes, computed exactly', () => {
    expect(paddedLength(0)).toBe(4096);
    expect(paddedLength(4095)).toBe(4096);
    expect(paddedLength(4096)).toBe(4352);
    expect(paddedLength(65535)).toBe(65536);
    expect(paddedLength(65536)).toBe(67584);
    expect(paddedLength(16 * 1024 * 1024)).toBe(16 * 1024 * 1024 + 512 * 1024);
  });
});
