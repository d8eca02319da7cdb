/**
 * The case log (PROTOCOL.md §13): every case is a hash chain of signed packets, each naming in `prev`
 * the hash of the one before it (the referral, first, names none). This module is pure: it knows hashes,
 * predecessors and senders, and folds a caller-supplied reducer (the workflow and its rules) over the
 * chain, so both units derive the same case state from the same packets.
 *
 * Nothing is silently merged:
 * - a packet already in the log is a replay (ERR_REPLAY);
 * - a packet of another case is a splice (ERR_CASE_SPLICE);
 * - a packet whose predecessor is unknown is *held* and reported (ERR_CASE_GAP) until the predecessor
 *   arrives, so a reordering by the transport is detected and healed, never guessed at;
 * - two packets naming the same predecessor are a fork (ERR_CASE_FORK). Exactly one continues the log,
 *   chosen the same way by every party whatever the arrival order: a packet of the home unit (which leads
 *   the case) before one of the receiving unit, then the smaller hash. The other branch is set aside
 *   (superseded) and reported; its author may send its content again on the surviving branch.
 *
 * {@link verifyChain} checks a list that claims to be a whole log in order (an evidence bundle).
 */
import { BryggaError } from '../errors.js';

/** What the log needs to know about a packet. */
export interface ChainLink {
  /** The packet hash (PROTOCOL.md §7.2). */
  hash: string;
  /** The hash of the previous packet of the case, or null for the first. */
  prev: string | null;
  /** The case id. */
  case: string;
  /** The sending unit. */
  unit: string;
}

/**
 * Folds one packet into the case state; throws a BryggaError naming the rule when the packet is not
 * allowed after `state` (undefined before the first packet). Must not modify `state`.
 */
export type CaseReducer<E, S> = (state: S | undefined, entry: E) => S;

/** What became of an offered packet, and of others because of it. */
export interface OfferResult<E> {
  outcome: 'applied' | 'held' | 'rejected';
  /** Why it was held (ERR_CASE_GAP) or rejected. */
  error?: BryggaError;
  /** Packets newly applied, in log order: the offered one, then held ones it released. */
  applied: E[];
  /** Packets that were applied and are now set aside because a fork went the other way. */
  superseded: E[];
  /** Held packets released by this one but refused by the rules. */
  rejected: { entry: E; error: BryggaError }[];
}

/** A packet's standing in a log. */
export type LinkStatus = 'applied' | 'held' | 'superseded';

function err(
  code: 'ERR_CASE_FORK' | 'ERR_CASE_GAP' | 'ERR_CASE_SPLICE' | 'ERR_REPLAY' | 'ERR_CASE_ORDER',
  message: string,
) {
  return new BryggaError(code, message);
}

/**
 * Check that `links` is a complete case log in order: one case, no packet twice, the first without a
 * predecessor, each next naming the one before. When `head` is given, the log must end there (a
 * truncated log is a gap). Throws ERR_CASE_SPLICE, ERR_REPLAY, ERR_CASE_ORDER, ERR_CASE_FORK or
 * ERR_CASE_GAP.
 */
export function verifyChain(caseId: string, links: readonly ChainLink[], head?: string): void {
  const position = new Map<string, number>();
  links.forEach((l, i) => {
    if (l.case !== caseId) throw err('ERR_CASE_SPLICE', `packet ${i} belongs to another case`);
    if (position.has(l.hash)) throw err('ERR_REPLAY', `packet ${i} appears twice`);
    position.set(l.hash, i);
  });
  links.forEach((l, i) => {
    const expected = i === 0 ? null : links[i - 1]!.hash;
    if (l.prev === expected) return;
    if (l.prev === null) throw err('ERR_CASE_FORK', `packet ${i} starts the case again`);
    const at = position.get(l.prev);
    if (at === undefined) throw err('ERR_CASE_GAP', `the predecessor of packet ${i} is missing`);
    if (at > i) throw err('ERR_CASE_ORDER', `packet ${i} comes before its predecessor`);
    throw err('ERR_CASE_FORK', `packet ${i} continues from an earlier packet than the one before it`);
  });
  if (head !== undefined && (links.length === 0 ? null : links[links.length - 1]!.hash) !== head) {
    throw err('ERR_CASE_GAP', 'the log does not end at its head');
  }
}

/** A case log being built as packets arrive. */
export class CaseLog<E extends ChainLink, S> {
  readonly caseId: string;
  readonly #reduce: CaseReducer<E, S>;
  #chain: E[] = [];
  #states: S[] = [];
  readonly #held = new Map<string, E[]>();
  readonly #superseded = new Map<string, E>();

  constructor(caseId: string, reduce: CaseReducer<E, S>) {
    this.caseId = caseId;
    this.#reduce = reduce;
  }

  /**
   * Rebuild a log from stored entries: the applied ones in log order (verified with {@link verifyChain}
   * and folded again through the reducer), then the held and superseded ones.
   */
  static restore<E extends ChainLink, S>(
    caseId: string,
    reduce: CaseReducer<E, S>,
    entries: readonly { entry: E; status: LinkStatus }[],
  ): CaseLog<E, S> {
    const log = new CaseLog<E, S>(caseId, reduce);
    const applied = entries.filter((e) => e.status === 'applied').map((e) => e.entry);
    verifyChain(caseId, applied);
    let state: S | undefined;
    for (const e of applied) {
      state = reduce(state, e);
      log.#chain.push(e);
      log.#states.push(state);
    }
    for (const { entry, status } of entries) {
      if (status === 'held') log.#hold(entry);
      if (status === 'superseded') log.#superseded.set(entry.hash, entry);
    }
    return log;
  }

  /** The applied packets, in order. */
  get chain(): readonly E[] {
    return this.#chain;
  }

  /** The state after the last applied packet (undefined for an empty log). */
  get state(): S | undefined {
    return this.#states[this.#states.length - 1];
  }

  /** The hash of the last applied packet, or null. */
  get head(): string | null {
    return this.#chain.length === 0 ? null : this.#chain[this.#chain.length - 1]!.hash;
  }

  /** Packets waiting for a predecessor. */
  get held(): E[] {
    return [...this.#held.values()].flat();
  }

  /** Packets set aside by forks. */
  get superseded(): E[] {
    return [...this.#superseded.values()];
  }

  /** Whether the log has seen this packet in any standing. */
  has(hash: string): boolean {
    return (
      this.#chain.some((e) => e.hash === hash) ||
      this.#superseded.has(hash) ||
      this.held.some((e) => e.hash === hash)
    );
  }

  /**
   * Try a packet as the next after the head without keeping it: the state it would lead to, or the
   * rule's error (thrown). For a sender, before it signs.
   */
  preview(entry: Omit<E, 'hash' | 'prev'> & Partial<Pick<E, 'hash' | 'prev'>>): S {
    const candidate = { ...entry, prev: this.head, hash: entry.hash ?? '' } as E;
    return this.#reduce(this.state, candidate);
  }

  /** Offer a packet; see {@link OfferResult}. The log is unchanged when the outcome is `rejected`. */
  offer(entry: E): OfferResult<E> {
    const result: OfferResult<E> = { outcome: 'rejected', applied: [], superseded: [], rejected: [] };
    if (entry.case !== this.caseId)
      return { ...result, error: err('ERR_CASE_SPLICE', 'the packet belongs to another case') };
    if (this.has(entry.hash))
      return { ...result, error: err('ERR_REPLAY', 'the packet is already in the case log') };
    if (entry.prev !== null && this.#superseded.has(entry.prev)) {
      this.#superseded.set(entry.hash, entry);
      return { ...result, error: err('ERR_CASE_FORK', 'the packet continues a branch that was set aside') };
    }
    const parent = entry.prev === null ? -1 : this.#chain.findIndex((e) => e.hash === entry.prev);
    if (entry.prev !== null && parent < 0) {
      this.#hold(entry);
      return {
        ...result,
        outcome: 'held',
        error: err('ERR_CASE_GAP', 'the previous packet of the case has not arrived'),
      };
    }
    const rival = this.#chain[parent + 1];
    if (rival && !this.#wins(entry, rival)) {
      this.#superseded.set(entry.hash, entry);
      return {
        ...result,
        error: err('ERR_CASE_FORK', 'another packet already continues the case from the same predecessor'),
      };
    }
    let state: S;
    try {
      state = this.#reduce(this.#states[parent], entry);
    } catch (e) {
      return {
        ...result,
        error:
          e instanceof BryggaError
            ? e
            : new BryggaError('ERR_MALFORMED', 'the packet could not be applied', { cause: e }),
      };
    }
    if (rival) {
      const removed = this.#chain.slice(parent + 1);
      this.#chain = this.#chain.slice(0, parent + 1);
      this.#states = this.#states.slice(0, parent + 1);
      for (const r of removed) this.#supersede(r);
      result.superseded.push(...removed);
    }
    this.#chain.push(entry);
    this.#states.push(state);
    result.outcome = 'applied';
    result.applied.push(entry);
    if (rival) result.error = err('ERR_CASE_FORK', 'the packet won a fork; the other branch was set aside');
    this.#release(entry.hash, result);
    return result;
  }

  #wins(candidate: E, incumbent: E): boolean {
    const home = this.#chain[0]?.unit;
    const cHome = candidate.unit === home;
    const iHome = incumbent.unit === home;
    if (cHome !== iHome) return cHome;
    return candidate.hash < incumbent.hash;
  }

  #hold(entry: E): void {
    const waiting = this.#held.get(entry.prev!) ?? [];
    waiting.push(entry);
    this.#held.set(entry.prev!, waiting);
  }

  #supersede(entry: E): void {
    this.#superseded.set(entry.hash, entry);
    const children = this.#held.get(entry.hash) ?? [];
    this.#held.delete(entry.hash);
    for (const c of children) this.#supersede(c);
  }

  /** Apply held packets that waited for `hash`, in the fork order, recursively. */
  #release(hash: string, result: OfferResult<E>): void {
    const waiting = this.#held.get(hash);
    if (!waiting) return;
    this.#held.delete(hash);
    const home = this.#chain[0]?.unit;
    waiting.sort((a, b) =>
      (a.unit === home) !== (b.unit === home) ? (a.unit === home ? -1 : 1) : a.hash < b.hash ? -1 : 1,
    );
    for (const w of waiting) {
      const r = this.offer(w);
      if (r.outcome === 'applied') {
        result.applied.push(...r.applied);
        result.superseded.push(...r.superseded);
        result.rejected.push(...r.rejected);
      } else {
        result.rejected.push({ entry: w, error: r.error! });
      }
    }
  }
}
