/** The JSON Schemas in schemas/ describe exactly what the SDK produces (PROTOCOL.md). */

import {
  decodeCompact,
  encryptKey,
  SigningKeyPair,
  sealPacket,
  signRootChange,
  toBase64url,
} from '@brygga/client-sdk';
import { describe, expect, it } from 'vitest';
import { makeWorld } from './support/fixtures.js';
import { assertValid, loadSchemas } from './support/schemas.js';

const ajv = loadSchemas();
const payload = (jws: string) => JSON.parse(new TextDecoder().decode(decodeCompact(jws).payloadBytes));

describe('schemas match the SDK', () => {
  const world = makeWorld();

  it('agreement document and terms', () => {
    const doc = JSON.parse(world.agreement.serialize());
    assertValid(ajv, 'urn:brygga:schema:agreement', doc);
    assertValid(ajv, 'urn:brygga:schema:agreement#/$defs/terms', world.agreement.terms);
    expect(() => assertValid(ajv, 'urn:brygga:schema:agreement', { ...doc, extra: 1 })).toThrow(/additional/);
    expect(() =>
      assertValid(ajv, 'urn:brygga:schema:agreement#/$defs/terms', { ...world.agreement.terms, sequence: 0 }),
    ).toThrow(/data\/sequence must be >= 1/);
    const offers = world.agreement.terms.municipalities.map((m, i) =>
      i === 0 ? { ...m, offers: ['krisstod', 'kontaktperson'] } : m,
    );
    assertValid(ajv, 'urn:brygga:schema:agreement#/$defs/terms', {
      ...world.agreement.terms,
      municipalities: offers,
    });
    expect(() =>
      assertValid(ajv, 'urn:brygga:schema:agreement#/$defs/terms', {
        ...world.agreement.terms,
        municipalities: offers.map((m, i) => (i === 0 ? { ...m, offers: ['krisstod', 'krisstod'] } : m)),
      }),
    ).toThrow(/must NOT have duplicate items/);
    const reporting = { suppressionThreshold: 3, reconciliationIntervalMonths: 12, retentionYears: 7 };
    assertValid(ajv, 'urn:brygga:schema:agreement#/$defs/terms', { ...world.agreement.terms, reporting });
    expect(() =>
      assertValid(ajv, 'urn:brygga:schema:agreement#/$defs/terms', {
        ...world.agreement.terms,
        reporting: { reconciliationIntervalMonths: 4 },
      }),
    ).toThrow(/reconciliationIntervalMonths must be equal to one of the allowed values/);
  });

  it('a root change', () => {
    const to = SigningKeyPair.generate().publicKey;
    const jws = signRootChange(world.roots.malmo, { agreement: world.agreement.terms.id, unit: 'malmo', to });
    assertValid(ajv, 'urn:brygga:schema:agreement#/$defs/rootChange', payload(jws));
    expect(() =>
      assertValid(ajv, 'urn:brygga:schema:agreement#/$defs/rootChange', { ...payload(jws), extra: 1 }),
    ).toThrow(/additional/);
  });

  it('directory statements', () => {
    for (const jws of world.statements) assertValid(ajv, 'urn:brygga:schema:statements', payload(jws));
    const device = payload(world.devices.malmo.enrolment);
    expect(() =>
      assertValid(ajv, 'urn:brygga:schema:statements', { ...device, kind: 'brygga.other' }),
    ).toThrow(/data\/kind must be equal to constant/);
  });

  it('envelope header and packet claims', async () => {
    const sealed = await sealPacket({
      sender: { unit: 'malmo', key: world.devices.malmo.key },
      recipients: world.directory.recipientsFor(['stockholm-jarva', 'goteborg-nordost'], world.now),
      type: 'message',
      caseId: toBase64url(new Uint8Array(16)),
      prev: toBase64url(new Uint8Array(32)),
      body: { text: 'Hej' },
      attachments: [{ name: 'a.txt', type: 'text/plain', data: new Uint8Array(3) }],
      now: world.now,
    });
    assertValid(ajv, 'urn:brygga:schema:envelope-header', sealed.envelope.header);
    assertValid(ajv, 'urn:brygga:schema:packet-claims', sealed.claims);
    expect(() =>
      assertValid(ajv, 'urn:brygga:schema:envelope-header', { ...sealed.envelope.header, recipients: [] }),
    ).toThrow(/data\/recipients must NOT have fewer than 1 items/);
  });

  it('key files', async () => {
    const file = await encryptKey(SigningKeyPair.generate(), 'en lång lösenfras', {
      scrypt: { N: 2 ** 15, r: 8, p: 1 },
    });
    assertValid(ajv, 'urn:brygga:schema:key-file', file);
  });
});
