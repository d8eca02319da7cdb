/**
 * The token claims of PROTOCOL.md §8, judged by the relay's own checks (device-token.ts) and, for the
 * same tokens, by jose's `jwtVerify` with the options the module header documents: every claim set
 * around every boundary of the time window gets the same answer from both, and a refusal the right
 * code. jose is the reference here only; the relay does not call it.
 */
import { BryggaError, type SigningKeyPair } from '@brygga/client-sdk';
import fc from 'fast-check';
import { errors, importJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { makeWorld } from '../../../test/support/fixtures.js';
import { CLOCK_TOLERANCE_SECONDS, verifyDeviceToken } from './device-token.js';

const AUDIENCE = 'https://brygga.test';
const world = makeWorld();
const device = world.devices.malmo.key;
const other = world.devices['stockholm-jarva'].key;

function sign(claims: Record<string, unknown>, key: SigningKeyPair = device): string {
  const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid: device.kid })).toString(
    'base64url',
  );
  const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${Buffer.from(key.sign(new TextEncoder().encode(input))).toString('base64url')}`;
}

/** The relay's answer: accepted, or the refusal's code. */
async function relayAnswer(token: string, now: number): Promise<string> {
  try {
    await verifyDeviceToken(token, { directory: world.directory, audience: AUDIENCE, now });
    return 'accepted';
  } catch (err) {
    if (err instanceof BryggaError) return err.code;
    throw err;
  }
}

const joseKey = importJWK({ kty: 'OKP', crv: 'Ed25519', x: device.publicKey.serialize() }, 'EdDSA');

/**
 * jose's answer with the documented options, plus the documented checks it does not make (`aud` one
 * string, `exp - iat`, the jti's form); time failures of `exp` and `iat` are `ERR_CLOCK_SKEW`.
 */
async function referenceAnswer(token: string, now: number): Promise<string> {
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
  if (typeof claims.aud !== 'string') return 'ERR_UNAUTHORIZED';
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, await joseKey, {
      algorithms: ['EdDSA'],
      audience: AUDIENCE,
      issuer: device.kid,
      typ: 'JWT',
      maxTokenAge: 300,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['iss', 'aud', 'jti', 'iat', 'exp'],
      currentDate: new Date(now),
    }));
  } catch (err) {
    if (
      (err instanceof errors.JWTExpired || err instanceof errors.JWTClaimValidationFailed) &&
      (err.claim === 'exp' || err.claim === 'iat') &&
      err.reason === 'check_failed'
    ) {
      return 'ERR_CLOCK_SKEW';
    }
    return 'ERR_UNAUTHORIZED';
  }
  const { iat, exp, jti } = payload as { iat: number; exp: number; jti: unknown };
  if (exp - iat > 300) return 'ERR_UNAUTHORIZED';
  if (typeof jti !== 'string' || !/^[A-Za-z0-9_-]{22,128}$/.test(jti)) return 'ERR_UNAUTHORIZED';
  return 'accepted';
}

const NOW = Date.parse('2025-03-01T09:00:00Z') + 678; // not on a whole second
const NOW_S = Math.floor(NOW / 1000);
let jtis = 0;
const freshJti = () => `jti-${String(++jtis).padStart(20, '0')}`;

/** Offsets in seconds around every edge of the window: ±30 s of skew, 300 s of age and lifetime. */
const EDGES = [
  -400, -361, -331, -330, -329, -300, -270, -31, -30, -29, -1, 0, 1, 29, 30, 31, 60, 270, 300, 301,
];

describe('token claims (PROTOCOL.md §8)', () => {
  it('accepts a good token and names the refusal of each bad claim', async () => {
    const good = { iss: device.kid, aud: AUDIENCE, iat: NOW_S, exp: NOW_S + 60 };
    expect(await relayAnswer(sign({ ...good, jti: freshJti() }), NOW)).toBe('accepted');
    const cases: [Record<string, unknown>, string][] = [
      [{ iss: other.kid }, 'ERR_UNAUTHORIZED'],
      [{ iss: undefined }, 'ERR_UNAUTHORIZED'],
      [{ iss: null }, 'ERR_UNAUTHORIZED'],
      [{ aud: 'https://other.test' }, 'ERR_UNAUTHORIZED'],
      [{ aud: [AUDIENCE] }, 'ERR_UNAUTHORIZED'],
      [{ iat: undefined }, 'ERR_UNAUTHORIZED'],
      [{ iat: String(NOW_S) }, 'ERR_UNAUTHORIZED'],
      [{ exp: undefined }, 'ERR_UNAUTHORIZED'],
      [{ exp: null }, 'ERR_UNAUTHORIZED'],
      [{ nbf: null }, 'ERR_UNAUTHORIZED'],
      [{ nbf: NOW_S + 31 }, 'ERR_UNAUTHORIZED'],
      [{ nbf: NOW_S + 30 }, 'accepted'],
      [{ jti: undefined }, 'ERR_UNAUTHORIZED'],
      [{ jti: 'short' }, 'ERR_UNAUTHORIZED'],
      [{ exp: NOW_S + 301 }, 'ERR_UNAUTHORIZED'],
      [{ iat: NOW_S - 400, exp: NOW_S - 100 }, 'ERR_CLOCK_SKEW'],
      [{ iat: NOW_S + 31, exp: NOW_S + 90 }, 'ERR_CLOCK_SKEW'],
    ];
    for (const [change, code] of cases) {
      const token = sign({ ...good, jti: freshJti(), ...change });
      expect([change, await relayAnswer(token, NOW)]).toEqual([change, code]);
      expect([change, await referenceAnswer(token, NOW)]).toEqual([change, code]);
    }
    // Signed by another key: refused before any claim is read, even a good one.
    expect(await relayAnswer(sign({ ...good, jti: freshJti() }, other), NOW)).toBe('ERR_UNAUTHORIZED');
  });

  it('draws the time window exactly where jose draws it', async () => {
    for (const i of EDGES) {
      for (const e of EDGES) {
        for (const nbf of [undefined, 29, 30, 31]) {
          const token = sign({
            iss: device.kid,
            aud: AUDIENCE,
            iat: NOW_S + i,
            exp: NOW_S + e,
            jti: freshJti(),
            ...(nbf === undefined ? {} : { nbf: NOW_S + nbf }),
          });
          for (const now of [NOW, NOW_S * 1000, NOW_S * 1000 + 999]) {
            expect([i, e, nbf, now, await relayAnswer(token, now)]).toEqual([
              i,
              e,
              nbf,
              now,
              await referenceAnswer(token, now),
            ]);
          }
        }
      }
    }
  });

  it('agrees with jose on claim sets drawn at random', async () => {
    const value = fc.oneof(
      fc.integer({ min: -2000, max: 2000 }).map((d) => NOW_S + d),
      fc.constantFrom(null, true, 'x', [], [AUDIENCE], {}, device.kid, other.kid, AUDIENCE),
    );
    const claim = (name: string, fallback: fc.Arbitrary<unknown>) =>
      fc.option(fc.oneof(fallback, value), { nil: undefined }).map((v) => [name, v] as const);
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(
          claim('iss', fc.constant(device.kid)),
          claim('aud', fc.constant(AUDIENCE)),
          claim(
            'iat',
            fc.integer({ min: -400, max: 100 }).map((d) => NOW_S + d),
          ),
          claim(
            'exp',
            fc.integer({ min: -100, max: 400 }).map((d) => NOW_S + d),
          ),
          claim(
            'nbf',
            fc.integer({ min: -100, max: 100 }).map((d) => NOW_S + d),
          ),
          claim('jti', fc.constant('A'.repeat(22))),
        ),
        async (pairs) => {
          const claims = Object.fromEntries(pairs.filter(([, v]) => v !== undefined));
          if (claims.jti !== undefined && claims.jti === 'A'.repeat(22)) claims.jti = freshJti();
          const token = sign(claims);
          expect(await relayAnswer(token, NOW)).toBe(await referenceAnswer(token, NOW));
        },
      ),
      { numRuns: 300 },
    );
  });
});
