/**
 * The connect timeout of the relay's PostgreSQL connections (POSTGRES_CONNECT_TIMEOUT_MS, shortened
 * here): against a host that accepts connections and never answers, the pool fails as an unreachable
 * database (database-failure.ts), through either form of its `connect`; the LISTEN connection, which
 * shares the pool's configuration, gives up on such a host and reconnects once PostgreSQL answers again.
 */
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseUrl } from '../../../../test/support/databases.js';
import { Logger } from '../../logging/index.js';
import type { Database } from '../database.js';
import { databaseFailure } from '../database-failure.js';
import { openDatabase } from '../open-database.js';
import { INBOX_CHANNEL, PostgresInboxNotifier } from './postgres-inbox-notifier.js';

const TIMEOUT_MS = 300;

/** A TCP server on 127.0.0.1 that forwards to `target`, or while `blackHole` reads and never answers. */
interface Proxy {
  port: number;
  blackHole: boolean;
  /** Close every connection made so far. */
  cut(): void;
  close(): Promise<void>;
}

async function startProxy(target?: { host: string; port: number }): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };
  const server: Server = createServer((socket) => {
    track(socket);
    if (proxy.blackHole || !target) {
      socket.resume();
      return;
    }
    const upstream = connect(target.port, target.host);
    track(upstream);
    socket.pipe(upstream).pipe(socket);
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: Proxy = {
    port: (server.address() as AddressInfo).port,
    blackHole: target === undefined,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        proxy.cut();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

async function until(done: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('PostgreSQL that accepts connections and never answers', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function blackHoleDatabase(poolSize?: number): Promise<Database> {
    const hole = await startProxy();
    cleanups.push(() => hole.close());
    const database = await openDatabase(`postgres://postgres@127.0.0.1:${hole.port}/brygga`, {
      migrate: false,
      connectTimeoutMs: TIMEOUT_MS,
      ...(poolSize ? { poolSize } : {}),
    });
    cleanups.push(() => database.close());
    return database;
  }

  /** What `work` rejects with, and when; it must settle within a few timeouts. */
  async function failure(work: () => Promise<unknown>): Promise<unknown> {
    const t0 = performance.now();
    const err = await work().then(
      () => new Error('expected a failure'),
      (e: unknown) => e,
    );
    expect(performance.now() - t0).toBeLessThan(TIMEOUT_MS + 2000);
    return err;
  }

  it('is unreachable (ETIMEDOUT) for a query through Kysely, the promise form of connect', {
    timeout: 10_000,
  }, async () => {
    const database = await blackHoleDatabase();
    const err = await failure(() => sql`select 1`.execute(database.db));
    expect(err).toMatchObject({ code: 'ETIMEDOUT' });
    expect(databaseFailure(err)).toMatchObject({ kind: 'unreachable', log: 'database unreachable' });
  });

  it("is unreachable (ETIMEDOUT) for the pool's own queries, the callback form of connect", {
    timeout: 10_000,
  }, async () => {
    const database = await blackHoleDatabase();
    for (const err of [
      await failure(() => database.directoryHead()),
      await failure(() => database.queuedBytes('unit', 'device', 0)),
    ]) {
      expect(err).toMatchObject({ code: 'ETIMEDOUT' });
      expect(databaseFailure(err)?.kind).toBe('unreachable');
    }
  });

  it('is unreachable (ETIMEDOUT) for a request waiting for a pooled connection', {
    timeout: 10_000,
  }, async () => {
    const database = await blackHoleDatabase(1);
    // The first query starts the pool's one connection; the second waits for it.
    const errors = await Promise.all([
      failure(() => sql`select 1`.execute(database.db)),
      failure(() => database.directoryHead()),
    ]);
    expect(errors.map((e) => (e as Error).message).sort()).toEqual([
      'Connection terminated due to connection timeout',
      'timeout exceeded when trying to connect',
    ]);
    for (const err of errors) expect(databaseFailure(err)?.kind).toBe('unreachable');
  });

  it('fails the LISTEN connection within the timeout', { timeout: 10_000 }, async () => {
    const database = await blackHoleDatabase();
    const notifier = new PostgresInboxNotifier(database.pgConfig!, new Logger({ level: 'silent' }));
    cleanups.push(() => notifier.close());
    await failure(() => notifier.start());
  });

  it('reconnects the LISTEN connection, cut and failing to reconnect meanwhile, once PostgreSQL answers', {
    timeout: 20_000,
  }, async () => {
    const url = new URL(databaseUrl());
    const proxy = await startProxy({ host: url.hostname, port: Number(url.port || 5432) });
    cleanups.push(() => proxy.close());
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const database = await openDatabase(proxied.toString(), { migrate: false, connectTimeoutMs: TIMEOUT_MS });
    cleanups.push(() => database.close());
    const lines: { msg: string; errorMessage?: string }[] = [];
    const logger = new Logger({ level: 'warn', sink: (line) => lines.push(JSON.parse(line)) });
    const notifier = new PostgresInboxNotifier(database.pgConfig!, logger);
    cleanups.push(() => notifier.close());
    await notifier.start();
    const device = `connect-timeout-${process.pid}-${Date.now()}`;
    const wakes: string[] = [];
    notifier.subscribe(device, (reason) => wakes.push(reason));

    proxy.blackHole = true;
    proxy.cut();
    await until(
      () => lines.some((l) => l.msg === 'push connection failed; retrying'),
      5000,
      `a failed reconnection: ${JSON.stringify(lines)}`,
    );
    proxy.blackHole = false;
    await until(() => wakes.includes('resync'), 10_000, `the reconnection: ${JSON.stringify(lines)}`);

    const other = new pg.Client({ connectionString: url.toString() });
    await other.connect();
    await other.query('select pg_notify($1, $2)', [INBOX_CHANNEL, device]);
    await other.end();
    await until(() => wakes.includes('items'), 5000, 'a notification after the reconnection');
  });
});

describe('a PostgreSQL session ended while its connection is lent out', () => {
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  it('fails the statement that follows, not the process, and the pool goes on', async () => {
    database = await openDatabase(databaseUrl(), { migrate: false, poolSize: 2 });
    const admin = new pg.Client({ connectionString: databaseUrl() });
    await admin.connect();
    try {
      const outcome = database.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        // As a shutdown does (57P01), while this connection runs no statement.
        await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await sql`select 1`.execute(trx);
      });
      const refused = await outcome.then(
        () => undefined,
        (err: unknown) => err,
      );
      // An unreachable database (503), not a bug (500).
      expect(databaseFailure(refused)?.kind).toBe('unreachable');
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await admin.end();
    }
  });
});
