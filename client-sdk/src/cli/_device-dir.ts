/**
 * A device directory (`--device`, or BRYGGA_DEVICE, default `./brygga-device`): the SDK's SQLite store
 * (case content and the device's keys, encrypted under its passphrase; PROTOCOL.md §3.4, §13.3), the
 * agreement the device pins, and `device.json` naming the unit, the device key id and the relay. Nothing
 * secret is kept in plain text.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BryggaClient } from '../cases/brygga-client.js';
import { loadIdentity } from '../cases/device-identity.js';
import { Agreement } from '../directory/agreement.js';
import { openSqliteStore, type SqliteStore } from '../node/open-sqlite-store.js';
import { CliError, type Io, passphrase } from './_io.js';

/** `device.json`. */
export interface DeviceConfig {
  v: 1;
  unit: string;
  device: string;
  name: string;
  relayUrl: string;
  audience: string;
}

/** The paths of a device directory. */
export function devicePaths(dir: string) {
  const root = resolve(dir);
  return {
    root,
    config: join(root, 'device.json'),
    store: join(root, 'store.sqlite'),
    agreement: join(root, 'agreement.json'),
  };
}

/** The device directory from `--device` or the environment. */
export function deviceDir(io: Io, flag: string | undefined): string {
  return flag ?? io.env.BRYGGA_DEVICE ?? 'brygga-device';
}

/** An open client of the device directory, with its store to close. */
export interface OpenDevice {
  client: BryggaClient;
  config: DeviceConfig;
  agreement: Agreement;
  store: SqliteStore;
  close(): Promise<void>;
}

/** Open the device in `dir`: ask for its passphrase, decrypt its keys, open the client. */
export async function openDevice(io: Io, dir: string): Promise<OpenDevice> {
  const paths = devicePaths(dir);
  if (!existsSync(paths.config)) {
    throw new CliError('ERR_NO_DEVICE', `no enrolled device in ${paths.root}`, {
      hint: 'enrol one with `brygga device enrol`, or point --device (or BRYGGA_DEVICE) at its directory',
    });
  }
  const config = JSON.parse(readFileSync(paths.config, 'utf8')) as DeviceConfig;
  const agreement = Agreement.deserialize(readFileSync(paths.agreement, 'utf8'));
  const store = await openSqliteStore(paths.store);
  try {
    const identity = await loadIdentity(store.store, await passphrase(io, `the device of ${config.unit}`));
    const client = await BryggaClient.open({
      identity,
      agreement,
      store: store.store,
      relayUrl: config.relayUrl,
      relayAudience: config.audience,
    });
    return { client, config, agreement, store, close: () => store.close() };
  } catch (err) {
    await store.close();
    throw err;
  }
}
