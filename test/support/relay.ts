/**
 * A relay for tests: the real application on a fresh database of either engine, with an
 * injected clock, built on the three-city world of ./fixtures.ts (extended here with a second device for
 * Stockholm and Malmö, so "every recipient device" means more than one). Requests go through
 * `app.request()`; `client()` gives the SDK's RelayClient wired to the same app.
 */
import { setMaxListeners } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createRelayToken,
  Envelope,
  type EnvelopeHeader,
  RelayClient,
  type SigningKeyPair,
  toBase64url,
} from '@brygga/client-sdk';
import {
  type AppDeps,
  createApp,
  createInboxNotifier,
  DEFAULT_CONFIG,
  DirectoryStore,
  defaultLogOrigin,
  Logger,
  RelayStore,
  TransparencyLogIntegrator,
  TransparencyLogKey,
  TransparencyLogStore,
} from '@brygga/server';
import { serve } from '@hono/node-server';
import { countRows, openTestDatabase, type TestDatabase } from './databases.js';
import { makeDevice, makeWorld, type TestDevice, type World } from './fixtures.js';

/** The relay's public URL in tests: the token audience. */
export const AUDIENCE = 'https://brygga.test';

/** The admin token in tests. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghijklmnop';

/** A mutable clock (milliseconds). */
export class TestClock {
  now: number;

  constructor(start: number) {
    this.now = start;
  }

  advance(ms: number): void {
    this.now += ms;
  }

  get date(): Date {
    return new Date(this.now);
  }
}

/** The three-city world plus a second device for Stockholm and Malmö. */
export interface RelayWorld extends World {
  /** Every device: `devices[unit]` and the second ones. */
  all: TestDevice[];
  second: { 'stockholm-jarva': TestDevice; malmo: TestDevice };
}

/** Build the world (statements in the order they must be applied). */
export function makeRelayWorld(): RelayWorld {
  const world = makeWorld();
  const second = {
    'stockholm-jarva': makeDevice(
      'stockholm-jarva',
      world.roots['stockholm-jarva'],
      world.now,
      'Järva samordnare',
    ),
    malmo: makeDevice('malmo', world.roots.malmo, world.now, 'Malmö samordnare'),
  };
  for (const d of Object.values(second)) {
    world.statements.push(d.enrolment, ...d.publications);
    world.directory.applyAll([d.enrolment, ...d.publications]);
  }
  const all = [...Object.values(world.devices), ...Object.values(second)];
  return { ...world, all, second };
}

/** Options of {@link startTestRelay}. */
export interface TestRelayOptions {
  /** Install the agreement (default true). */
  agreement?: boolean;
  /** Submit every statement of the world (default true). */
  enrol?: boolean;
  config?: Partial<AppDeps['config']>;
  /** Collect log lines here. */
  logs?: string[];
  /** Unexpired HPKE keys a device may have (the relay's default when absent). */
  maxHpkeKeysPerDevice?: number;
  /** A file-backed SQLite database instead of `:memory:`. */
  file?: boolean;
  world?: RelayWorld;
  /** Options of the transparency log's integrator (its interval runs; `flush()` it to be sure). */
  log?: { mergeDelayMs?: number; roundSize?: number };
  /** The log's signing key (default: the database's own); two relays given one key can show a split view. */
  logKey?: TransparencyLogKey;
  /** The client's address as the relay sees it (default: `local`, not a loopback address). */
  clientAddress?: AppDeps['clientAddress'];
}

/** A relay under test. */
export interface TestRelay {
  engine: TestDatabase['engine'];
  db: TestDatabase;
  deps: AppDeps;
  app: ReturnType<typeof createApp>;
  world: RelayWorld;
  clock: TestClock;
  shutdown: AbortController;
  /**
   * The transparency log (PROTOCOL.md §18). Rounds run on their own shortly after each commit;
   * `await relay.transparency.flush()` takes in everything committed so far and gives the tree size.
   */
  transparency: TransparencyLogIntegrator;
  /** `app.request` with the relay's base URL. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A fresh token of `device` at the relay's current time. */
  token(device: TestDevice | SigningKeyPair, options?: { lifetimeSeconds?: number; now?: Date }): string;
  /** Headers with a fresh token of `device`. */
  auth(device: TestDevice, extra?: Record<string, string>): Record<string, string>;
  /** The SDK client of `device`, talking to this relay. */
  client(device?: TestDevice): RelayClient;
  /** Row counts of every table; `tokens` counts the token ids held, rows or (SQLite) memory. */
  rows(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

function keyOf(device: TestDevice | SigningKeyPair): SigningKeyPair {
  return 'key' in device && 'unit' in device ? device.key : (device as SigningKeyPair);
}

/** Start a relay on a fresh database of `engine`. */
export async function startTestRelay(
  engine: TestDatabase['engine'],
  options: TestRelayOptions = {},
): Promise<TestRelay> {
  const world = options.world ?? makeRelayWorld();
  const clock = new TestClock(world.now.getTime() + 60_000);
  const db = await openTestDatabase(engine, { file: options.file });
  const logs = options.logs;
  const logger = new Logger({ level: logs ? 'debug' : 'silent', sink: (line) => logs?.push(line) });
  const notifier = createInboxNotifier(db.database, logger);
  await notifier.start();
  const now = () => clock.now;
  const directory = new DirectoryStore(db.database, {
    now,
    logger,
    maxHpkeKeysPerDevice: options.maxHpkeKeysPerDevice,
  });
  const store = new RelayStore(db.database, notifier, {
    noticeTtlMs: DEFAULT_CONFIG.noticeTtlSeconds * 1000,
    now,
  });
  const shutdown = new AbortController();
  // As in the relay (server/src/relay.ts): every waiting request listens for the shutdown.
  setMaxListeners(0, shutdown.signal);
  const logKey =
    options.logKey ??
    (await TransparencyLogKey.load(db.database, { origin: defaultLogOrigin(AUDIENCE), now: now() }));
  const transparency = new TransparencyLogIntegrator(
    new TransparencyLogStore(db.database, { key: logKey, now }),
    {
      logger,
      ...options.log,
    },
  );
  const deps: AppDeps = {
    database: db.database,
    store,
    directory,
    notifier,
    transparency,
    logger,
    now,
    shutdown: shutdown.signal,
    clientAddress: options.clientAddress,
    config: {
      publicUrl: AUDIENCE,
      adminToken: ADMIN_TOKEN,
      maxEnvelopeBytes: DEFAULT_CONFIG.maxEnvelopeBytes,
      maxRecipients: DEFAULT_CONFIG.maxRecipients,
      ratePerMinute: DEFAULT_CONFIG.ratePerMinute,
      statementRatePerMinute: 100_000,
      packetTtlSeconds: DEFAULT_CONFIG.packetTtlSeconds,
      heartbeatSeconds: DEFAULT_CONFIG.heartbeatSeconds,
      maxQueuedBytesPerDevice: DEFAULT_CONFIG.maxQueuedBytesPerDevice,
      maxQueuedBytesPerUnit: DEFAULT_CONFIG.maxQueuedBytesPerUnit,
      ...options.config,
    },
  };
  const app = createApp(deps);
  const request = async (path: string, init?: RequestInit) => app.request(`${AUDIENCE}${path}`, init);
  const token = (device: TestDevice | SigningKeyPair, o: { lifetimeSeconds?: number; now?: Date } = {}) =>
    createRelayToken(keyOf(device), AUDIENCE, {
      now: o.now ?? clock.date,
      lifetimeSeconds: o.lifetimeSeconds,
    });
  const relay: TestRelay = {
    engine,
    db,
    deps,
    app,
    world,
    clock,
    shutdown,
    transparency,
    request,
    token,
    auth: (device, extra = {}) => ({ authorization: `Bearer ${token(device)}`, ...extra }),
    client: (device) =>
      new RelayClient({
        baseUrl: AUDIENCE,
        ...(device ? { key: device.key } : {}),
        now: () => clock.date,
        fetch: async (input, init) => app.request(input, init),
      }),
    rows: async () => {
      // Token ids held: rows on PostgreSQL, memory on SQLite (PROTOCOL.md §8), counted alike.
      const rows = await countRows(db.database);
      return { ...rows, tokens: rows.tokens + store.tokenIdsInMemory };
    },
    async close() {
      shutdown.abort();
      await transparency.stop();
      await notifier.close();
      await db.drop();
    },
  };
  await transparency.flush();
  transparency.start();
  if (options.agreement !== false) {
    const res = await request('/v1/admin/agreements', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: world.agreement.serialize(),
    });
    if (res.status !== 201) throw new Error(`agreement not installed: ${res.status} ${await res.text()}`);
    if (options.enrol !== false) {
      for (const jws of world.statements) {
        const r = await request('/v1/directory/statements', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jws }),
        });
        if (r.status !== 201) throw new Error(`statement not accepted: ${r.status} ${await r.text()}`);
      }
    }
  }
  return relay;
}

/** A packet id: 16 random bytes, base64url. */
export function packetId(): string {
  return toBase64url(crypto.getRandomValues(new Uint8Array(16)));
}

/**
 * An envelope from `sender` to `recipients` with random key entries and ciphertext: structurally valid,
 * which is all the relay can check (it never decrypts). `tweak` may alter the header before encoding.
 */
export function makeEnvelope(
  sender: TestDevice,
  recipients: readonly TestDevice[],
  options: { id?: string; payload?: number; tweak?: (h: EnvelopeHeader) => void } = {},
): Envelope {
  const header: EnvelopeHeader = {
    v: 1,
    id: options.id ?? packetId(),
    sender: { unit: sender.unit, device: sender.key.kid },
    recipients: recipients.map((r) => ({ unit: r.unit, device: r.key.kid, key: r.hpke[0]!.kid })),
    nonce: toBase64url(crypto.getRandomValues(new Uint8Array(24))),
  };
  options.tweak?.(header);
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const entries = recipients.map(() => crypto.getRandomValues(new Uint8Array(80)));
  const ciphertext = new Uint8Array(options.payload ?? 4112);
  for (let i = 0; i < ciphertext.length; i += 65536) {
    crypto.getRandomValues(ciphertext.subarray(i, Math.min(ciphertext.length, i + 65536)));
  }
  return new Envelope(headerBytes, entries, ciphertext);
}

/** POST an envelope as `device`. */
export function submit(relay: TestRelay, device: TestDevice, body: Uint8Array | Envelope): Promise<Response> {
  const bytes = body instanceof Envelope ? body.serialize() : body;
  return relay.request('/v1/packets', {
    method: 'POST',
    headers: relay.auth(device, { 'content-type': 'application/vnd.brygga.envelope' }),
    body: bytes as Uint8Array<ArrayBuffer>,
  });
}

/** The problem type of a response (and its status), checking it is problem+json. */
export async function problemOf(res: Response): Promise<{ status: number; type: string; detail: string }> {
  const contentType = res.headers.get('content-type') ?? '';
  if (!contentType.startsWith('application/problem+json')) {
    throw new Error(`expected a problem, got ${res.status} ${contentType}: ${await res.text()}`);
  }
  const body = (await res.json()) as { type: string; status: number; detail: string };
  if (body.status !== res.status) throw new Error('problem status differs from the HTTP status');
  return { status: res.status, type: body.type.replace('urn:brygga:problem:', ''), detail: body.detail };
}

/** Serve `relay` on a real loopback socket (port 0: a free port). */
export async function listen(relay: TestRelay): Promise<{ url: string; close: () => Promise<void> }> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: relay.app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
    s.once('error', reject);
    s.once('listening', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The SDK client of `device` talking to `url` over the network (audience: the relay's public URL). */
export function networkClient(relay: TestRelay, url: string, device: TestDevice): RelayClient {
  return new RelayClient({ baseUrl: url, audience: AUDIENCE, key: device.key, now: () => relay.clock.date });
}
