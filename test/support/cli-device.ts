/**
 * A CLI device directory (client-sdk/src/cli/_device-dir.ts) as `brygga device enrol` leaves it, written
 * directly from a test world's device: its keys sealed in the store under a passphrase, `device.json`
 * and the agreement it pins. For tests and benches that run the CLI against a relay of their own.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Agreement, SCRYPT_LIMITS, saveIdentity } from '@brygga/client-sdk';
import { openSqliteStore } from '@brygga/client-sdk/node';
import type { TestDevice } from './fixtures.js';

/** What goes into the directory. */
export interface CliDeviceSpec {
  device: TestDevice;
  agreement: Agreement;
  passphrase: string;
  /** The relay's audience; its URL is a placeholder (commands are pointed at a relay with `--relay`). */
  audience: string;
}

/**
 * Make the directory `path` for `spec`. The keys are sealed at the lowest scrypt cost PROTOCOL.md §3.4
 * admits, to keep it quick; the CLI treats every cost alike.
 */
export async function writeCliDevice(path: string, spec: CliDeviceSpec): Promise<string> {
  const { device, agreement, passphrase, audience } = spec;
  mkdirSync(path, { recursive: true });
  const store = await openSqliteStore(join(path, 'store.sqlite'));
  try {
    await saveIdentity(
      store.store,
      { unit: device.unit, key: device.key, hpkeKeys: device.hpke },
      passphrase,
      {
        scrypt: { N: SCRYPT_LIMITS.minN, r: SCRYPT_LIMITS.r, p: SCRYPT_LIMITS.p },
      },
    );
  } finally {
    await store.close();
  }
  writeFileSync(
    join(path, 'device.json'),
    JSON.stringify({
      v: 1,
      unit: device.unit,
      device: device.key.kid,
      name: device.name,
      relayUrl: 'http://127.0.0.1:9',
      audience,
    }),
  );
  writeFileSync(join(path, 'agreement.json'), agreement.serialize());
  return path;
}
