/**
 * Start the coordinators' console on an enrolled device (DESIGN.md, "The console"): served by one of the
 * unit's own devices, never by the relay; the keys stay in the device's store and the browser is a view.
 * It opens the console database beside the device store, runs the device (relay events, syncs), and
 * serves the pages on the given address.
 *
 * Addresses: by default the console answers on loopback only (`127.0.0.1:<port>`, also as
 * `localhost:<port>`). For coordinators on the unit's network, put it behind a TLS-terminating proxy and
 * give `publicUrl` (`https://konsol.enhet.example`): the console then answers only to that host name,
 * accepts forms only from that origin, and, the URL being https, sets its cookies `Secure` with the
 * `__Host-` prefix. It never trusts `X-Forwarded-*` headers: the address people use is configuration,
 * not something a request can claim.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import {
  type Agreement,
  type BryggaClient,
  type BryggaStore,
  type ClientEvent,
  type DeviceIdentity,
  RelayClient,
} from '../index.js';
import type { ConsoleConfig, ConsoleDeps, ReferralDraft } from './_context.js';
import { LiveHub } from './_live.js';
import { createConsoleApp } from './console-app.js';
import { ConsoleDatabase } from './console-database.js';
import { DeviceRunner } from './device-runner.js';

/** The device the console runs on: its open client and what the pages show of it. */
export interface ConsoleDevice {
  client: BryggaClient;
  store: BryggaStore;
  identity: DeviceIdentity;
  /** The agreement the device pins (evidence is verified against it). */
  agreement: Agreement;
  /** The device's name, as enrolled. */
  name: string;
  relayUrl: string;
  /** The relay's public URL (the token audience). */
  audience: string;
}

/** Options of {@link startConsole}. */
export interface StartConsoleOptions {
  device: ConsoleDevice;
  /** The console database (`console.sqlite` in the device directory). */
  databasePath: string;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 8788; 0 picks a free one). */
  port?: number;
  /** The address people open, behind a TLS proxy (see the module comment). */
  publicUrl?: string;
  /** Minutes without activity before a session ends (default 20). */
  idleMinutes?: number;
  /** Seconds between periodic syncs (default 60). */
  syncSeconds?: number;
  /** Failed logins in a row before an account is locked (default 5), and for how long (default 15 minutes). */
  lockAfter?: number;
  lockMinutes?: number;
  now?: () => Date;
}

/** A running console. */
export interface RunningConsole {
  /** The address to open (the public URL, or the loopback address). */
  url: string;
  port: number;
  db: ConsoleDatabase;
  close(): Promise<void>;
}

/** Events a person must review; they are kept in the console database until reviewed. */
const ALERT_TYPES = new Set([
  'log.alert',
  'packet.rejected',
  'case.auto-declined',
  'packet.expired',
  'directory.refused',
  'case.fork',
]);

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Start the console.
 *
 * @example
 * const running = await startConsole({ device, databasePath: join(dir, 'console.sqlite') });
 * console.log(`open ${running.url}`);
 */
export async function startConsole(o: StartConsoleOptions): Promise<RunningConsole> {
  const now = o.now ?? (() => new Date());
  const host = o.host ?? '127.0.0.1';
  const db = await ConsoleDatabase.open(o.databasePath);
  const live = new LiveHub();
  const config: ConsoleConfig = {
    origins: [],
    hosts: [],
    secure: false,
    idleMs: (o.idleMinutes ?? 20) * 60_000,
    maxSessionMs: 12 * 3600_000,
    lockAfter: o.lockAfter ?? 5,
    lockMs: (o.lockMinutes ?? 15) * 60_000,
  };
  const { device } = o;
  let lastError: string | null = null;
  const runner = new DeviceRunner({
    client: device.client,
    relay: new RelayClient({
      baseUrl: device.relayUrl,
      audience: device.audience,
      key: device.identity.key,
      // The console's clock signs its tokens too, as the client's does.
      now,
    }),
    syncEveryMs: (o.syncSeconds ?? 60) * 1000,
    now,
    onEvent: async (event: ClientEvent) => {
      if (ALERT_TYPES.has(event.type)) {
        const code = typeof event.data.code === 'string' ? event.data.code : null;
        await db.addAlert({ at: event.at, type: event.type, code, caseId: event.caseId });
      }
      const referral =
        event.type === 'packet.applied' &&
        event.data.packetType === 'referral' &&
        event.data.direction === 'in';
      live.publish(referral ? 'referral' : 'update');
    },
    onSynced: () => {
      // The footer shows the connection: pages refresh when it changes, not after every sync.
      if (runner.status.lastError !== lastError) {
        lastError = runner.status.lastError;
        live.publish('update');
      }
    },
  });
  const deps: ConsoleDeps = {
    client: device.client,
    store: device.store,
    identity: device.identity,
    agreement: device.agreement,
    deviceName: device.name,
    relayUrl: device.relayUrl,
    db,
    runner,
    live,
    config,
    now,
    drafts: new Map<string, ReferralDraft>(),
  };
  const app = createConsoleApp(deps);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: o.port ?? 8788 }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  let url: string;
  if (o.publicUrl) {
    const pub = new URL(o.publicUrl);
    config.origins.push(pub.origin);
    config.hosts.push(pub.host);
    config.secure = pub.protocol === 'https:';
    url = pub.origin;
  } else {
    const names = new Set(['127.0.0.1', 'localhost']);
    if (!LOOPBACK.has(host) && host !== '0.0.0.0' && host !== '::')
      names.add(host.includes(':') ? `[${host}]` : host);
    for (const name of names) {
      config.hosts.push(`${name}:${port}`);
      config.origins.push(`http://${name}:${port}`);
    }
    url = `http://127.0.0.1:${port}`;
  }
  runner.start();
  // Sessions that ended are removed, with their drafts (which only ever live in memory).
  const purge = setInterval(() => {
    const t = now().getTime();
    void db
      .purgeSessions(new Date(t - config.idleMs), new Date(t - config.maxSessionMs))
      .then(async () => {
        for (const id of deps.drafts.keys()) if (!(await db.getSession(id))) deps.drafts.delete(id);
      })
      .catch(() => {});
  }, 5 * 60_000);
  purge.unref();
  return {
    url,
    port,
    db,
    async close() {
      clearInterval(purge);
      await runner.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await db.close();
    },
  };
}
