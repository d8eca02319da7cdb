/**
 * A device directory (`--device`, or BRYGGA_DEVICE, default `./brygga-device`): the SDK's SQLite store
 * (case content and the device's keys, encrypted under its passphrase; PROTOCOL.md §3.4, §13.3), the
 * agreement the device pins, and `device.json` naming the unit, the device key id and the relay. Nothing
 * secret is kept in plain text.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  Agreement,
  BryggaClient,
  type DeviceIdentity,
  type FetchFunction,
  loadIdentity,
  MIN_PASSPHRASE_LENGTH,
} from '../index.js';
import { openSqliteStore, type SqliteStore } from '../node/index.js';
import { deviceDir, devicePaths } from './_device-paths.js';
import { CliError, type Io, passphrase, progress } from './_io.js';

export { deviceDir, devicePaths } from './_device-paths.js';

/** The `--device` option of every command that opens the device. */
export const DEVICE_OPTION = {
  device: { type: 'string', description: 'the device directory (default BRYGGA_DEVICE or ./brygga-device)' },
} as const;

/** `device.json`. */
export interface DeviceConfig {
  v: 1;
  unit: string;
  device: string;
  name: string;
  relayUrl: string;
  audience: string;
}

/** An open client of the device directory, with its store to close. */
export interface OpenDevice {
  client: BryggaClient;
  /** The device's keys, for calls the client does not make (the log's, which need a device token). */
  identity: DeviceIdentity;
  config: DeviceConfig;
  agreement: Agreement;
  store: SqliteStore;
  close(): Promise<void>;
}

/**
 * Open the device in `dir`: ask for its passphrase, decrypt its keys (with the derivation main.ts
 * started, `io.derived`, when it matches), open the client.
 */
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
    const pass = await passphrase(io, `the device of ${config.unit}`);
    const identity = await loadIdentity(store.store, pass, io.derived ? { derived: io.derived } : {});
    const shown = progress(io);
    const client = await BryggaClient.open({
      identity,
      agreement,
      store: store.store,
      // With the passphrase the client rotates the device's encryption key before it expires (a key
      // file's passphrase has at least MIN_PASSPHRASE_LENGTH characters).
      ...([...pass.normalize('NFC')].length >= MIN_PASSPHRASE_LENGTH ? { passphrase: pass } : {}),
      relayUrl: config.relayUrl,
      relayAudience: config.audience,
      ...(io.tty
        ? { fetch: countingPackets((n) => shown.update(`syncing… ${n} packet${n === 1 ? '' : 's'}`)) }
        : {}),
    });
    return {
      client,
      identity,
      config,
      agreement,
      store,
      close: () => {
        shown.done();
        return store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** Open the device in `dir` (`--device`), run `action` with its client, close the store whatever happens. */
export async function withClient<T>(
  io: Io,
  dir: string | undefined,
  action: (client: BryggaClient, device: OpenDevice) => Promise<T>,
): Promise<T> {
  const device = await openDevice(io, deviceDir(io, dir));
  try {
    return await action(device.client, device);
  } finally {
    await device.close();
  }
}

/** A fetch that calls `onPacket` with the running count of envelopes downloaded from the inbox. */
function countingPackets(onPacket: (count: number) => void): FetchFunction {
  let count = 0;
  return (input, init) => {
    if ((init.method ?? 'GET') === 'GET' && input.includes('/v1/inbox/packets/')) onPacket(++count);
    return globalThis.fetch(input, init);
  };
}
