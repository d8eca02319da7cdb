/**
 * What a statement or an agreement may carry (PROTOCOL.md §3.1, §3.5, §6.2): an HPKE key that is a
 * canonical X25519 key not of low order, display text without control or bidirectional characters and
 * in NFC, and no more unexpired HPKE keys per device than the relay admits. The relay judges with the
 * SDK's own rules, so a directory refuses what the relay refuses. Runs on both engines.
 */
import { createHash } from 'node:crypto';
import {
  type AgreementTerms,
  DEVICE_TYP,
  Directory,
  enrolDevice,
  HPKE_KEY_TYP,
  HpkeKeyPair,
  HpkePublicKey,
  publishHpkeKey,
  REVOCATION_TYP,
  SigningKeyPair,
  signCompact,
} from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { x25519SharedSecret } from '../../client-sdk/src/crypto/x25519.js';
import { ENGINES } from '../support/databases.js';
import { codeOf } from '../support/error-code.js';
import { agreementTerms, UNITS } from '../support/fixtures.js';
import { ADMIN_TOKEN, problemOf, startTestRelay, type TestRelay } from '../support/relay.js';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const b64u = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
/** kid = b64u(H("brygga/v1/kid/X25519" ‖ key)) (PROTOCOL.md §3.2), computed here, not by the SDK. */
const x25519Kid = (key: Uint8Array) =>
  createHash('sha256').update('brygga/v1/kid/X25519').update(key).digest('base64url');

/** X25519 public keys §3.1 refuses: the low-order u-coordinates, and encodings of u ≥ p. */
const LOW_ORDER = {
  zero: '0000000000000000000000000000000000000000000000000000000000000000',
  one: '0100000000000000000000000000000000000000000000000000000000000000',
  'order 8 (a)': 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  'order 8 (b)': '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'p - 1': 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
};
const NON_CANONICAL = {
  p: 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'p + 1': 'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '2^256 - 1': 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'order 8 (a) + 2^255': 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880',
};

/** Display text §3.5 refuses, by what is wrong with it. */
const BAD_TEXT: Record<string, string> = {
  NUL: 'Malmö\u0000',
  ESC: 'Malmö \u001b[31mröd',
  DEL: 'Malmö\u007f',
  'C1 (NEL)': 'Malmö\u0085',
  'C1 (CSI)': 'Malmö\u009b31m',
  'line feed': 'Malmö\nsamordnare',
  'right-to-left override': 'Malmö \u202esamordnare',
  'left-to-right embedding': '\u202aMalmö',
  'first strong isolate': 'Malmö \u2068x\u2069',
  'pop directional isolate': 'Malmö\u2069',
  'not NFC': 'A\u030angström',
};

describe('X25519 public keys (SDK)', () => {
  it('refuses the low-order and non-canonical encodings, each low-order one giving an all-zero secret', () => {
    const secret = HpkeKeyPair.generate().exportSecret();
    for (const [name, h] of Object.entries(LOW_ORDER)) {
      expect(
        codeOf(() => new HpkePublicKey(hex(h))),
        name,
      ).toBe('ERR_MALFORMED');
      expect(
        codeOf(() => HpkePublicKey.deserialize(b64u(hex(h)))),
        name,
      ).toBe('ERR_MALFORMED');
      // The list is right: every one of them gives every secret key the all-zero shared secret.
      expect(
        codeOf(() => x25519SharedSecret(secret, hex(h))),
        name,
      ).toBe('ERR_CRYPTO');
    }
    for (const [name, h] of Object.entries(NON_CANONICAL)) {
      expect(
        codeOf(() => HpkePublicKey.deserialize(b64u(hex(h)))),
        name,
      ).toBe('ERR_MALFORMED');
    }
    // A genuine key with the top bit set names the same point, in a second encoding: refused.
    const genuine = HpkeKeyPair.generate().publicKey.bytes;
    const high = Uint8Array.from(genuine);
    high[31]! |= 0x80;
    expect(codeOf(() => new HpkePublicKey(high))).toBe('ERR_MALFORMED');
    expect(new HpkePublicKey(genuine).serialize()).toBe(b64u(genuine));
  });
});

describe('display text (SDK)', () => {
  it('is normalised to NFC before it is signed, and refused with control or bidirectional characters', () => {
    const root = SigningKeyPair.generate();
    const key = SigningKeyPair.generate().publicKey;
    const jws = enrolDevice(root, { unit: 'malmo', key, name: 'A\u030angström' });
    const claims = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims.name).toBe('Ångström');
    for (const [what, name] of Object.entries(BAD_TEXT)) {
      if (what === 'not NFC') continue;
      expect(
        codeOf(() => enrolDevice(root, { unit: 'malmo', key, name })),
        what,
      ).toBe('ERR_MALFORMED');
    }
    expect(codeOf(() => enrolDevice(root, { unit: 'malmo', key, name: 'x'.repeat(201) }))).toBe(
      'ERR_MALFORMED',
    );
    // 200 characters are 200 code points, whatever their UTF-16 length.
    expect(codeOf(() => enrolDevice(root, { unit: 'malmo', key, name: '𝔅'.repeat(200) }))).toBe('ok');
  });
});

/** An agreement document signed by every root, its terms written as given (no SDK checks). */
function signedTerms(terms: AgreementTerms, roots: Record<string, SigningKeyPair>): string {
  const payload = b64u(JSON.stringify(terms));
  const signatures = Object.values(roots).map((root) => {
    const protectedHeader = b64u(
      JSON.stringify({ alg: 'EdDSA', typ: 'brygga-agreement+jws', kid: root.kid }),
    );
    const signature = b64u(root.sign(new TextEncoder().encode(`${protectedHeader}.${payload}`)));
    return { protected: protectedHeader, signature };
  });
  return JSON.stringify({ payload, signatures });
}

describe.each(ENGINES)('keys and names at the relay on %s', (engine) => {
  let relay: TestRelay;
  afterEach(async () => {
    await relay?.close();
  });

  const postStatement = (jws: string) =>
    relay.request('/v1/directory/statements', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jws }),
    });

  async function refused(jws: string, status: number, type: string, what: string): Promise<void> {
    const before = await relay.rows();
    expect(await problemOf(await postStatement(jws)), what).toMatchObject({ status, type });
    expect(await relay.rows(), what).toEqual(before);
  }

  it('refuses an HPKE key statement whose key is of low order or not canonical', async () => {
    relay = await startTestRelay(engine);
    const device = relay.world.devices.malmo;
    const iat = Math.floor(relay.clock.now / 1000);
    const statement = (key: Uint8Array) =>
      signCompact(
        HPKE_KEY_TYP,
        {
          v: 1,
          kind: 'brygga.hpke-key',
          unit: 'malmo',
          device: device.key.kid,
          kid: x25519Kid(key),
          key: b64u(key),
          iat,
          nbf: iat,
          exp: iat + 86_400,
        },
        device.key,
      );
    for (const [name, h] of Object.entries({ ...LOW_ORDER, ...NON_CANONICAL })) {
      await refused(statement(hex(h)), 422, 'malformed-statement', name);
      // A client's directory refuses it the same way.
      expect(
        codeOf(() => relay.world.directory.apply(statement(hex(h)))),
        name,
      ).toBe('ERR_MALFORMED');
    }
    // The same statement with a genuine key is accepted.
    expect((await postStatement(statement(HpkeKeyPair.generate().publicKey.bytes))).status).toBe(201);
  });

  it('refuses device names and revocation reasons with control or bidirectional characters, or not NFC', async () => {
    relay = await startTestRelay(engine);
    const root = relay.world.roots.malmo;
    const iat = Math.floor(relay.clock.now / 1000);
    const enrolment = (name: string) => {
      const key = SigningKeyPair.generate().publicKey;
      return signCompact(
        DEVICE_TYP,
        { v: 1, kind: 'brygga.device', unit: 'malmo', device: key.kid, key: key.serialize(), name, iat },
        root,
      );
    };
    const revocation = (reason: string) =>
      signCompact(
        REVOCATION_TYP,
        {
          v: 1,
          kind: 'brygga.revocation',
          unit: 'malmo',
          device: relay.world.second.malmo.key.kid,
          iat,
          reason,
        },
        root,
      );
    for (const [what, text] of Object.entries(BAD_TEXT)) {
      await refused(enrolment(text), 422, 'malformed-statement', `name: ${what}`);
      await refused(revocation(text), 422, 'malformed-statement', `reason: ${what}`);
      expect(
        codeOf(() => new Directory(relay.world.agreement).apply(enrolment(text))),
        what,
      ).toBe('ERR_MALFORMED');
    }
    await refused(enrolment('x'.repeat(201)), 422, 'malformed-statement', 'a long name');
    expect((await postStatement(enrolment('Ångström, Malmö'))).status).toBe(201);
  });

  it('refuses an agreement whose title or names hold control or bidirectional characters', async () => {
    relay = await startTestRelay(engine, { agreement: false });
    const { roots } = relay.world;
    const install = (body: string) =>
      relay.request('/v1/admin/agreements', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
        body,
      });
    const good = agreementTerms(roots);
    const variants: [string, AgreementTerms][] = [
      ['title', { ...good, title: `${good.title}\u202e` }],
      [
        'party name',
        { ...good, parties: good.parties.map((p, i) => (i ? p : { ...p, name: `${p.name}\u001b` })) },
      ],
      [
        'municipality name',
        {
          ...good,
          municipalities: good.municipalities.map((m, i) => (i ? m : { ...m, name: 'Malmo\u0308' })),
        },
      ],
      [
        'catalogue name',
        { ...good, catalogue: good.catalogue.map((c, i) => (i ? c : { ...c, name: `${c.name}\u0085` })) },
      ],
    ];
    for (const [what, terms] of variants) {
      const before = await relay.rows();
      expect(await problemOf(await install(signedTerms(terms, roots))), what).toMatchObject({
        status: 422,
        type: 'agreement-invalid',
      });
      expect(await relay.rows()).toEqual(before);
    }
    expect((await install(signedTerms(good, roots))).status).toBe(201);
    expect(UNITS.length).toBe(good.parties.length);
  });

  it('admits at most the configured number of unexpired HPKE keys per device', async () => {
    relay = await startTestRelay(engine, { maxHpkeKeysPerDevice: 3 });
    const device = relay.world.devices['goteborg-nordost'];
    const publish = (lifetimeSeconds: number) =>
      publishHpkeKey(device.key, {
        unit: device.unit,
        key: HpkeKeyPair.generate().publicKey,
        now: relay.clock.date,
        lifetimeSeconds,
      });
    // The world's one key, and two more with an hour to live.
    expect((await postStatement(publish(3600))).status).toBe(201);
    expect((await postStatement(publish(3600))).status).toBe(201);
    await refused(publish(3600), 422, 'too-many-keys', 'a fourth key');
    // Another device is not affected.
    const other = relay.world.devices.malmo;
    const theirs = publishHpkeKey(other.key, {
      unit: other.unit,
      key: HpkeKeyPair.generate().publicKey,
      now: relay.clock.date,
    });
    expect((await postStatement(theirs)).status).toBe(201);
    // Once two have expired, there is room again.
    relay.clock.advance(3601 * 1000);
    expect((await postStatement(publish(3600))).status).toBe(201);
  });
});
