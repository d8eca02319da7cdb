/**
 * Live updates for open pages: the device runner tells the hub that something changed, and the hub
 * tells every open page (over the console's own server-sent events, `/handelser`) to fetch its live
 * parts again. An event carries only its kind, never content or a case id: the page asks again, as the
 * signed-in user, and sees what that user may see.
 */
import type { Role } from './console-database.js';

/** What happened: something changed, or a new referral arrived (the page may show a notification). */
export type LiveKind = 'update' | 'referral';

interface Subscriber {
  role: Role;
  send(kind: LiveKind): void;
}

/** The open pages. */
export class LiveHub {
  readonly #subscribers = new Set<Subscriber>();

  /** Add an open page; returns the function that removes it. */
  subscribe(role: Role, send: (kind: LiveKind) => void): () => void {
    const s: Subscriber = { role, send };
    this.#subscribers.add(s);
    return () => this.#subscribers.delete(s);
  }

  /** Tell every open page. A new referral is news only to those who see cases. */
  publish(kind: LiveKind): void {
    for (const s of this.#subscribers) {
      s.send(kind === 'referral' && s.role === 'admin' ? 'update' : kind);
    }
  }

  get size(): number {
    return this.#subscribers.size;
  }
}
