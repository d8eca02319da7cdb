/**
 * Replay protection for relay tokens without a durable row per request (PROTOCOL.md §8, "Replay
 * protection"), for a relay that is one process (SQLite): token ids live in memory for as long as their
 * token could be accepted, and one durable number per device, its token ceiling, keeps a restart from
 * accepting a token used before it.
 *
 * The invariant: every token accepted has `iat` at or below its device's ceiling as committed. A token
 * whose `iat` is above the ceiling is accepted only after the ceiling has been raised durably (to
 * `iat + CEILING_STEP_SECONDS`, so a device writes at most once per step, not once per request). After a
 * restart the memory is empty, so every token at or below the ceiling read at start, which holds every
 * token accepted before the restart, is refused as possibly used; tokens above it are new to the
 * database and checked against memory from then on. A device's fresh tokens pass again once its clock
 * has moved past its ceiling: at most a step after its last token before the restart.
 *
 * Reads and acknowledgements therefore cost no durable write, and a submission's transaction writes no
 * token row. Several processes on one database would not share the memory, so a PostgreSQL relay keeps
 * a row per token id instead, in an unlogged table under a durable floor (migrations/token-epoch.ts).
 * Should two relays run on one SQLite file, the ranges of `iat` they accept for a device stay apart: a
 * raise returns the ceiling it found, and one above what this process last committed means another
 * process accepts tokens up to it, so this one refuses every token at or below it, as after a restart.
 */
import type { TokenRecord } from './prepared-writes.js';

/** How far past a token's `iat` a device's ceiling is raised, in seconds. */
export const CEILING_STEP_SECONDS = 5;

/** What became of a token id offered for use. */
export type TokenVerdict =
  /** Not seen before: now used. */
  | 'fresh'
  /** Used before. */
  | 'replayed'
  /** Issued at or before the ceiling the relay read at start: it may have been used before a restart. */
  | 'before-restart'
  /**
   * PostgreSQL: issued at or before the floor set when the token ids were lost in a crash of the
   * database (migrations/token-epoch.ts): it may have been used before.
   */
  | 'before-database-restart';

/** The durable side: every device's ceiling, and raising one. */
export interface TokenCeilings {
  /** Every device's ceiling (seconds), as committed. */
  load(): Promise<Map<string, number>>;
  /**
   * Make `device`'s ceiling at least `ceiling`, durably; resolves after the commit with the ceiling as
   * it was just before (undefined if none, or if the disk was full and the ceiling is held in memory
   * only, relay-store.ts).
   */
  raise(device: string, ceiling: number): Promise<number | undefined>;
}

/** Token ids in memory with a durable ceiling per device (see the module header). */
export class TokenIds {
  readonly #ceilings: TokenCeilings;
  readonly #now: () => number;
  /** `device jti` → until when it must be refused (ms), in the order used (nearly the order they run out). */
  readonly #seen = new Map<string, number>();
  /** The ceilings read at start: a token at or below its device's may have been used before. */
  #atStart: Map<string, number> | undefined;
  /** The ceilings as committed (or held) now. */
  readonly #current = new Map<string, number>();
  /** Raises under way, by device, with the ceiling each asks for. */
  readonly #raising = new Map<string, { ceiling: number; done: Promise<void> }>();
  #loading: Promise<void> | undefined;

  constructor(ceilings: TokenCeilings, now: () => number) {
    this.#ceilings = ceilings;
    this.#now = now;
  }

  /** Token ids held in memory now. */
  get size(): number {
    return this.#seen.size;
  }

  /** Use `token` (its `issuedAt` in seconds): its verdict, after any ceiling raise it needed has committed. */
  async use(token: TokenRecord & { issuedAt: number }): Promise<TokenVerdict> {
    if (!this.#atStart) await (this.#loading ??= this.#load());
    const key = `${token.device} ${token.jti}`;
    this.#prune();
    if (this.#seen.has(key)) return 'replayed';
    if (token.issuedAt <= (this.#atStart!.get(token.device) ?? Number.NEGATIVE_INFINITY)) {
      return 'before-restart';
    }
    // Taken before any wait, so a second request with the same id, arriving meanwhile, is a replay.
    this.#seen.set(key, token.expiresAt);
    if (token.issuedAt > (this.#current.get(token.device) ?? Number.NEGATIVE_INFINITY)) {
      await this.#raise(token.device, token.issuedAt);
      // The raise may have found another process's ceiling above this token.
      if (token.issuedAt <= (this.#atStart!.get(token.device) ?? Number.NEGATIVE_INFINITY)) {
        return 'before-restart';
      }
    }
    return 'fresh';
  }

  async #load(): Promise<void> {
    const ceilings = await this.#ceilings.load();
    for (const [device, ceiling] of ceilings) this.#current.set(device, ceiling);
    this.#atStart = ceilings;
  }

  /** Raise `device`'s ceiling above `issuedAt`, joining a raise under way that reaches that far. */
  async #raise(device: string, issuedAt: number): Promise<void> {
    for (;;) {
      const under = this.#raising.get(device);
      if (!under) break;
      await under.done;
      if ((this.#current.get(device) ?? Number.NEGATIVE_INFINITY) >= issuedAt) return;
    }
    const ceiling = issuedAt + CEILING_STEP_SECONDS;
    const known = this.#current.get(device);
    const done = this.#ceilings.raise(device, ceiling).then((before) => {
      if (before !== undefined && before > (known ?? Number.NEGATIVE_INFINITY)) {
        // Raised by another process since this one last did: it may accept tokens up to there.
        this.#atStart!.set(device, Math.max(before, this.#atStart!.get(device) ?? before));
      }
      this.#current.set(device, Math.max(ceiling, before ?? ceiling, this.#current.get(device) ?? ceiling));
    });
    const entry = { ceiling, done };
    this.#raising.set(device, entry);
    try {
      await done;
    } finally {
      if (this.#raising.get(device) === entry) this.#raising.delete(device);
    }
  }

  /** Drop the ids whose tokens could no longer be accepted anyway. */
  #prune(): void {
    const now = this.#now();
    for (const [key, until] of this.#seen) {
      if (until > now) break;
      this.#seen.delete(key);
    }
  }
}
