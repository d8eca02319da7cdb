/**
 * Internal: how the client changes its store (PROTOCOL.md §13.3–13.4). Every change runs in one store
 * transaction together with the events it records; listeners hear of the events, and in-memory updates
 * are made, only once the transaction has committed, so an event never describes a change that did not
 * happen and no change goes unrecorded. The case system also reads the events from the store, at least
 * once: {@link ChangeRecorder.stream} deletes an event only when the next one is asked for.
 */
import type { BryggaStore } from '../store/brygga-store.js';
import type { ClientEvent, ClientEventListener, ClientEventType } from './client-events.js';

/** What one transaction produced that must wait for its commit: events to announce, in-memory updates. */
export interface Pending {
  events: ClientEvent[];
  after: (() => void)[];
}

/** A device's change recorder; see the module header. */
export class ChangeRecorder {
  readonly #store: BryggaStore;
  readonly #now: () => Date;
  readonly #listeners = new Set<ClientEventListener>();
  /** Streams waiting for the next event. */
  readonly #wakers = new Set<() => void>();

  constructor(store: BryggaStore, now: () => Date) {
    this.#store = store;
    this.#now = now;
  }

  /** Run `work` in one transaction; announce its events and run its after-commit steps once committed. */
  async record<T>(work: (tx: BryggaStore, pending: Pending) => Promise<T>): Promise<T> {
    const pending: Pending = { events: [], after: [] };
    const result = await this.#store.transaction((tx) => work(tx, pending));
    for (const f of pending.after) f();
    for (const e of pending.events) {
      for (const l of this.#listeners) {
        try {
          l(e);
        } catch {
          // A listener's failure is its own; the event stays in the store.
        }
      }
    }
    if (pending.events.length > 0) for (const w of [...this.#wakers]) w();
    return result;
  }

  /** Record an event in `tx`, to be announced after its commit. */
  async emit(
    tx: BryggaStore,
    pending: Pending,
    type: ClientEventType,
    caseId: string | null,
    data: Record<string, unknown>,
  ): Promise<void> {
    const at = this.#now().toISOString();
    const seq = await tx.addEvent(type, caseId, JSON.stringify(data), at);
    pending.events.push({ seq, type, caseId, at, data });
  }

  /** Call `listener` with every event after its transaction commits. Returns an unsubscribe. */
  subscribe(listener: ClientEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Events not yet consumed, oldest first. */
  async unconsumed(limit: number): Promise<ClientEvent[]> {
    return (await this.#store.listEvents(0, limit)).map((e) => ({
      seq: e.seq,
      type: e.type as ClientEventType,
      caseId: e.caseId,
      at: e.createdAt,
      data: JSON.parse(e.data) as Record<string, unknown>,
    }));
  }

  /** Mark events up to and including `seq` as consumed. */
  async consume(seq: number): Promise<void> {
    await this.#store.deleteEventsThrough(seq);
  }

  /** The stored events, waiting for new ones until `signal` aborts; each consumed when the next is asked for. */
  async *stream(signal?: AbortSignal): AsyncGenerator<ClientEvent> {
    let last = 0;
    while (!signal?.aborted) {
      if (last > 0) await this.consume(last);
      const [next] = await this.unconsumed(1);
      if (next) {
        last = next.seq;
        yield next;
        continue;
      }
      last = 0;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#wakers.delete(wake);
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.#wakers.add(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }
}
