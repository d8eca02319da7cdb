/**
 * Push (PROTOCOL.md §9: the event stream and long-polls): tells the streams and long-polls waiting on a
 * device's inbox that something arrived. A wake-up carries only the device key id; the waiting side lists
 * the inbox itself, so a lost or duplicated wake-up costs a query, never an item.
 *
 * One process: an in-memory emitter, fired after the write committed. PostgreSQL: `pg_notify` on channel
 * `brygga_inbox` inside the writing transaction (PostgreSQL delivers it only on commit), heard by a
 * `LISTEN` connection in every relay process, so a packet submitted to one process is pushed by another
 * (postgres/postgres-inbox-notifier.ts). When that connection is lost and re-established, every waiter is
 * told to `resync`.
 */
import type { WriteTransaction } from './database.js';

/** Why a waiter is woken: new items for its device, or possibly missed wake-ups. */
export type WakeReason = 'items' | 'resync';

/** A waiter's callback. */
export type WakeListener = (reason: WakeReason) => void;

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

/** The waiters of one process, by device: what every notifier wakes. */
export class WakeListeners {
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
  readonly #listeners = new WakeListeners();
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
