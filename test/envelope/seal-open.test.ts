/**
 * Sign-then-encrypt envelopes (PROTOCOL.md §7): round trips, and a tamper suite in which every header
 * field, every recipient entry and every ciphertext region is altered, removed, reordered or swapped.
 */

import {
  Envelope,
  HpkeKeyPair,
  openPacket,
  publishHpkeKey,
  revokeDevice,
  SigningKeyPair,
  sealPacket,
  toBase64url,
} from '@brygga/client-sdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bryggaJsonValue } from '../support/brygga-json.js';
import { codeOfAsync as codeOf } from '../support/error-code.js';
import { makeDevice, makeWorld, type TestDevice, type World } from '../support/fixtures.js';

const enc = new TextEncoder();

function randomData(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}

async function sealFromStockholm(world: World, body: unknown = { text: 'Hej Malmö' }) {
  const { devices, directory, now } = world;
  return sealPacket({
    sender: { unit: 'stockholm-jarva', key: devices['stockholm-jarva'].key },
    recipients: directory.recipientsFor(['malmo', 'goteborg-nordost'], now),
    type: 'message',
    caseId: toBase64url(new Uint8Array(16).fill(9)),
    prev: null,
    body,
    now,
  });
}

function openAs(world: World, device: TestDevice, bytes: Uint8Array | Envelope, now = world.now) {
  return openPacket({ envelope: bytes, device: device.receiving, directory: world.directory, now });
}

/** Rebuild an envelope with a changed header (same key entries and ciphertext). */
function withHeader(
  env: Envelope,
  // biome-ignore lint/suspicious/noExplicitAny: tests mutate arbitrary parts of the header JSON
  change: (h: Record<string, any>) => void,
  entries = env.keyEntries,
): Envelope {
  const h = JSON.parse(new TextDecoder().decode(env.headerBytes));
  change(h);
  return new Envelope(enc.encode(JSON.stringify(h)), entries, env.ciphertext);
}

describe('seal and open', () => {
  const world = makeWorld();
  const malmo = world.devices.malmo;
  const gbg = world.devices['goteborg-nordost'];

  it('every recipient opens the same signed packet', async () => {
    const sealed = await sealFromStockholm(world);
    const bytes = sealed.envelope.serialize();
    for (const d of [malmo, gbg]) {
      const opened = await openAs(world, d, bytes);
      expect(opened.jws).toBe(sealed.jws);
      expect(opened.hash).toBe(sealed.hash);
      expect(opened.claims.body).toEqual({ text: 'Hej Malmö' });
      expect(opened.claims.iss).toBe('stockholm-jarva');
      expect(opened.claims.rcp).toEqual(sealed.envelope.header.recipients.map((r) => r.device));
    }
    // The sender is not a recipient of its own packet.
    expect(await codeOf(openAs(world, world.devices['stockholm-jarva'], bytes))).toBe('ERR_NOT_A_RECIPIENT');
  });

  it('hides the packet type and content length in one size bucket', async () => {
    const small = await sealFromStockholm(world, { t: 'kvitto' });
    const larger = await sealFromStockholm(world, { t: 'uppdrag', text: 'x'.repeat(2500) });
    expect(small.envelope.ciphertext.length).toBe(larger.envelope.ciphertext.length);
    expect(small.envelope.ciphertext.length).toBe(4096 + 16);
    const text = new TextDecoder('latin1').decode(small.envelope.serialize());
    expect(text).not.toContain('kvitto');
    expect(text).not.toContain('message');
  });

  it('carries attachments, bound by hash in the signed claims', async () => {
    const data = randomData(70_000);
    const sealed = await sealPacket({
      sender: { unit: 'malmo', key: malmo.key },
      recipients: world.directory.recipientsFor(['stockholm-jarva'], world.now),
      type: 'message',
      body: { text: 'Bifogat beslut' },
      attachments: [
        { name: 'beslut.pdf', type: 'application/pdf', data },
        { name: 'tom.txt', type: 'text/plain', data: new Uint8Array(0) },
      ],
      now: world.now,
    });
    const opened = await openAs(world, world.devices['stockholm-jarva'], sealed.envelope.serialize());
    expect(opened.attachments.map((a) => a.meta.name)).toEqual(['beslut.pdf', 'tom.txt']);
    expect(opened.attachments[0]!.data).toEqual(data);
    expect(opened.attachments[1]!.data.length).toBe(0);
  });

  it('round-trips arbitrary bodies and attachments (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        bryggaJsonValue,
        fc.array(fc.uint8Array({ maxLength: 5000 }), { maxLength: 3 }),
        async (body, files) => {
          const sealed = await sealPacket({
            sender: { unit: 'goteborg-nordost', key: gbg.key },
            recipients: world.directory.recipientsFor(['malmo'], world.now),
            type: 'message',
            body: body ?? null,
            attachments: files.map((data, i) => ({ name: `f${i}`, type: 'application/octet-stream', data })),
            now: world.now,
          });
          const opened = await openAs(
            world,
            malmo,
            Envelope.deserialize(sealed.envelope.serialize()).serialize(),
          );
          expect(opened.claims.body).toEqual(JSON.parse(JSON.stringify(body ?? null)));
          expect(opened.attachments.map((a) => a.data)).toEqual(files);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses to sign a body that is not Brygga JSON, which every receiver would refuse', async () => {
    let deep: unknown = [];
    for (let i = 0; i < 64; i++) deep = [deep];
    for (const body of [{ amount: 1.5 }, { n: 2 ** 53 }, { text: '\ud800' }, { deep }]) {
      const seal = sealPacket({
        sender: { unit: 'goteborg-nordost', key: gbg.key },
        recipients: world.directory.recipientsFor(['malmo'], world.now),
        type: 'message',
        body,
        now: world.now,
      });
      expect(await codeOf(seal)).toBe('ERR_MALFORMED');
    }
  });
});

describe('tamper suite: every change is rejected with the one generic error', () => {
  const world = makeWorld();
  const malmo = world.devices.malmo;
  const gbg = world.devices['goteborg-nordost'];
  const stockholm = world.devices['stockholm-jarva'];
  // Malmö also holds a second, newer key, so pointing its entry at that key id still finds a secret.
  const second = HpkeKeyPair.generate();
  world.directory.apply(publishHpkeKey(malmo.key, { unit: 'malmo', key: second.publicKey, now: world.now }));
  malmo.hpke.push(second);

  it('header fields altered, removed, reordered or swapped', async () => {
    const { envelope } = await sealFromStockholm(world);
    const mine = envelope.header.recipients.findIndex((r) => r.device === malmo.key.kid);
    const other = 1 - mine;
    const changes: [string, Envelope][] = [
      ['packet id', withHeader(envelope, (h) => (h.id = toBase64url(new Uint8Array(16))))],
      ['sender unit', withHeader(envelope, (h) => (h.sender.unit = 'goteborg-nordost'))],
      ['sender device', withHeader(envelope, (h) => (h.sender.device = gbg.key.kid))],
      ['nonce', withHeader(envelope, (h) => (h.nonce = toBase64url(new Uint8Array(24))))],
      ['other recipient unit', withHeader(envelope, (h) => (h.recipients[other].unit = 'stockholm-jarva'))],
      [
        'other recipient device',
        withHeader(envelope, (h) => (h.recipients[other].device = stockholm.key.kid)),
      ],
      ['other recipient key', withHeader(envelope, (h) => (h.recipients[other].key = malmo.hpke[0]!.kid))],
      [
        'own recipient key',
        withHeader(
          envelope,
          (h) => (h.recipients[mine].key = malmo.hpke.find((k) => k.kid !== h.recipients[mine].key)!.kid),
        ),
      ],
      ['recipients reordered', withHeader(envelope, (h) => h.recipients.reverse())],
      [
        'recipients and entries reordered together',
        withHeader(envelope, (h) => h.recipients.reverse(), [...envelope.keyEntries].reverse()),
      ],
      [
        'other recipient removed',
        withHeader(envelope, (h) => h.recipients.splice(other, 1), [envelope.keyEntries[mine]!]),
      ],
      [
        'recipient added',
        withHeader(
          envelope,
          (h) =>
            h.recipients.push({
              unit: 'stockholm-jarva',
              device: stockholm.key.kid,
              key: stockholm.hpke[0]!.kid,
            }),
          [...envelope.keyEntries, new Uint8Array(80)],
        ),
      ],
      [
        'member order',
        new Envelope(
          enc.encode(JSON.stringify(Object.fromEntries(Object.entries(envelope.header).reverse()))),
          envelope.keyEntries,
          envelope.ciphertext,
        ),
      ],
      [
        'whitespace',
        new Envelope(
          enc.encode(JSON.stringify(envelope.header, null, 1)),
          envelope.keyEntries,
          envelope.ciphertext,
        ),
      ],
    ];
    // Pointing the entry at a key this device never held is visible in the header: it says so.
    const unknownKey = withHeader(envelope, (h) => (h.recipients[mine].key = gbg.hpke[0]!.kid));
    expect(await codeOf(openAs(world, malmo, unknownKey))).toBe('ERR_UNKNOWN_KEY');
    // So is an entry that names this device under another unit: it is not this device's entry.
    const ownUnit = withHeader(envelope, (h) => (h.recipients[mine].unit = 'goteborg-nordost'));
    expect(await codeOf(openAs(world, malmo, ownUnit))).toBe('ERR_NOT_A_RECIPIENT');
    for (const [what, tampered] of changes) {
      if (what !== 'whitespace') expect(tampered.headerBytes, what).not.toEqual(envelope.headerBytes);
      expect(`${what}: ${await codeOf(openAs(world, malmo, tampered.serialize()))}`).toBe(
        `${what}: ERR_CRYPTO`,
      );
    }
  });

  it('recipient entries swapped, replaced or low-order', async () => {
    const { envelope } = await sealFromStockholm(world);
    const mine = envelope.header.recipients.findIndex((r) => r.device === malmo.key.kid);
    const entries = envelope.keyEntries;
    const swapped = new Envelope(envelope.headerBytes, [...entries].reverse(), envelope.ciphertext);
    expect(await codeOf(openAs(world, malmo, swapped))).toBe('ERR_CRYPTO');
    // Low-order X25519 points as the encapsulated key (RFC 7748 §5 / Wycheproof's list).
    const lowOrder = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ];
    for (const hex of lowOrder) {
      const point = Uint8Array.from(hex.match(/../g)!.map((b) => Number.parseInt(b, 16)));
      const entry = Uint8Array.from(entries[mine]!);
      entry.set(point, 0);
      const replaced = entries.map((e, i) => (i === mine ? entry : e));
      expect(
        await codeOf(openAs(world, malmo, new Envelope(envelope.headerBytes, replaced, envelope.ciphertext))),
      ).toBe('ERR_CRYPTO');
    }
  });

  it('every byte region of the key entries and the payload', async () => {
    const { envelope } = await sealFromStockholm(world);
    const bytes = envelope.serialize();
    const bodyStart = 9 + envelope.headerBytes.length;
    const regions = {
      enc: [bodyStart, bodyStart + 31],
      sealedKey: [bodyStart + 32, bodyStart + 79],
      secondEntry: [bodyStart + 80, bodyStart + 159],
      payload: [bodyStart + 160, bytes.length - 17],
      tag: [bytes.length - 16, bytes.length - 1],
    };
    const mine = envelope.header.recipients.findIndex((r) => r.device === malmo.key.kid);
    for (const [region, [from, to]] of Object.entries(regions)) {
      for (const at of [from!, Math.floor((from! + to!) / 2), to!]) {
        const t = Uint8Array.from(bytes);
        t[at]! ^= 0x01;
        const code = await codeOf(openAs(world, malmo, t));
        // Flipping the other recipient's entry must not matter to Malmö.
        const entryOfOther =
          region === (mine === 0 ? 'secondEntry' : 'enc') || (mine === 1 && region === 'sealedKey');
        expect(`${region}@${at}: ${code}`).toBe(`${region}@${at}: ${entryOfOther ? 'ok' : 'ERR_CRYPTO'}`);
      }
    }
  });

  it('any single-byte change anywhere is rejected (property)', async () => {
    const { envelope } = await sealFromStockholm(world);
    const bytes = envelope.serialize();
    const mine = envelope.header.recipients.findIndex((r) => r.device === malmo.key.kid);
    const otherEntry = 9 + envelope.headerBytes.length + (1 - mine) * 80;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, x) => {
        fc.pre(at < otherEntry || at >= otherEntry + 80);
        const t = Uint8Array.from(bytes);
        t[at]! ^= x;
        const code = await codeOf(openAs(world, malmo, t));
        expect([
          'ERR_CRYPTO',
          'ERR_MALFORMED',
          'ERR_UNSUPPORTED_VERSION',
          'ERR_NOT_A_RECIPIENT',
          'ERR_UNKNOWN_KEY',
          'ERR_TOO_MANY_RECIPIENTS',
        ]).toContain(code);
      }),
      { numRuns: 300 },
    );
  });

  it('truncated and junk input fail cleanly', async () => {
    const { envelope } = await sealFromStockholm(world);
    const bytes = envelope.serialize();
    for (let len = 0; len < bytes.length; len += 97) {
      const code = await codeOf(openAs(world, malmo, bytes.subarray(0, len)));
      expect(['ERR_MALFORMED', 'ERR_CRYPTO']).toContain(code);
    }
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (junk) => {
        expect(['ERR_MALFORMED', 'ERR_UNSUPPORTED_VERSION']).toContain(
          await codeOf(openAs(world, malmo, junk)),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('keys and senders', () => {
  it('a packet re-sent by a recipient to a third party is recognisably not from the sender', async () => {
    const world = makeWorld();
    const { malmo } = world.devices;
    const gbg = world.devices['goteborg-nordost'];
    const original = await sealPacket({
      sender: { unit: 'stockholm-jarva', key: world.devices['stockholm-jarva'].key },
      recipients: world.directory.recipientsFor(['malmo'], world.now),
      type: 'message',
      body: { text: 'Endast för Malmö' },
      now: world.now,
    });
    const opened = await openPacket({
      envelope: original.envelope,
      device: malmo.receiving,
      directory: world.directory,
      now: world.now,
    });
    // Malmö re-encrypts Stockholm's signed packet to Göteborg, keeping Stockholm as the visible sender
    // and even the original packet id.
    const { forgeEnvelope } = await import('../support/forge.js');
    const forged = forgeEnvelope({
      header: {
        ...original.envelope.header,
        recipients: [{ unit: 'goteborg-nordost', device: gbg.key.kid, key: gbg.hpke[0]!.kid }],
      },
      recipientKeys: [gbg.hpke[0]!.publicKey.bytes],
      jws: opened.jws,
    });
    expect(
      await codeOf(
        openPacket({ envelope: forged, device: gbg.receiving, directory: world.directory, now: world.now }),
      ),
    ).toBe('ERR_CLAIMS_MISMATCH');
    // Sending it as itself does not help either: the signature names Stockholm's device.
    const asMalmo = forgeEnvelope({
      header: {
        ...original.envelope.header,
        sender: { unit: 'malmo', device: malmo.key.kid },
        recipients: [{ unit: 'goteborg-nordost', device: gbg.key.kid, key: gbg.hpke[0]!.kid }],
      },
      recipientKeys: [gbg.hpke[0]!.publicKey.bytes],
      jws: opened.jws,
    });
    expect(
      await codeOf(
        openPacket({ envelope: asMalmo, device: gbg.receiving, directory: world.directory, now: world.now }),
      ),
    ).toBe('ERR_CRYPTO');
  });

  it('refuses unknown and revoked senders, wrong and missing recipient keys, expired keys', async () => {
    const world = makeWorld();
    const { malmo } = world.devices;
    const sealed = await sealFromStockholm(world);
    const bytes = sealed.envelope.serialize();

    // A device holding a different secret under the expected kid.
    const impostor = { ...malmo.receiving, hpkeKey: () => HpkeKeyPair.generate() };
    expect(
      await codeOf(
        openPacket({ envelope: bytes, device: impostor, directory: world.directory, now: world.now }),
      ),
    ).toBe('ERR_CRYPTO');
    const forgetful = { ...malmo.receiving, hpkeKey: () => undefined };
    expect(
      await codeOf(
        openPacket({ envelope: bytes, device: forgetful, directory: world.directory, now: world.now }),
      ),
    ).toBe('ERR_UNKNOWN_KEY');

    // A sender the directory does not know.
    const stranger = SigningKeyPair.generate();
    const fromStranger = await sealPacket({
      sender: { unit: 'stockholm-jarva', key: stranger },
      recipients: world.directory.recipientsFor(['malmo'], world.now),
      type: 'message',
      body: {},
      now: world.now,
    });
    expect(await codeOf(openAs(world, malmo, fromStranger.envelope))).toBe('ERR_UNKNOWN_KEY');

    // Revoked after sending: the packet is refused.
    world.directory.apply(
      revokeDevice(world.roots['stockholm-jarva'], {
        unit: 'stockholm-jarva',
        device: world.devices['stockholm-jarva'].key.kid,
        reason: 'förlorad dator',
        now: world.now,
      }),
    );
    expect(await codeOf(openAs(world, malmo, bytes))).toBe('ERR_KEY_REVOKED');

    // Encrypting to a unit whose only key has expired.
    const later = new Date(world.now.getTime() + 200 * 86_400_000);
    expect(() => world.directory.recipientsFor(['malmo'], later)).toThrow(/valid encryption key/);
  });

  it('rotation: new packets use the new key, the old key still opens packets in flight', async () => {
    const world = makeWorld();
    const { malmo } = world.devices;
    const inFlight = await sealFromStockholm(world);
    const later = new Date(world.now.getTime() + 86_400_000);
    const next = HpkeKeyPair.generate();
    world.directory.apply(publishHpkeKey(malmo.key, { unit: 'malmo', key: next.publicKey, now: later }));
    malmo.hpke.push(next);
    const fresh = await sealPacket({
      sender: { unit: 'goteborg-nordost', key: world.devices['goteborg-nordost'].key },
      recipients: world.directory.recipientsFor(['malmo'], later),
      type: 'message',
      body: {},
      now: later,
    });
    expect(fresh.envelope.header.recipients[0]!.key).toBe(next.kid);
    expect((await openAs(world, malmo, fresh.envelope, later)).claims.iss).toBe('goteborg-nordost');
    expect((await openAs(world, malmo, inFlight.envelope, later)).claims.iss).toBe('stockholm-jarva');
  });

  it('a second device of the same unit receives its own copy', async () => {
    const world = makeWorld();
    const second = makeDevice('malmo', world.roots.malmo, world.now, 'Samordnarens dator');
    world.directory.applyAll([second.enrolment, ...second.publications]);
    const sealed = await sealFromStockholm(world);
    expect(sealed.envelope.header.recipients.filter((r) => r.unit === 'malmo')).toHaveLength(2);
    expect((await openAs(world, second, sealed.envelope)).jws).toBe(sealed.jws);
  });
});
