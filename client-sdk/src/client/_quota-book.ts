/**
 * Internal: the quota documents a device keeps in its store (PROTOCOL.md §15): every verified claim and
 * release, its own and the other parties', filed as it is signed or arrives, and the ledger (§15.3)
 * counted from them. Everything here runs on the transaction it is given.
 */

import type { CaseState } from '../cases/case-state.js';
import { type QuotaClaimClaims, validateQuotaClaim, validateQuotaRelease } from '../cases/quota-claim.js';
import { QuotaLedger } from '../cases/quota-ledger.js';
import { documentHash } from '../cases/signed-document.js';
import { decodeCompact, decodeJsonPayload } from '../crypto/jws.js';
import type { Agreement } from '../directory/agreement.js';
import { BryggaError } from '../errors.js';
import type { BryggaStore, QuotaRecord } from '../store/brygga-store.js';

/** The fields of a quota claim or release that the store files it by. */
export type QuotaFields = Pick<
  QuotaClaimClaims,
  'agreement' | 'municipality' | 'direction' | 'unit' | 'commitment'
>;

/** The store record of a verified quota claim or release. */
export function quotaRecord(kind: 'claim' | 'release', c: QuotaFields, jws: string): QuotaRecord {
  return {
    hash: documentHash(jws),
    kind,
    agreement: c.agreement,
    municipality: c.municipality,
    direction: c.direction,
    unit: c.unit,
    commitment: c.commitment,
    jws,
  };
}

/** The claims of a stored quota claim (the store holds only documents that verified). */
export function storedClaim(jws: string): QuotaClaimClaims {
  return validateQuotaClaim(decodeJsonPayload(decodeCompact(jws).payloadBytes));
}

/** The ledger of every claim and release the store holds. */
export async function quotaLedger(tx: BryggaStore): Promise<QuotaLedger> {
  const ledger = new QuotaLedger();
  for (const q of await tx.listQuota()) {
    const payload = decodeJsonPayload(decodeCompact(q.jws).payloadBytes);
    if (q.kind === 'claim') ledger.addClaim(validateQuotaClaim(payload));
    else ledger.addRelease(validateQuotaRelease(payload));
  }
  return ledger;
}

/** The stored outgoing claim of a case (its referral's), if held. */
export async function outgoingClaim(tx: BryggaStore, state: CaseState): Promise<QuotaRecord | undefined> {
  return (await tx.listQuota()).find(
    (q) => q.kind === 'claim' && q.direction === 'outgoing' && q.commitment === state.quota.outgoing,
  );
}

/**
 * The referral of a case holds an outgoing slot, and the receiving municipality has an incoming one
 * left (PROTOCOL.md §15.3): ERR_QUOTA_EXCEEDED otherwise.
 */
export async function assertReferralWithinQuota(
  tx: BryggaStore,
  state: CaseState,
  agreement: Agreement,
): Promise<void> {
  const ledger = await quotaLedger(tx);
  const claim = await outgoingClaim(tx, state);
  const claims = claim ? storedClaim(claim.jws) : undefined;
  if (!claims || !ledger.holdsSlot(agreement, claims)) {
    throw new BryggaError(
      'ERR_QUOTA_EXCEEDED',
      `${state.homeMunicipality} has no outgoing quota left for this referral`,
    );
  }
  ledger.assertIncomingRoom(agreement, state.receivingMunicipality);
}
