import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { SigningKeyPair } from '../crypto/keys.js';
import { isBryggaError } from '../errors.js';
import { createRelayToken, MAX_RELAY_TOKEN_LIFETIME_SECONDS } from './relay-token.js';

const AUD = 'https://relay.example.test';

describe('createRelayToken', () => {
  const key = SigningKeyPair.generate();
  const now = new Date('2025-03-01T09:00:00Z');

  it('is a standard EdDSA JWT that jose verifies with the pinned algorithm', async () => {
    const token = createRelayToken(key, 'https://brygga.example.se', { now });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: key.kid });
    const publicKey = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: key.publicKey.serialize() }, 'EdDSA');
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: ['EdDSA'],
      audience: 'https://brygga.example.se',
      issuer: key.kid,
      currentDate: now,
      maxTokenAge: 300,
    });
    expect(payload).toMatchObject({
      iss: key.kid,
      aud: 'https://brygga.example.se',
      iat: 1740819600,
      exp: 1740819660,
    });
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('gives every token a fresh id, or the one the rng dictates', () => {
    const a = createRelayToken(key, AUD, { now });
    const b = createRelayToken(key, AUD, { now });
    expect(a).not.toBe(b);
    const fixed = () => new Uint8Array(16).fill(7);
    expect(createRelayToken(key, AUD, { now, rng: fixed })).toBe(
      createRelayToken(key, AUD, { now, rng: fixed }),
    );
  });

  it('refuses lifetimes the relay would refuse, and an empty audience', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isBryggaError(e) ? e.code : 'other';
      }
      return 'ok';
    };
    expect(
      code(() => createRelayToken(key, AUD, { lifetimeSeconds: MAX_RELAY_TOKEN_LIFETIME_SECONDS })),
    ).toBe('ok');
    expect(
      code(() => createRelayToken(key, AUD, { lifetimeSeconds: MAX_RELAY_TOKEN_LIFETIME_SECONDS + 1 })),
    ).toBe('ERR_MALFORMED');
    expect(code(() => createRelayToken(key, AUD, { lifetimeSeconds: 0 }))).toBe('ERR_MALFORMED');
    expect(code(() => createRelayToken(key, ''))).toBe('ERR_MALFORMED');
  });

  it('names the relay in `aud` as one URL string, in the one form the relay compares byte for byte', () => {
    for (const aud of [
      'https://relay.example.test',
      'http://127.0.0.1:8787',
      'https://example.se/brygga/v1',
    ]) {
      const token = createRelayToken(key, aud, { now });
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
      expect(claims.aud).toBe(aud);
    }
    for (const aud of [
      'https://relay.example.test/',
      'https://relay.example.test?x=1',
      'https://relay.example.test#f',
      'https://user@relay.example.test',
      ' https://relay.example.test',
      'ftp://relay.example.test',
      'relay.example.test',
      'x',
      ['https://relay.example.test'],
    ]) {
      expect(() => createRelayToken(key, aud as string), JSON.stringify(aud)).toThrow(/audience/);
    }
  });
});
