import { BryggaError } from '@brygga/client-sdk';
import { describe, expect, it } from 'vitest';
import { Problem, problemFromSdk } from './problem.js';

describe('Problem', () => {
  it('renders RFC 9457 with a stable type', () => {
    const p = new Problem('rate-limited', 'slow down', { headers: { 'retry-after': '3' } });
    expect(p.toJSON()).toEqual({
      type: 'urn:brygga:problem:rate-limited',
      title: 'Too many requests',
      status: 429,
      detail: 'slow down',
    });
    expect(p.headers).toEqual({ 'retry-after': '3' });
    expect(new Problem('unknown-device', 'x', { status: 422 }).status).toBe(422);
  });

  it('maps SDK error codes, and nothing it does not expect', () => {
    const map = (code: ConstructorParameters<typeof BryggaError>[0], status?: number) =>
      problemFromSdk(new BryggaError(code, 'why'), status)?.toJSON();
    expect(map('ERR_MALFORMED')).toMatchObject({
      type: 'urn:brygga:problem:malformed',
      status: 400,
      detail: 'why',
    });
    expect(map('ERR_MALFORMED', 422)).toMatchObject({ status: 422 });
    expect(map('ERR_CRYPTO')).toMatchObject({
      type: 'urn:brygga:problem:invalid-signature',
      detail: 'cryptographic verification failed',
    });
    expect(map('ERR_LIMIT')).toMatchObject({ type: 'urn:brygga:problem:too-many-recipients', status: 422 });
    expect(map('ERR_KEY_REVOKED')).toMatchObject({ type: 'urn:brygga:problem:device-revoked' });
    expect(map('ERR_NOT_A_RECIPIENT')).toBeUndefined();
    expect(map('ERR_WRONG_PASSPHRASE')).toBeUndefined();
  });
});
