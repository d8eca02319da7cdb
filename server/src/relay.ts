/**
 * Running the relay: open and migrate the database, install a pre-seeded agreement,
 * serve the app with @hono/node-server, sweep expired items, and shut down gracefully: stop accepting,
 * answer waiting long-polls, close event streams, let in-flight requests finish (up to a deadline), then
 * close the database.
 *
 * Used by main.ts and by tests that need a real socket (port 0 picks a free port).
 */
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isBryggaError, parseJson } from '@brygga/client-sdk';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { createApp } from './app.js';
import { answerClientErrors, createCheckedServer } from './client-error.js';
import { ConfigError, type RelayConfig } from './config.js';
import { errorFields, Logger, type OutageLog } from './logging/index.js';
import type { RelayEnv } from './routes/index.js';
import {
  createInboxNotifier,
  type Database,
  DirectoryStore,
  databaseOutageLog,
  defaultLogOrigin,
  fixLogOrigin,
  openDatabase,
  RelayStore,
  Sweeper,
  TransparencyLogIntegrator,
  TransparencyLogKey,
  TransparencyLogStore,
} from './storage/index.js';

/** A running relay. */
export interface RunningRelay {
  /** Where it listens, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** The public URL every token must name: the configured one, else {@link url}. */
  publicUrl: string;
  /** The transparency log's origin (stored at the first start, PROTOCOL.md §18.3). */
  logOrigin: string;
  host: string;
  port: number;
  app: Hono<RelayEnv>;
  database: Database;
  directory: DirectoryStore;
  store: RelayStore;
  sweeper: Sweeper;
  /** The transparency log's integrator (and through it, its store). */
  transparency: TransparencyLogIntegrator;
  /** Graceful shutdown; resolves when everything is closed. */
  close(): Promise<void>;
}

/** Options of {@link startRelay}. */
export interface StartOptions {
  logger?: Logger;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/**
 * Install the agreement in `path` unless it is installed already. A file that cannot be read, or that
 * the directory refuses (not Brygga JSON, unsigned, a signature that does not verify), is the
 * operator's to fix: a {@link ConfigError} naming the file and the reason.
 */
async function installAgreementFile(directory: DirectoryStore, path: string, logger: Logger): Promise<void> {
  let document: unknown;
  try {
    // Brygga JSON (PROTOCOL.md §1.1): a duplicate member anywhere in the file refuses it.
    document = parseJson(readFileSync(path));
  } catch (err) {
    throw new ConfigError(
      `the agreement file ${path} cannot be read as Brygga JSON: ${(err as Error).message}`,
    );
  }
  let installed: Awaited<ReturnType<DirectoryStore['installAgreement']>>;
  try {
    installed = await directory.installAgreement(document);
  } catch (err) {
    if (!isBryggaError(err)) throw err;
    throw new ConfigError(`the agreement file ${path} is refused (${err.code}): ${err.message}`);
  }
  const { created, digest, sequence } = installed;
  logger.info(created ? 'agreement installed' : 'agreement already installed', { digest, sequence });
}

type FetchHandler = Hono<RelayEnv>['fetch'];

function listen(fetch: FetchHandler, config: RelayConfig): Promise<Server> {
  return new Promise((resolve, reject) => {
    // How long a request may take to arrive (config.ts), checked every second rather than Node's 30 s,
    // so a client dribbling its headers is cut close to the limit; Node's own refusals as problems.
    const serverOptions = {
      headersTimeout: config.headersTimeoutSeconds * 1000,
      requestTimeout: config.requestTimeoutSeconds * 1000,
      connectionsCheckingInterval: 1000,
    };
    const server = serve({
      fetch,
      hostname: config.host,
      port: config.port,
      serverOptions,
      createServer: createCheckedServer,
    }) as Server;
    answerClientErrors(server);
    // Announced as `Keep-Alive: timeout=N`: clients let go of an idle connection before the relay does.
    server.keepAliveTimeout = config.keepAliveSeconds * 1000;
    // A connection beyond the cap is closed as it arrives (config.ts, PROTOCOL.md §9).
    server.maxConnections = config.maxConnections;
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Start the relay described by `config`. */
export async function startRelay(config: RelayConfig, options: StartOptions = {}): Promise<RunningRelay> {
  const logger = options.logger ?? new Logger({ level: config.logLevel });
  const now = options.now ?? Date.now;
  // Set once the store exists; a pool error before then is logged as it is.
  let outages: OutageLog | undefined;
  const database = await openDatabase(config.database, {
    poolSize: config.pgPoolSize,
    // The writer thread starts while the database migrates; serving waits for its first log round below.
    startWriterThread: true,
    onPoolError: (err) => {
      const fields = { during: 'idle pool connection', ...errorFields(err) };
      if (outages) outages.failure('database unreachable', fields);
      else logger.warn('database connection lost', fields);
    },
  });
  const notifier = createInboxNotifier(database, logger);
  let server: Server | undefined;
  try {
    await notifier.start();
    const directory = new DirectoryStore(database, {
      now,
      logger,
      maxHpkeKeysPerDevice: config.maxHpkeKeysPerDevice,
    });
    const store = new RelayStore(database, notifier, {
      noticeTtlMs: config.noticeTtlSeconds * 1000,
      now,
      logger,
    });
    outages = databaseOutageLog(logger, database, store);
    if (config.agreementFile) await installAgreementFile(directory, config.agreementFile, logger);
    // The socket first: without a configured public URL, the default is the address actually listened
    // on (with port 0, the port the system picked). Requests that arrive before the app is built wait
    // for it.
    let built: ((app: Hono<RelayEnv>) => void) | undefined;
    let failed: ((err: Error) => void) | undefined;
    const ready = new Promise<Hono<RelayEnv>>((resolve, reject) => {
      built = resolve;
      failed = reject;
    });
    ready.catch(() => {});
    server = await listen((request, env) => ready.then((app) => app.fetch(request, env)), config);
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    const publicUrl = config.publicUrl ?? url;
    const { transparency, shutdown } = await (async () => {
      try {
        const fixed = await fixLogOrigin(database, config.logOrigin ?? defaultLogOrigin(publicUrl), now());
        if (fixed.ignored !== undefined) {
          // PROTOCOL.md §18.3: the origin names the log's key, which devices have pinned.
          logger.warn('transparency log origin kept', {
            origin: fixed.origin,
            configured: fixed.ignored,
            detail:
              'the log keeps the origin stored at its first start; to change it: brygga-relay log-origin set <origin> --confirm, then every device runs brygga log repin',
          });
        }
        const logKey = await TransparencyLogKey.load(database, {
          origin: fixed.origin,
          file: config.logKeyFile,
          now: now(),
        });
        const integrator = new TransparencyLogIntegrator(
          new TransparencyLogStore(database, { key: logKey, now }),
          { logger, outages, mergeDelayMs: config.logMergeDelayMs },
        );
        const stopping = new AbortController();
        // Every waiting long-poll and open event stream listens for the shutdown (and stops listening
        // when it ends): many at once is normal, not a leak.
        setMaxListeners(0, stopping.signal);
        // Built (its request schemas compiled) while the writer thread may still be starting.
        const app = createApp({
          database,
          store,
          directory,
          notifier,
          transparency: integrator,
          logger,
          outages,
          config: { ...config, publicUrl },
          now,
          shutdown: stopping.signal,
        });
        // The first round before serving: a fresh log has its empty checkpoint before anyone asks for it,
        // and on a SQLite file the writer thread has committed once before the first request is served.
        await integrator.flush();
        built!(app);
        return { transparency: integrator, shutdown: stopping };
      } catch (err) {
        failed!(err as Error);
        throw err;
      }
    })();
    const app = await ready;
    transparency.start();
    const sweeper = new Sweeper(store, { now, logger, intervalMs: config.sweepSeconds * 1000 });
    sweeper.start();
    let closing: Promise<void> | undefined;
    const running: RunningRelay = {
      url,
      publicUrl,
      logOrigin: transparency.store.key.origin,
      host: address.address,
      port: address.port,
      app,
      database,
      directory,
      store,
      sweeper,
      transparency,
      close() {
        closing ??= (async () => {
          const s = server!;
          const closed = new Promise<void>((resolve) => s.close(() => resolve()));
          shutdown.abort();
          const idle = setInterval(() => s.closeIdleConnections(), 50);
          const deadline = setTimeout(() => s.closeAllConnections(), config.shutdownSeconds * 1000);
          await closed;
          clearInterval(idle);
          clearTimeout(deadline);
          await sweeper.stop();
          await transparency.stop();
          await notifier.close();
          outages?.close();
          await database.close();
        })();
        return closing;
      },
    };
    return running;
  } catch (err) {
    server?.close();
    await notifier.close().catch(() => {});
    await database.close().catch(() => {});
    throw err;
  }
}
