/**
 * Users' login passphrases, hashed with scrypt (node:crypto): N = 2^17, r = 8, p = 1, a 16-byte random
 * salt and a 32-byte result, the parameters OWASP's Password Storage Cheat Sheet gives as the minimum for
 * scrypt (128 MiB and a few hundred milliseconds per hash). The parameters are stored with each hash, so
 * they can be raised later without invalidating the hashes already stored:
 *
 *     scrypt$17$8$1$<salt base64url>$<hash base64url>
 *
 * Hashes are computed one at a time (a queue): every login costs 128 MiB for a moment, and a burst of
 * attempts must not take the unit's server down with it.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt's cost parameters: N = 2^logN. */
export interface PassphraseHashParams {
  logN: number;
  r: number;
  p: number;
}

/** The parameters of new hashes. */
export const PASSPHRASE_HASH_PARAMS: PassphraseHashParams = { logN: 17, r: 8, p: 1 };

/** The shortest passphrase accepted, as for device passphrases. */
export const MIN_PASSPHRASE_LENGTH = 12;

/** The longest passphrase accepted (scrypt takes any length; a limit keeps requests small). */
export const MAX_PASSPHRASE_LENGTH = 1024;

const KEY_LENGTH = 32;
let queue: Promise<unknown> = Promise.resolve();

function derive(passphrase: string, salt: Buffer, params: PassphraseHashParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  const run = () =>
    new Promise<Buffer>((resolve, reject) => {
      scrypt(
        passphrase.normalize('NFC'),
        salt,
        KEY_LENGTH,
        { N, r: params.r, p: params.p, maxmem: 256 * N * params.r },
        (err, key) => (err ? reject(err) : resolve(key)),
      );
    });
  const next = queue.then(run, run);
  queue = next.catch(() => {});
  return next;
}

/**
 * Hash a passphrase for storage.
 *
 * @example const stored = await hashPassphrase('en lång lösenfras för Anna');
 */
export async function hashPassphrase(
  passphrase: string,
  params: PassphraseHashParams = PASSPHRASE_HASH_PARAMS,
): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(passphrase, salt, params);
  return [
    'scrypt',
    params.logN,
    params.r,
    params.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

/** Whether `passphrase` matches `stored`, compared in constant time. A malformed `stored` never matches. */
export async function verifyPassphrase(passphrase: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![logN, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || logN > 22 || r > 32 || p > 16) {
    return false;
  }
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  const key = await derive(passphrase, salt, { logN, r, p });
  return timingSafeEqual(key, expected);
}

/**
 * A hash no passphrase matches, computed with the current parameters: checked against when a login
 * names an unknown user, so an unknown name costs the same time as a wrong passphrase.
 */
export function decoyHash(): Promise<string> {
  return hashPassphrase(randomBytes(32).toString('base64url'));
}
