/**
 * Quota accounting from verified quota claims (PROTOCOL.md §15.3). Pure and deterministic: every unit
 * that holds the same claims and releases counts the same.
 *
 * For one agreement, municipality and direction, the live claims (not released) are ordered by
 * (`iat`, `commitment`); the first `quota` of them hold a slot, any later one is *void*. A sender refuses
 * a referral when no slot is left; a receiver declines a referral whose claim is void, or when its own
 * municipality's incoming slots are taken. Ordering by signed time rather than arrival makes the answer
 * the same everywhere, so two units racing for the last slot are told apart the same way by everyone.
 */
import type { Agreement } from '../directory/agreement.js';
import { BryggaError } from '../errors.js';
import type { QuotaClaimClaims, QuotaDirection, QuotaReleaseClaims } from './quota-claim.js';

/** One municipality's use of one quota. */
export interface QuotaUse {
  municipality: string;
  direction: QuotaDirection;
  quota: number;
  /** Live claims holding a slot. */
  used: number;
  /** Live claims beyond the quota (from modified clients, or lost races). */
  void: number;
}

function key(agreement: string, municipality: string, direction: QuotaDirection, commitment = ''): string {
  return `${agreement}|${municipality}|${direction}|${commitment}`;
}

/** The quota ledger: claims and releases in, counts and slot decisions out. */
export class QuotaLedger {
  readonly #claims = new Map<string, QuotaClaimClaims>();
  readonly #released = new Set<string>();

  /** Add a verified claim. Adding the same claim twice is a no-op. */
  addClaim(claim: QuotaClaimClaims): void {
    const k = key(claim.agreement, claim.municipality, claim.direction, claim.commitment);
    const existing = this.#claims.get(k);
    // Keep the earliest if a commitment is (improbably) claimed twice: the order must not depend on arrival.
    if (!existing || claim.iat < existing.iat) this.#claims.set(k, claim);
  }

  /** Add a verified release. A release may arrive before its claim. */
  addRelease(release: QuotaReleaseClaims): void {
    this.#released.add(key(release.agreement, release.municipality, release.direction, release.commitment));
  }

  /** Whether the claim with `commitment` was released. */
  isReleased(
    claim: Pick<QuotaClaimClaims, 'agreement' | 'municipality' | 'direction' | 'commitment'>,
  ): boolean {
    return this.#released.has(key(claim.agreement, claim.municipality, claim.direction, claim.commitment));
  }

  /** Live claims on one quota, in slot order. */
  live(agreement: string, municipality: string, direction: QuotaDirection): QuotaClaimClaims[] {
    const prefix = key(agreement, municipality, direction);
    return [...this.#claims.entries()]
      .filter(([k, c]) => k.startsWith(prefix) && !this.isReleased(c))
      .map(([, c]) => c)
      .sort(
        (a, b) => a.iat - b.iat || (a.commitment < b.commitment ? -1 : a.commitment > b.commitment ? 1 : 0),
      );
  }

  /** The use of `municipality`'s `direction` quota under `agreement`. */
  use(agreement: Agreement, municipality: string, direction: QuotaDirection): QuotaUse {
    const m = agreement.terms.municipalities.find((x) => x.id === municipality);
    if (!m)
      throw new BryggaError('ERR_NOT_IN_AGREEMENT', `municipality ${municipality} is not in the agreement`);
    const quota = m.quota[direction];
    const live = this.live(agreement.digest, municipality, direction).length;
    return { municipality, direction, quota, used: Math.min(live, quota), void: Math.max(0, live - quota) };
  }

  /** Whether `claim` holds one of the first `quota` slots (false when it is void or released). */
  holdsSlot(agreement: Agreement, claim: QuotaClaimClaims): boolean {
    if (claim.agreement !== agreement.digest) return false;
    const quota =
      agreement.terms.municipalities.find((x) => x.id === claim.municipality)?.quota[claim.direction] ?? 0;
    const index = this.live(claim.agreement, claim.municipality, claim.direction).findIndex(
      (c) => c.commitment === claim.commitment,
    );
    return index >= 0 && index < quota;
  }

  /**
   * Refuse (ERR_QUOTA_EXCEEDED) a new referral from `from` to `to` (municipality ids) when either the
   * sender's outgoing or the receiver's incoming quota has no slot left.
   */
  assertRoom(agreement: Agreement, from: string, to: string): void {
    const out = this.use(agreement, from, 'outgoing');
    if (out.used >= out.quota) {
      throw new BryggaError(
        'ERR_QUOTA_EXCEEDED',
        `${from} has handed over ${out.used} of its ${out.quota} cases in this agreement period`,
      );
    }
    this.assertIncomingRoom(agreement, to);
  }

  /** Refuse (ERR_QUOTA_EXCEEDED) when `municipality` has taken in its whole incoming quota. */
  assertIncomingRoom(agreement: Agreement, municipality: string): void {
    const inc = this.use(agreement, municipality, 'incoming');
    if (inc.used >= inc.quota) {
      throw new BryggaError(
        'ERR_QUOTA_EXCEEDED',
        `${municipality} has taken in ${inc.used} of its ${inc.quota} cases in this agreement period`,
      );
    }
  }
}
