/**
 * Inbox wake-ups across relay processes on one PostgreSQL database (see ../inbox-notifier.ts):
 * `pg_notify` on channel {@link INBOX_CHANNEL} inside the writing transaction, which PostgreSQL delivers
 * only on commit, heard by a `LISTEN` connection in every process.
 */
import { sql } from 'kysely';
import type pg from 'pg';
import type { Logger } from '../../logging/index.js';
import type { WriteTransaction } from '../database.js';
import { type InboxNotifier, type WakeListener, WakeListeners } from '../inbox-notifier.js';

/** The PostgreSQL channel of inbox wake-ups; the payload is the device key id. */
export const INBOX_CHANNEL = 'brygga_inbox';

/** Cross-process wake-ups through PostgreSQL LISTEN/NOTIFY. */
export class PostgresInboxNotifier implements InboxNotifier {
  readonly #listeners = new WakeListeners();
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
    // pg is loaded when the first LISTEN connection is made: a relay on SQLite never loads it.
    const { default: pg } = await import('pg');
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
    if (attempt > 0) {
      this.#logger.info('push connection restored', { attempts: attempt });
      this.#listeners.wakeAll('resync');
    }
  }

  #scheduleReconnect(attempt: number): void {
    const delay = Math.min(5000, 100 * 2 ** attempt);
    this.#retry = setTimeout(() => {
      this.#connect(attempt + 1).catch((err: Error) => {
        if (this.#closed) return;
        // The first failed attempt of a spell is worth a warning; the retries (every few seconds while
        // the database is down) are summarised by the outage log of the requests failing meanwhile.
        this.#logger[attempt === 0 ? 'warn' : 'debug']('push connection failed; retrying', {
          attempt: attempt + 1,
          errorMessage: err.message.slice(0, 200),
        });
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
