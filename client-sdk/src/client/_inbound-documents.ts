/**
 * Internal: receiving a packet outside the case logs (PROTOCOL.md §12.1): a signed receipt (§12.3.3),
 * a quota claim or release (§15), an agreement extension (§5) or a reconciliation (§16). Each is
 * verified and recorded inside the packet's transaction, with its event; none of them is chained. One
 * handler per type, each given its own body, like the workflow table of the case logs.
 */
import type { AgreementBody } from '../cases/agreement-packet.js';
import type { DocumentPacketType, PerType } from '../cases/packet-body.js';
import { verifyQuotaDocument } from '../cases/quota-claim.js';
import { matchReceipt, type ReceiptBody, type ReceiptClaims, verifyReceipt } from '../cases/receipt.js';
import { type ReconciliationBody, reconciliationId, verifyReconciliation } from '../cases/reconciliation.js';
import { directoryResolver, documentHash } from '../cases/signed-document.js';
import { Agreement } from '../directory/agreement.js';
import { BryggaError } from '../errors.js';
import type { PacketRecord } from '../store/brygga-store.js';
import { packetRecord } from './_case-book.js';
import { quotaRecord } from './_quota-book.js';
import { type Applied, type Received, STORED } from './_received.js';
import { receiveUnitFigures } from './_unit-figures.js';

/** Keep the packet itself, as evidence of what was received (agreements and reconciliations). */
async function keepPacket({ tx, opened }: Received): Promise<void> {
  await tx.putPacket({ ...packetRecord(opened.claims, opened.jws, opened.hash, [], 'in'), status: 'stored' });
}

/**
 * A receipt for a packet of this unit: its signer sent it, it names a packet this device holds as sent
 * (ERR_RECEIPT_MISMATCH otherwise); it is filed, and an applied referral's case becomes delivered.
 */
async function receipt(body: ReceiptBody, r: Received): Promise<Applied> {
  const { d, tx, pending, opened } = r;
  const { claims } = opened;
  const doc = verifyReceipt(body.receipt, directoryResolver(d.directory));
  const c = doc.payload;
  if (c.unit !== claims.iss || c.device !== claims.dev || c.case !== claims.case) {
    throw new BryggaError('ERR_RECEIPT_MISMATCH', "the receipt is not its sender's");
  }
  const sent = await tx.getPacketByPid(c.pid);
  matchReceipt(c, sent && { ...sent, case: sent.caseId, iss: sent.unit, dev: sent.device });
  await tx.putReceipt({
    hash: documentHash(doc.jws),
    pid: c.pid,
    packetHash: c.hash,
    caseId: c.case,
    unit: c.unit,
    device: c.device,
    outcome: c.outcome,
    code: c.code,
    jws: doc.jws,
  });
  await d.recorder.emit(tx, pending, 'receipt.received', c.case, {
    pid: c.pid,
    hash: c.hash,
    unit: c.unit,
    device: c.device,
    outcome: c.outcome,
    code: c.code,
  });
  await markDelivered(r, c, sent);
  return STORED;
}

/** A referral the receiving unit applied makes its case delivered (PROTOCOL.md §14.2). */
async function markDelivered(
  { d, tx, pending }: Received,
  c: ReceiptClaims,
  sent: PacketRecord | undefined,
): Promise<void> {
  if (c.case === null || c.type !== 'referral' || c.outcome !== 'applied') return;
  const record = await tx.getCase(c.case);
  if (
    record &&
    !record.delivered &&
    record.receiving === c.unit &&
    sent?.hash === JSON.parse(record.state).referral
  ) {
    await tx.putCase({ ...record, delivered: true, updatedAt: d.now().toISOString() });
    if (record.status === 'referred')
      await d.recorder.emit(tx, pending, 'case.status', c.case, { status: 'delivered' });
  }
}

/** Another party's quota claim or release, from its own unit (ERR_QUOTA_CLAIM otherwise), filed. */
async function quotaDocument(kind: 'claim' | 'release', jws: string, r: Received): Promise<Applied> {
  const { d, tx, pending, opened } = r;
  const doc = verifyQuotaDocument(kind, jws, directoryResolver(d.directory), d.directory.agreements);
  if (doc.unit !== opened.claims.iss)
    throw new BryggaError('ERR_QUOTA_CLAIM', 'a quota document must come from its own unit');
  const c = doc.payload;
  await tx.putQuota(quotaRecord(kind, c, jws));
  await d.recorder.emit(tx, pending, 'quota.changed', null, {
    kind,
    municipality: c.municipality,
    direction: c.direction,
  });
  return STORED;
}

/** An agreement extension, accepted here only as a valid successor of the current agreement (PROTOCOL.md §5). */
async function agreement(body: AgreementBody, r: Received): Promise<Applied> {
  const { d, tx, pending } = r;
  const next = Agreement.deserialize(body.document);
  if (!d.directory.agreements.some((a) => a.digest === next.digest)) {
    d.directory.verifySuccessor(next);
    await tx.putAgreement(next.digest, next.terms.sequence, next.serialize());
    await d.recorder.emit(tx, pending, 'agreement.accepted', null, {
      digest: next.digest,
      sequence: next.terms.sequence,
    });
    pending.after.push(() => d.directory.addAgreement(next));
  }
  await keepPacket(r);
  return STORED;
}

/**
 * A reconciliation between its sender's unit and this one, signed by the sender (ERR_WRONG_PARTY
 * otherwise): filed as proposed, or as agreed once both have signed; an agreed one is not replaced.
 */
async function reconciliation(body: ReconciliationBody, r: Received): Promise<Applied> {
  const { d, tx, pending, opened } = r;
  const iss = opened.claims.iss;
  const verified = verifyReconciliation(body.document, directoryResolver(d.directory));
  const units = verified.statement.units.map((u) => u.unit);
  if (!units.includes(iss) || !units.includes(d.unit) || !verified.signedBy.includes(iss)) {
    throw new BryggaError('ERR_WRONG_PARTY', 'a reconciliation is between its sender and this unit');
  }
  const id = reconciliationId(verified.document);
  const existing = await tx.getReconciliation(id);
  if (!existing?.complete) {
    const label = verified.statement.period.label;
    await tx.putReconciliation({
      id,
      units: units.join(' '),
      label,
      document: JSON.stringify(verified.document),
      complete: verified.complete,
      updatedAt: d.now().toISOString(),
    });
    const event = verified.complete ? 'reconciliation.agreed' : 'reconciliation.proposed';
    await d.recorder.emit(tx, pending, event, null, { id, units, label });
  }
  await keepPacket(r);
  return STORED;
}

/** A document packet, like every type but a receipt, belongs to no case (ERR_MALFORMED otherwise). */
function outsideCases<B>(handle: (body: B, r: Received) => Promise<Applied>) {
  return async (body: B, r: Received): Promise<Applied> => {
    if (r.opened.claims.case !== null) {
      throw new BryggaError('ERR_MALFORMED', `a ${r.opened.claims.type} packet belongs to no case`);
    }
    return handle(body, r);
  };
}

/** The handler of each type outside the case logs. */
export const DOCUMENT_HANDLERS: PerType<
  Exclude<DocumentPacketType, 'case-history'>,
  [Received],
  Promise<Applied>
> = {
  agreement: outsideCases(agreement),
  receipt,
  reconciliation: outsideCases(reconciliation),
  'quota-claim': outsideCases((body, r) => quotaDocument('claim', body.claim, r)),
  'quota-release': outsideCases((body, r) => quotaDocument('release', body.release, r)),
  'unit-figures': receiveUnitFigures,
};
