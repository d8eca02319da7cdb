/**
 * Packet submission: committed before 201, idempotent on the packet id, limits
 * on size, recipients and rate, recipients checked against the directory, and nothing stored on any
 * refusal. Runs on both engines.
 */
import { createHash } from 'node:crypto';
import { type EnvelopeHeader, openPacket, revokeDevice, sealPacket } from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { makeDevice } from '../support/fixtures.js';
import {
  makeEnvelope,
  packetId,
  problemOf,
  startTestRelay,
  submit,
  type TestRelay,
} from '../support/relay.js';
import { assertValid, loadSchemas } from '../support/schemas.js';

const ajv = loadSchemas();

/** Envelope bytes from a header given as-is (no SDK validation), for headers the SDK would refuse. */
function rawEnvelope(header: unknown, entries: number, payload = 64): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(9 + h.length + entries * 80 + payload);
  out.set([0x42, 0x52, 0x59, 0x47, 1], 0);
  new DataView(out.buffer).setUint32(5, h.length, false);
  out.set(h, 9);
  return out;
}

const digestOf = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64url');

describe.each(ENGINES)('packets on %s', (engine) => {
  let relay: TestRelay;
  afterEach(async () => {
    await relay?.close();
  });

  async function refused(res: Promise<Response>, status: number, type: string): Promise<void> {
    const before = await relay.rows();
    expect(await problemOf(await res)).toMatchObject({ status, type });
    const after = await relay.rows();
    // The token id of the refused request is the only thing written.
    expect({ ...after, tokens: 0 }).toEqual({ ...before, tokens: 0 });
  }

  it('commits a packet with one delivery per recipient device and answers 201 with its receipt', async () => {
    relay = await startTestRelay(engine);
    const { devices, second } = relay.world;
    const envelope = makeEnvelope(devices['stockholm-jarva'], [
      devices.malmo,
      second.malmo,
      devices['goteborg-nordost'],
    ]);
    const bytes = envelope.serialize();
    const res = await submit(relay, devices['stockholm-jarva'], bytes);
    expect(res.status).toBe(201);
    const receipt = (await res.json()) as Record<string, string>;
    assertValid(ajv, 'urn:brygga:schema:relay-api#/$defs/SubmitReceipt', receipt);
    expect(receipt).toEqual({
      id: envelope.id,
      digest: digestOf(bytes),
      receivedAt: relay.clock.date.toISOString(),
      expiresAt: new Date(relay.clock.now + 14 * 86_400_000).toISOString(),
    });
    expect(await relay.rows()).toMatchObject({ packets: 1, submissions: 1, inbox: 3 });
    const stored = await relay.db.database.db.selectFrom('packets').selectAll().executeTakeFirstOrThrow();
    expect(Buffer.from(stored.envelope).equals(Buffer.from(bytes))).toBe(true);
    expect(stored).toMatchObject({ id: envelope.id, sender_unit: 'stockholm-jarva', size: bytes.length });
  });

  it('is idempotent on the packet id: same bytes 200 with the same receipt, other bytes 409', async () => {
    relay = await startTestRelay(engine);
    const { devices } = relay.world;
    const sender = devices.malmo;
    const envelope = makeEnvelope(sender, [devices['goteborg-nordost']]);
    const first = await submit(relay, sender, envelope);
    expect(first.status).toBe(201);
    const receipt = await first.json();
    relay.clock.advance(5000);
    const again = await submit(relay, sender, envelope);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(receipt);
    const other = makeEnvelope(sender, [devices['goteborg-nordost']], { id: envelope.id });
    await refused(submit(relay, sender, other), 409, 'conflict');
    expect(await relay.rows()).toMatchObject({ packets: 1, inbox: 1, submissions: 1 });

    // After the recipient acknowledged, a retry is still recognised and not delivered again.
    const recipient = relay.client(devices['goteborg-nordost']);
    expect(await recipient.ack(envelope.id)).toBe(true);
    expect(await relay.rows()).toMatchObject({ packets: 0, inbox: 0, submissions: 1 });
    const late = await submit(relay, sender, envelope);
    expect(late.status).toBe(200);
    expect(await late.json()).toEqual(receipt);
    expect((await recipient.inbox()).items).toEqual([]);
  });

  it('answers concurrent submissions of one packet with exactly one 201', async () => {
    relay = await startTestRelay(engine);
    const { devices } = relay.world;
    const envelope = makeEnvelope(devices.malmo, [devices['stockholm-jarva']]);
    const statuses = await Promise.all(
      Array.from({ length: 12 }, async () => (await submit(relay, devices.malmo, envelope)).status),
    );
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(11);
    // And many different packets at once are all committed.
    const many = Array.from({ length: 40 }, () => makeEnvelope(devices.malmo, [devices['stockholm-jarva']]));
    const results = await Promise.all(many.map(async (e) => (await submit(relay, devices.malmo, e)).status));
    expect(results.every((s) => s === 201)).toBe(true);
    expect(await relay.rows()).toMatchObject({ packets: 41, inbox: 41, submissions: 41 });
  });

  it('carries a sealed packet end to end: the recipient opens exactly what was sent', async () => {
    relay = await startTestRelay(engine);
    const { devices, directory } = relay.world;
    const sealed = await sealPacket({
      sender: { unit: 'stockholm-jarva', key: devices['stockholm-jarva'].key },
      recipients: directory.recipientsFor(['malmo'], relay.clock.date),
      type: 'message',
      body: { text: 'Hej Malmö' },
      now: relay.clock.date,
    });
    const receipt = await relay.client(devices['stockholm-jarva']).submit(sealed.envelope);
    expect(receipt.created).toBe(true);
    const malmo = relay.client(devices.malmo);
    const [item] = (await malmo.inbox()).items;
    expect(item).toMatchObject({ kind: 'packet', id: sealed.envelope.id });
    const opened = await openPacket({
      envelope: await malmo.fetchPacket(sealed.envelope.id),
      device: devices.malmo.receiving,
      directory,
      now: relay.clock.date,
    });
    expect(opened.claims.body).toEqual({ text: 'Hej Malmö' });
    expect(opened.hash).toBe(sealed.hash);
  });

  it('refuses other media types, oversized bodies and malformed envelopes, storing nothing', async () => {
    relay = await startTestRelay(engine, { config: { maxEnvelopeBytes: 64 * 1024 } });
    const { devices } = relay.world;
    const sender = devices.malmo;
    const bytes = makeEnvelope(sender, [devices['goteborg-nordost']]).serialize();
    const post = (body: BodyInit | null, headers: Record<string, string>) =>
      relay.request('/v1/packets', {
        method: 'POST',
        headers: relay.auth(sender, headers),
        body,
        duplex: 'half',
      } as RequestInit);
    await refused(
      post(bytes as Uint8Array<ArrayBuffer>, { 'content-type': 'application/json' }),
      415,
      'unsupported-media-type',
    );
    await refused(post(bytes as Uint8Array<ArrayBuffer>, {}), 415, 'unsupported-media-type');
    await refused(
      post(bytes as Uint8Array<ArrayBuffer>, { 'content-type': 'application/octet-stream' }),
      415,
      'unsupported-media-type',
    );
    const big = makeEnvelope(sender, [devices['goteborg-nordost']], { payload: 70 * 1024 }).serialize();
    await refused(submit(relay, sender, big), 413, 'payload-too-large');
    // A body that never ends is cut off at the limit, not buffered.
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 16 * 1024;
        controller.enqueue(new Uint8Array(16 * 1024));
      },
    });
    await refused(
      post(endless, { 'content-type': 'application/vnd.brygga.envelope' }),
      413,
      'payload-too-large',
    );
    expect(pulled).toBeLessThan(200 * 1024);
    const type = { 'content-type': 'application/vnd.brygga.envelope' };
    await refused(post(new Uint8Array(0), type), 400, 'malformed');
    await refused(post(crypto.getRandomValues(new Uint8Array(300)), type), 400, 'malformed');
    await refused(post(bytes.slice(0, 200) as Uint8Array<ArrayBuffer>, type), 400, 'malformed');
    await refused(
      post(bytes.slice(0, bytes.length - 4200) as Uint8Array<ArrayBuffer>, type),
      400,
      'malformed',
    );
    const v2 = bytes.slice();
    v2[4] = 2;
    await refused(post(v2, type), 400, 'unsupported-version');
    const header = makeEnvelope(sender, [devices['goteborg-nordost']]).header;
    await refused(
      post(rawEnvelope({ ...header, extra: 1 }, 1) as Uint8Array<ArrayBuffer>, type),
      400,
      'malformed',
    );
  });

  it('limits recipients: 64 by the protocol, fewer if configured', async () => {
    relay = await startTestRelay(engine, { config: { maxRecipients: 2 } });
    const { devices, second } = relay.world;
    const sender = devices['goteborg-nordost'];
    const base = makeEnvelope(sender, [devices.malmo]).header;
    const many = Array.from({ length: 65 }, () => ({
      unit: 'malmo',
      device: packetId() + packetId().slice(0, 21),
      key: devices.malmo.hpke[0]!.kid,
    }));
    const type = { 'content-type': 'application/vnd.brygga.envelope' };
    const post = (body: Uint8Array) =>
      relay.request('/v1/packets', {
        method: 'POST',
        headers: relay.auth(sender, type),
        body: body as Uint8Array<ArrayBuffer>,
      });
    await refused(post(rawEnvelope({ ...base, recipients: many }, 65)), 422, 'too-many-recipients');
    const three = makeEnvelope(sender, [devices.malmo, second.malmo, devices['stockholm-jarva']]);
    await refused(submit(relay, sender, three), 422, 'too-many-recipients');
    expect((await submit(relay, sender, makeEnvelope(sender, [devices.malmo, second.malmo]))).status).toBe(
      201,
    );
  });

  it('accepts only envelopes that name the caller as sender', async () => {
    relay = await startTestRelay(engine);
    const { devices } = relay.world;
    const caller = devices.malmo;
    const as = (tweak: (h: EnvelopeHeader) => void) =>
      makeEnvelope(caller, [devices['goteborg-nordost']], { tweak });
    await refused(
      submit(
        relay,
        caller,
        as((h) => (h.sender.device = devices['stockholm-jarva'].key.kid)),
      ),
      403,
      'forbidden',
    );
    await refused(
      submit(
        relay,
        caller,
        as((h) => (h.sender.unit = 'stockholm-jarva')),
      ),
      403,
      'forbidden',
    );
    await refused(
      submit(
        relay,
        caller,
        as((h) => (h.sender.unit = 'uppsala')),
      ),
      403,
      'forbidden',
    );
  });

  it('accepts only recipients that are active devices of parties, sealed to their current keys', async () => {
    relay = await startTestRelay(engine);
    const { devices, second, roots } = relay.world;
    const sender = devices['stockholm-jarva'];
    const to = (tweak: (h: EnvelopeHeader) => void) => makeEnvelope(sender, [devices.malmo], { tweak });
    const r = (h: EnvelopeHeader) => h.recipients[0]!;
    await refused(
      submit(
        relay,
        sender,
        to((h) => (r(h).unit = 'uppsala')),
      ),
      422,
      'not-in-agreement',
    );
    const stranger = makeDevice('malmo', roots.malmo, relay.clock.date);
    await refused(submit(relay, sender, makeEnvelope(sender, [stranger])), 422, 'unknown-key');
    await refused(
      submit(
        relay,
        sender,
        to((h) => (r(h).unit = 'goteborg-nordost')),
      ),
      422,
      'unknown-key',
    );
    await refused(
      submit(
        relay,
        sender,
        to((h) => (r(h).key = second.malmo.hpke[0]!.kid)),
      ),
      422,
      'unknown-key',
    );
    await refused(
      submit(
        relay,
        sender,
        to((h) => (r(h).key = stranger.hpke[0]!.kid)),
      ),
      422,
      'unknown-key',
    );
    // One bad recipient among good ones refuses the whole packet.
    await refused(
      submit(relay, sender, makeEnvelope(sender, [devices.malmo, stranger, devices['goteborg-nordost']])),
      422,
      'unknown-key',
    );
    const revocation = revokeDevice(roots.malmo, {
      unit: 'malmo',
      device: second.malmo.key.kid,
      reason: 'bytt dator',
      now: relay.clock.date,
    });
    const res = await relay.client().submitStatement(revocation);
    expect(res.created).toBe(true);
    await refused(submit(relay, sender, makeEnvelope(sender, [second.malmo])), 422, 'key-revoked');
    // HPKE keys are valid for 90 days from publication.
    relay.clock.advance(91 * 86_400_000);
    await refused(submit(relay, sender, makeEnvelope(sender, [devices.malmo])), 422, 'key-expired');
  });

  it('limits the rate per device with a token bucket and says when to retry', async () => {
    relay = await startTestRelay(engine, { config: { ratePerMinute: 3 } });
    const { devices } = relay.world;
    const sender = devices.malmo;
    for (let i = 0; i < 3; i++) {
      expect((await submit(relay, sender, makeEnvelope(sender, [devices['goteborg-nordost']]))).status).toBe(
        201,
      );
    }
    const res = submit(relay, sender, makeEnvelope(sender, [devices['goteborg-nordost']]));
    const limited = await res;
    expect(limited.headers.get('retry-after')).toBe('20');
    await refused(Promise.resolve(limited), 429, 'rate-limited');
    // Another device is not affected; the same device may send again once a token has refilled.
    expect(
      (
        await submit(
          relay,
          devices['stockholm-jarva'],
          makeEnvelope(devices['stockholm-jarva'], [devices.malmo]),
        )
      ).status,
    ).toBe(201);
    relay.clock.advance(20_000);
    expect((await submit(relay, sender, makeEnvelope(sender, [devices['goteborg-nordost']]))).status).toBe(
      201,
    );
  });
});
