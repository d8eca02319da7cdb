/**
 * Relay authentication (PROTOCOL.md §8): every bad token is refused with the
 * right status and problem type, and a refused token leaves nothing behind. Runs on both engines.
 */
import { createHash, createHmac } from 'node:crypto';
import {
  createRelayToken,
  SigningKeyPair as Keys,
  revokeDevice,
  type SigningKeyPair,
} from '@brygga/client-sdk';
import { createApp } from '@brygga/server';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { SMALL_ORDER_POINTS } from '../support/ed25519-vectors.js';
import { codeOf } from '../support/error-code.js';
import { AUDIENCE, makeEnvelope, problemOf, startTestRelay, type TestRelay } from '../support/relay.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with any header and claims, signed (Ed25519) by `key`. */
function forge(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: SigningKeyPair,
): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${Buffer.from(key.sign(new TextEncoder().encode(input))).toString('base64url')}`;
}

/** A token from header and payload text as given, signed by `key`. */
function forgeText(header: string, payload: string, key: SigningKeyPair): string {
  const input = `${Buffer.from(header).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  return `${input}.${Buffer.from(key.sign(new TextEncoder().encode(input))).toString('base64url')}`;
}

const HEADER = (key: SigningKeyPair) => JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid: key.kid });
const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const L = ed25519.Point.Fn.ORDER;

function leScalar(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n % L;
}

/** An Ed25519 signature with a chosen R: S = r + k·a, k = SHA-512(R ‖ A ‖ M) mod L (RFC 8032 §5.1.6). */
function signWith(
  a: bigint,
  A: Uint8Array,
  message: Uint8Array,
  R: InstanceType<typeof ed25519.Point>,
  r: bigint,
): Uint8Array {
  const rBytes = R.toBytes();
  const k = leScalar(new Uint8Array(createHash('sha512').update(rBytes).update(A).update(message).digest()));
  let S = (r + k * a) % L;
  const out = new Uint8Array(64);
  out.set(rBytes, 0);
  for (let i = 32; i < 64; i++, S >>= 8n) out[i] = Number(S & 255n);
  return out;
}

describe.each(ENGINES)('authentication on %s', (engine) => {
  let relay: TestRelay;
  afterEach(async () => {
    await relay?.close();
  });

  const inbox = (authorization?: string) =>
    relay.request('/v1/inbox', { headers: authorization === undefined ? {} : { authorization } });

  /** Refused with `status` and `type`, and no token id (or anything else) stored. */
  async function refused(authorization: string | undefined, status: number, type: string): Promise<void> {
    const before = await relay.rows();
    expect(await problemOf(await inbox(authorization))).toMatchObject({ status, type });
    expect(await relay.rows()).toEqual(before);
  }

  function claims(device: SigningKeyPair, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const iat = Math.floor(relay.clock.now / 1000);
    return {
      iss: device.kid,
      aud: AUDIENCE,
      iat,
      exp: iat + 60,
      jti: Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url'),
      ...overrides,
    };
  }

  it('admits a fresh token of an enrolled device, once', async () => {
    relay = await startTestRelay(engine);
    const device = relay.world.devices.malmo;
    const token = relay.token(device);
    const ok = await inbox(`Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ items: [], next: null });
    expect((await inbox(`bearer ${relay.token(device)}`)).status).toBe(200);
    // The same token again: replay.
    await refused(`Bearer ${token}`, 401, 'token-replayed');
    // The SDK client makes a fresh token for every call.
    const client = relay.client(device);
    expect((await client.inbox()).items).toEqual([]);
    expect((await client.inbox()).items).toEqual([]);
  });

  it('records a submission token with the packet, so the token cannot submit twice', async () => {
    relay = await startTestRelay(engine);
    const { devices } = relay.world;
    const sender = devices['stockholm-jarva'];
    const post = (token: string, envelope: Uint8Array) =>
      relay.request('/v1/packets', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.brygga.envelope' },
        body: envelope as Uint8Array<ArrayBuffer>,
      });
    const token = relay.token(sender);
    expect((await post(token, makeEnvelope(sender, [devices.malmo]).serialize())).status).toBe(201);
    const before = await relay.rows();
    // Another packet under the same token: refused, and nothing stored.
    expect(
      await problemOf(await post(token, makeEnvelope(sender, [devices.malmo]).serialize())),
    ).toMatchObject({
      status: 401,
      type: 'token-replayed',
    });
    expect(await relay.rows()).toEqual(before);
    // A refused submission (the envelope names another sender) still uses up its token.
    const refusedToken = relay.token(sender);
    const notMine = makeEnvelope(devices.malmo, [devices['goteborg-nordost']]).serialize();
    expect((await post(refusedToken, notMine)).status).toBe(403);
    const rows = await relay.rows();
    expect(rows.tokens).toBe(before.tokens + 1);
    expect(rows.packets).toBe(before.packets);
    expect(
      await problemOf(await post(refusedToken, makeEnvelope(sender, [devices.malmo]).serialize())),
    ).toMatchObject({
      type: 'token-replayed',
    });
  });

  it('refuses a replay seen by another relay process on the same database', async () => {
    relay = await startTestRelay(engine);
    const other = createApp({ ...relay.deps });
    const token = relay.token(relay.world.devices['goteborg-nordost']);
    expect(
      (await other.request(`${AUDIENCE}/v1/inbox`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
    expect(await problemOf(await inbox(`Bearer ${token}`))).toMatchObject({
      status: 401,
      type: 'token-replayed',
    });
  });

  it('refuses missing, malformed and non-EdDSA tokens', async () => {
    relay = await startTestRelay(engine);
    const device = relay.world.devices.malmo.key;
    await refused(undefined, 401, 'unauthorized');
    await refused('', 401, 'unauthorized');
    await refused('Basic bWFsbW86aGVtbGln', 401, 'unauthorized');
    await refused('Bearer ', 401, 'unauthorized');
    await refused('Bearer not-a-token', 401, 'unauthorized');
    await refused(`Bearer ${'a'.repeat(5000)}.b.c`, 401, 'unauthorized');
    // alg "none": no signature at all.
    const none = `${b64({ alg: 'none', typ: 'JWT', kid: device.kid })}.${b64(claims(device))}.`;
    await refused(`Bearer ${none}`, 401, 'unauthorized');
    await refused(`Bearer ${none}AAAA`, 401, 'unauthorized');
    // HS256 keyed with the device's public key (the classic algorithm confusion).
    const hsInput = `${b64({ alg: 'HS256', typ: 'JWT', kid: device.kid })}.${b64(claims(device))}`;
    const hs = `${hsInput}.${createHmac('sha256', Buffer.from(device.publicKey.bytes)).update(hsInput).digest('base64url')}`;
    await refused(`Bearer ${hs}`, 401, 'unauthorized');
    // Other header shapes: another typ, an embedded key, a missing kid.
    await refused(
      `Bearer ${forge({ alg: 'EdDSA', typ: 'at+jwt', kid: device.kid }, claims(device), device)}`,
      401,
      'unauthorized',
    );
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: device.publicKey.serialize() };
    await refused(
      `Bearer ${forge({ alg: 'EdDSA', typ: 'JWT', kid: device.kid, jwk }, claims(device), device)}`,
      401,
      'unauthorized',
    );
    await refused(
      `Bearer ${forge({ alg: 'EdDSA', typ: 'JWT' }, claims(device), device)}`,
      401,
      'unauthorized',
    );
    await refused(
      `Bearer ${forge({ alg: 'EdDSA', typ: 'JWT', kid: 'x' }, claims(device), device)}`,
      401,
      'unauthorized',
    );
  });

  it('refuses wrong audience, expired, not yet valid, over-long and incomplete tokens', async () => {
    relay = await startTestRelay(engine);
    const device = relay.world.devices['stockholm-jarva'].key;
    const header = { alg: 'EdDSA', typ: 'JWT', kid: device.kid };
    const now = Math.floor(relay.clock.now / 1000);
    const bad = async (overrides: Record<string, unknown>) =>
      refused(`Bearer ${forge(header, claims(device, overrides), device)}`, 401, 'unauthorized');
    await bad({ aud: 'https://other-relay.test' });
    await bad({ aud: [AUDIENCE, 'https://other-relay.test'].slice(1) });
    // Out of the time window: the device's clock is off, and the refusal says so.
    const skewed = async (overrides: Record<string, unknown>, detail: RegExp) => {
      const before = await relay.rows();
      const res = await inbox(`Bearer ${forge(header, claims(device, overrides), device)}`);
      expect(res.headers.get('date')).toBe(relay.clock.date.toUTCString());
      expect(await problemOf(res)).toMatchObject({
        status: 401,
        type: 'clock-skew',
        detail: expect.stringMatching(detail),
      });
      expect(await relay.rows()).toEqual(before);
    };
    await skewed({ iat: now - 400, exp: now - 100 }, /400 seconds behind the relay's clock/);
    await skewed({ iat: now - 100, exp: now - 31 }, /100 seconds behind/);
    await skewed({ iat: now + 120, exp: now + 180 }, /120 seconds ahead of the relay's clock/);
    await skewed({ iat: now - 340, exp: now + 10 }, /340 seconds behind/);
    await bad({ nbf: now + 120 });
    await bad({ iat: now, exp: now + 301 });
    await bad({ iss: relay.world.devices.malmo.key.kid });
    await bad({ jti: undefined });
    await bad({ jti: 'short' });
    await bad({ jti: 1234567890123 });
    await bad({ exp: undefined });
    await bad({ iat: undefined });
    await bad({ iat: 'yesterday' });
    // The SDK refuses to make an over-long token in the first place.
    expect(codeOf(() => createRelayToken(device, AUDIENCE, { lifetimeSeconds: 301 }))).toBe('ERR_MALFORMED');
    // Within tolerance: 20 seconds of clock skew either way is fine.
    expect(
      (await inbox(`Bearer ${forge(header, claims(device, { iat: now + 20, exp: now + 80 }), device)}`))
        .status,
    ).toBe(200);
    expect(
      (await inbox(`Bearer ${forge(header, claims(device, { iat: now - 300, exp: now - 10 }), device)}`))
        .status,
    ).toBe(200);
  });

  it('refuses tokens of unknown and revoked devices, and signatures by the wrong key', async () => {
    relay = await startTestRelay(engine);
    const stranger = Keys.generate();
    await refused(
      `Bearer ${createRelayToken(stranger, AUDIENCE, { now: relay.clock.date })}`,
      401,
      'unknown-device',
    );
    // Malmö's device kid, signed by Stockholm's device key.
    const victim = relay.world.devices.malmo.key;
    const impostor = relay.world.devices['stockholm-jarva'].key;
    const forged = forge({ alg: 'EdDSA', typ: 'JWT', kid: victim.kid }, claims(victim), impostor);
    await refused(`Bearer ${forged}`, 401, 'unauthorized');

    const device = relay.world.second.malmo;
    const token = relay.token(device);
    const revocation = revokeDevice(relay.world.roots.malmo, {
      unit: 'malmo',
      device: device.key.kid,
      reason: 'borttappad',
      now: relay.clock.date,
    });
    const res = await relay.request('/v1/directory/statements', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jws: revocation }),
    });
    expect(res.status).toBe(201);
    await refused(`Bearer ${token}`, 403, 'device-revoked');
    await refused(`Bearer ${relay.token(device)}`, 403, 'device-revoked');
    // Its unit's other device is unaffected.
    expect((await inbox(`Bearer ${relay.token(relay.world.devices.malmo)}`)).status).toBe(200);
  });

  it('reads header and payload as Brygga JSON: a duplicate member is refused, not the last copy taken', async () => {
    relay = await startTestRelay(engine);
    const device = relay.world.devices.malmo.key;
    const other = relay.world.devices['stockholm-jarva'].key;
    const c = claims(device);
    const body = JSON.stringify(c).slice(1, -1);
    // JSON.parse (jose's parser) keeps the last copy of a member: each of these reads as a good token.
    await refused(
      `Bearer ${forgeText(`{"alg":"EdDSA","typ":"JWT","kid":"${other.kid}","kid":"${device.kid}"}`, JSON.stringify(c), device)}`,
      401,
      'unauthorized',
    );
    await refused(
      `Bearer ${forgeText(HEADER(device), `{"aud":"https://other-relay.test",${body}}`, device)}`,
      401,
      'unauthorized',
    );
    await refused(
      `Bearer ${forgeText(HEADER(device), `{"jti":"${'A'.repeat(22)}",${body}}`, device)}`,
      401,
      'unauthorized',
    );
    // Text JSON.parse accepts and Brygga JSON does not: a fraction.
    await refused(
      `Bearer ${forgeText(HEADER(device), JSON.stringify({ ...c, exp: c.exp as number }).replace(/"exp":(\d+)/, '"exp":$1.0'), device)}`,
      401,
      'unauthorized',
    );
    // The same claims written once are accepted.
    expect((await inbox(`Bearer ${forgeText(HEADER(device), JSON.stringify(c), device)}`)).status).toBe(200);
  });

  it('refuses an audience given as an array, even one holding only this relay', async () => {
    relay = await startTestRelay(engine);
    const device = relay.world.devices.malmo.key;
    const header = { alg: 'EdDSA', typ: 'JWT', kid: device.kid };
    await refused(
      `Bearer ${forge(header, claims(device, { aud: [AUDIENCE] }), device)}`,
      401,
      'unauthorized',
    );
    await refused(
      `Bearer ${forge(header, claims(device, { aud: [AUDIENCE, AUDIENCE] }), device)}`,
      401,
      'unauthorized',
    );
    expect((await inbox(`Bearer ${forge(header, claims(device), device)}`)).status).toBe(200);
  });

  it('judges token signatures by the one Ed25519 rule: no small-order R, the identity included', async () => {
    relay = await startTestRelay(engine);
    const device = relay.world.devices.malmo.key;
    const input = `${b64({ alg: 'EdDSA', typ: 'JWT', kid: device.kid })}.${b64(claims(device))}`;
    const message = new TextEncoder().encode(input);
    const seed = device.exportSecret();
    const { scalar: a, pointBytes: A } = ed25519.utils.getExtendedPublicKey(seed);
    const r = leScalar(crypto.getRandomValues(new Uint8Array(64)));
    // The classes of test/vectors/ed25519-verification.json, made on this device's key and token:
    // R = the identity (r = 0; OpenSSL accepts it, §4.1 refuses it), and an honest R plus each
    // point of small order (a cofactored verifier accepts these; §4.1 and OpenSSL refuse them).
    await refused(
      `Bearer ${input}.${b64u(signWith(a, A, message, ed25519.Point.ZERO, 0n))}`,
      401,
      'unauthorized',
    );
    for (const torsion of SMALL_ORDER_POINTS) {
      const R = ed25519.Point.BASE.multiply(r).add(ed25519.Point.fromHex(torsion));
      if (R.equals(ed25519.Point.BASE.multiply(r))) continue;
      await refused(`Bearer ${input}.${b64u(signWith(a, A, message, R, r))}`, 401, 'unauthorized');
    }
    // The same construction with an honest R is a good token.
    const honest = signWith(a, A, message, ed25519.Point.BASE.multiply(r), r);
    expect((await inbox(`Bearer ${input}.${b64u(honest)}`)).status).toBe(200);
  });

  it('answers 503 agreement-missing before an agreement is installed', async () => {
    relay = await startTestRelay(engine, { agreement: false });
    await refused(`Bearer ${relay.token(relay.world.devices.malmo)}`, 503, 'agreement-missing');
  });

  it('forgets used token ids once they could no longer be accepted', async () => {
    relay = await startTestRelay(engine);
    const use = async () =>
      expect((await inbox(`Bearer ${relay.token(relay.world.devices.malmo)}`)).status).toBe(200);
    for (let i = 0; i < 3; i++) await use();
    // Rows on PostgreSQL, swept; memory on SQLite, dropped as ids are used (PROTOCOL.md §8).
    expect((await relay.rows()).tokens).toBe(3);
    await relay.deps.store.sweep(relay.clock.now);
    expect((await relay.rows()).tokens).toBe(3);
    relay.clock.advance(331_000);
    await relay.deps.store.sweep(relay.clock.now);
    await use();
    expect((await relay.rows()).tokens).toBe(1);
  });
});
