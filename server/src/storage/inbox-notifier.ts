/**
 * Push: tells the streams and long-polls waiting on a device's inbox that something
 * arrived. A wake-up carries only the device key id; the waiting side lists the inbox itself, so a lost
 * or duplicated wake-up costs a query, never an item.
 *
 * One process: an in-memory emitter, fired after the write committed. PostgreSQL: `pg_notify` on channel
 * `brygga_inbox` inside the writing transaction (PostgreSQL delivers it only on commit), heard by a
 * `LISTEN` connection in every relay process, so a packet submitted to one process is pushed by another.
 * When that connection is lost and re-established, every waiter is told to `resync`.
 */
import { sql } from 'kysely';
import pg from 'pg';
import type { Logger } from '../logging/index.js';
import type { Database, WriteTransaction } from './database.js';

/** Why a waiter is woken: new items for its device, or possibly missed wake-ups. */
export type WakeReason = 'items' | 'resync';

/** A waiter's callback. */
export type WakeListener = (reason: WakeReason) => void;

/** The PostgreSQL channel of inbox wake-ups; the payload is the device key id. */
export const INBOX_CHANNEL = 'brygga_inbox';

/** Wake-ups for inboxes. */
export interface InboxNotifier {
  /**
   * True when wake-ups travel through the database (inTransaction() sends them). Prepared writes that
   * do not run a Kysely transaction (prepared-writes.ts) then send them from their own statement.
   */
  readonly notifiesInTransaction: boolean;
  /** Inside the transaction that added items for `devices`. */
  inTransaction(trx: WriteTransaction, devices: readonly string[]): Promise<void>;
  /** After that transaction committed. */
  afterCommit(devices: readonly string[]): void;
  /** Listen for wake-ups of `device`; returns the function that stops listening. */
  subscribe(device: string, listener: WakeListener): () => void;
  /** Number of current listeners (for tests and shutdown). */
  readonly listeners: number;
  start(): Promise<void>;
  close(): Promise<void>;
}

class Listeners {
  readonly #byDevice = new Map<string, Set<WakeListener>>();
  count = 0;

  add(device: string, listener: WakeListener): () => void {
    let set = this.#byDevice.get(device);
    if (!set) this.#byDevice.set(device, (set = new Set()));
    set.add(listener);
    this.count++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      set.delete(listener);
      this.count--;
      if (set.size === 0) this.#byDevice.delete(device);
    };
  }

  wake(device: string, reason: WakeReason): void {
    for (const l of [...(this.#byDevice.get(device) ?? [])]) l(reason);
  }

  wakeAll(reason: WakeReason): void {
    for (const device of [...this.#byDevice.keys()]) this.wake(device, reason);
  }
}

/** In-process wake-ups (SQLite, or a single process). */
export class MemoryInboxNotifier implements InboxNotifier {
  readonly #listeners = new Listeners();
  readonly notifiesInTransaction = false;

  async inTransaction(): Promise<void> {}

  afterCommit(devices: readonly string[]): void {
    for (const d of new Set(devices)) this.#listeners.wake(d, 'items');
  }

  subscribe(device: string, listener: WakeListener): () => void {
    return this.#listeners.add(device, listener);
  }

  get listeners(): number {
    return this.#listeners.count;
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {}
}

/** Cross-process wake-ups through PostgreSQL LISTEN/NOTIFY. */
export class PostgresInboxNotifier implements InboxNotifier {
  readonly #listeners = new Listeners();
  readonly notifiesInTransaction = true;
  readonly #config: pg.ClientConfig;
  readonly #logger: Logger;
  #client: pg.Client | undefined;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;
  #ready: Promise<void> | undefined;

  constructor(config: pg.ClientConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
  }

  async inTransaction(trx: WriteTransaction, devices: readonly string[]): Promise<void> {
    const unique = [...new Set(devices)];
    if (unique.length === 0) return;
    await sql`select pg_notify(${INBOX_CHANNEL}, d) from unnest(${unique}::text[]) as d`.execute(trx);
  }

  afterCommit(): void {}

  subscribe(device: string, listener: WakeListener): () => void {
    return this.#listeners.add(device, listener);
  }

  get listeners(): number {
    return this.#listeners.count;
  }

  /** Connect the LISTEN connection; resolves once it listens. */
  start(): Promise<void> {
    this.#ready ??= this.#connect();
    return this.#ready;
  }

  async #connect(attempt = 0): Promise<void> {
    const client = new pg.Client(this.#config);
    client.on('notification', (n) => {
      if (n.channel === INBOX_CHANNEL && n.payload) this.#listeners.wake(n.payload, 'items');
    });
    const lost = (err?: Error) => {
      if (this.#client !== client) return;
      this.#client = undefined;
      client.end().catch(() => {});
      if (this.#closed) return;
      this.#logger.warn('push connection lost; reconnecting', { errorMessage: err?.message?.slice(0, 200) });
      this.#scheduleReconnect(0);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${INBOX_CHANNEL}`);
    } catch (err) {
      client.end().catch(() => {});
      throw err;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    // Wake-ups may have been missed while no connection listened.
    if (attempt > 0) this.#listeners.wakeAll('resync');
  }

  #scheduleReconnect(attempt: number): void {
    const delay = Math.min(5000, 100 * 2 ** attempt);
    this.#retry = setTimeout(() => {
      this.#connect(attempt + 1).catch((err: Error) => {
        if (this.#closed) return;
        this.#logger.warn('push connection failed; retrying', { errorMessage: err.message.slice(0, 200) });
        this.#scheduleReconnect(attempt + 1);
      });
    }, delay);
    this.#retry.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }
}

/** The notifier that suits `database`. */
export function createInboxNotifier(database: Database, logger: Logger): InboxNotifier {
  return database.engine === 'postgres' && database.pgConfig
    ? new PostgresInboxNotifier(database.pgConfig, logger)
    : new MemoryInboxNotifier();
}
