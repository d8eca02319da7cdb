/**
 * Internal: receiving one packet (PROTOCOL.md §12–15): open and verify it, apply it to its case log or
 * record what it carries (receipts, quota documents, reconciliations, agreements) in one store
 * transaction with the processed mark, the events and the signed receipt to send back; decline an
 * over-quota referral automatically; release this device's quota claim when its referral is declined.
 */
import { toBase64url } from '../crypto/bytes.js';
import { decodeCompact } from '../crypto/jws.js';
import { Agreement } from '../directory/agreement.js';
import { Envelope } from '../envelope/envelope.js';
import type { PacketClaims } from '../envelope/packet.js';
import { type OpenedPacket, openPacket, sealPacket } from '../envelope/seal.js';
import { BryggaError, type ErrorCode, isBryggaError } from '../errors.js';
import type { BryggaStore, PacketRecord } from '../store/brygga-store.js';
import { isLogError } from '../transparency/log-evidence.js';
import { claimsOf, type LoadedLog, loadLog, packetRecord } from './_case-book.js';
import { type DeviceRuntime, docHash, type Pending, pick, quotaClaimsOf } from './_device.js';
import type { ReceiveResult } from './brygga-client.js';
import { toCasePacket } from './case-packet.js';
import { receivingDevice } from './device-identity.js';
import { CASE_LOG_TYPES, isPacketType, type PacketBodies, validatePacketBody } from './packet-body.js';
import { releaseQuotaClaim, verifyQuotaClaim, verifyQuotaRelease } from './quota-claim.js';
import { matchReceipt, type ReceiptOutcome, signReceipt, verifyReceipt } from './receipt.js';
import { reconciliationId, verifyReconciliation } from './reconciliation.js';
import { directoryResolver } from './signed-document.js';

/** Process one envelope: open it, then apply it in one transaction (see the module header). */
export async function receive(
  d: DeviceRuntime,
  bytes: Uint8Array,
  expectedId?: string,
  refreshDirectory?: () => Promise<void>,
): Promise<ReceiveResult> {
  let envelope: Envelope;
  try {
    envelope = Envelope.deserialize(bytes);
  } catch (err) {
    return {
      pid: expectedId ?? null,
      outcome: 'rejected',
      code: isBryggaError(err) ? err.code : 'ERR_MALFORMED',
    };
  }
  const pid = envelope.header.id;
  if (await d.store.getProcessed(pid)) return { pid, outcome: 'duplicate', code: 'ERR_REPLAY' };
  // A device enrolled after this sync read the directory: read it again rather than refuse its packet.
  if (refreshDirectory && !d.directory.device(envelope.header.sender.device)) await refreshDirectory();
  const at = d.now().toISOString();
  let opened: OpenedPacket;
  try {
    if (expectedId !== undefined && expectedId !== pid) {
      throw new BryggaError('ERR_CLAIMS_MISMATCH', 'the relay delivered another packet than it listed');
    }
    opened = await openPacket({
      envelope,
      device: receivingDevice(d.identity),
      directory: d.directory,
      now: d.now(),
    });
  } catch (err) {
    const code = isBryggaError(err) ? err.code : 'ERR_MALFORMED';
    await d.record(async (tx, p) => {
      await tx.putProcessed({ pid, hash: null, outcome: 'rejected', code, at });
      await d.emit(tx, p, 'packet.rejected', null, {
        pid,
        packetType: null,
        from: envelope.header.sender.unit,
        code,
      });
    });
    return { pid, outcome: 'rejected', code };
  }
  // The sender's view of the log must be the same log as this device's (PROTOCOL.md §19.6): a packet
  // carrying a checkpoint that does not join this device's view is refused, and its receipt tells the
  // sender so. The evidence is kept by the check itself.
  let logCode: ErrorCode | undefined;
  if (opened.claims.checkpoint !== undefined) {
    try {
      await d.log.crossCheck(opened.claims.checkpoint);
    } catch (err) {
      if (!isLogError(err)) throw err;
      logCode = err.code;
    }
  }
  return d.record(async (tx, pending) => {
    if (await tx.getProcessed(pid)) return { pid, outcome: 'duplicate', code: 'ERR_REPLAY' } as ReceiveResult;
    let result: { outcome: ReceiptOutcome | 'stored'; code: string | null };
    try {
      if (logCode !== undefined) throw new BryggaError(logCode, 'the log views differ');
      result = await apply(d, tx, pending, opened);
    } catch (err) {
      if (isBryggaError(err) ? err.code === 'ERR_STORE' : isStoreFailure(err)) throw err;
      // Anything else the packet provoked refuses the packet, so it cannot block the inbox.
      result = { outcome: 'rejected', code: isBryggaError(err) ? err.code : 'ERR_MALFORMED' };
    }
    const { claims } = opened;
    if (result.outcome === 'rejected') {
      await tx.putRejected({
        pid,
        hash: opened.hash,
        caseId: claims.case,
        type: claims.type,
        unit: claims.iss,
        device: claims.dev,
        code: result.code!,
        at,
      });
      await d.emit(tx, pending, 'packet.rejected', claims.case, {
        pid,
        packetType: claims.type,
        from: claims.iss,
        code: result.code,
      });
    }
    await tx.putProcessed({ pid, hash: opened.hash, outcome: result.outcome, code: result.code, at });
    if (claims.type !== 'receipt' && claims.iss !== d.unit) {
      await queueReceipt(
        d,
        tx,
        claims,
        opened.hash,
        result.outcome === 'stored' ? 'applied' : result.outcome,
        result.code,
      );
    }
    return { pid, outcome: result.outcome, code: result.code };
  });
}

async function queueReceipt(
  d: DeviceRuntime,
  tx: BryggaStore,
  claims: PacketClaims,
  hash: string,
  outcome: ReceiptOutcome,
  code: string | null,
) {
  const now = d.now();
  const receipt = signReceipt(d.identity.key, {
    pid: claims.pid,
    hash,
    caseId: claims.case,
    type: claims.type,
    from: { unit: claims.iss, device: claims.dev },
    unit: d.unit,
    outcome,
    code,
    now,
  });
  await tx.putReceipt({
    hash: docHash(receipt),
    pid: claims.pid,
    packetHash: hash,
    caseId: claims.case,
    unit: d.unit,
    device: d.device,
    outcome,
    code,
    jws: receipt,
  });
  const recipients = d.devicesOf([claims.iss, d.unit]);
  if (recipients.length === 0) return;
  const sealed = await sealPacket({
    sender: { unit: d.unit, key: d.identity.key },
    recipients,
    type: 'receipt',
    caseId: claims.case,
    prev: null,
    body: { receipt },
    checkpoint: d.log.claim(),
    now,
    rng: d.rng,
  });
  await tx.enqueueOutbox(sealed.claims.pid, toBase64url(sealed.envelope.serialize()), now.toISOString());
}

/** Apply a verified packet inside `tx`. Throws a BryggaError naming the rule when it is refused. */
async function apply(
  d: DeviceRuntime,
  tx: BryggaStore,
  pending: Pending,
  opened: OpenedPacket,
): Promise<{ outcome: ReceiptOutcome | 'stored'; code: string | null }> {
  const { claims } = opened;
  if (!isPacketType(claims.type)) throw new BryggaError('ERR_MALFORMED', 'unknown packet type');
  const type = claims.type;
  const body = validatePacketBody(type, claims.body);
  if (CASE_LOG_TYPES.has(type)) return applyCasePacket(d, tx, pending, opened);
  if (claims.case !== null && type !== 'receipt')
    throw new BryggaError('ERR_MALFORMED', `a ${type} packet belongs to no case`);
  const resolve = directoryResolver(d.directory);
  const agreements = d.directory.agreements;
  switch (type) {
    case 'receipt': {
      const doc = verifyReceipt((body as PacketBodies['receipt']).receipt, resolve);
      const r = doc.payload;
      if (r.unit !== claims.iss || r.device !== claims.dev || r.case !== claims.case) {
        throw new BryggaError('ERR_RECEIPT_MISMATCH', "the receipt is not its sender's");
      }
      const sent = await tx.getPacketByPid(r.pid);
      matchReceipt(r, sent && { ...sent, case: sent.caseId, iss: sent.unit, dev: sent.device });
      await tx.putReceipt({
        hash: docHash(doc.jws),
        pid: r.pid,
        packetHash: r.hash,
        caseId: r.case,
        unit: r.unit,
        device: r.device,
        outcome: r.outcome,
        code: r.code,
        jws: doc.jws,
      });
      await d.emit(tx, pending, 'receipt.received', r.case, {
        pid: r.pid,
        hash: r.hash,
        unit: r.unit,
        device: r.device,
        outcome: r.outcome,
        code: r.code,
      });
      if (r.case !== null && r.type === 'referral' && r.outcome === 'applied') {
        const record = await tx.getCase(r.case);
        if (
          record &&
          !record.delivered &&
          record.receiving === r.unit &&
          sent?.hash === JSON.parse(record.state).referral
        ) {
          await tx.putCase({ ...record, delivered: true, updatedAt: d.now().toISOString() });
          if (record.status === 'referred')
            await d.emit(tx, pending, 'case.status', r.case, { status: 'delivered' });
        }
      }
      return { outcome: 'stored', code: null };
    }
    case 'quota-claim':
    case 'quota-release': {
      const isClaim = type === 'quota-claim';
      const jws = isClaim
        ? (body as PacketBodies['quota-claim']).claim
        : (body as PacketBodies['quota-release']).release;
      const doc = isClaim
        ? verifyQuotaClaim(jws, resolve, agreements)
        : verifyQuotaRelease(jws, resolve, agreements);
      if (doc.unit !== claims.iss)
        throw new BryggaError('ERR_QUOTA_CLAIM', 'a quota document must come from its own unit');
      const c = doc.payload;
      await tx.putQuota({
        hash: docHash(jws),
        kind: isClaim ? 'claim' : 'release',
        agreement: c.agreement,
        municipality: c.municipality,
        direction: c.direction,
        unit: c.unit,
        commitment: c.commitment,
        jws,
      });
      await d.emit(tx, pending, 'quota.changed', null, {
        kind: isClaim ? 'claim' : 'release',
        municipality: c.municipality,
        direction: c.direction,
      });
      return { outcome: 'stored', code: null };
    }
    case 'agreement': {
      const next = Agreement.deserialize((body as PacketBodies['agreement']).document);
      if (!d.directory.agreements.some((a) => a.digest === next.digest)) {
        d.directory.verifySuccessor(next);
        await tx.putAgreement(next.digest, next.terms.sequence, next.serialize());
        await d.emit(tx, pending, 'agreement.accepted', null, {
          digest: next.digest,
          sequence: next.terms.sequence,
        });
        pending.after.push(() => d.directory.addAgreement(next));
      }
      await tx.putPacket({ ...packetRecord(claims, opened.jws, opened.hash, [], 'in'), status: 'stored' });
      return { outcome: 'stored', code: null };
    }
    case 'reconciliation': {
      const verified = verifyReconciliation((body as PacketBodies['reconciliation']).document, resolve);
      const units = verified.statement.units.map((u) => u.unit);
      if (!units.includes(claims.iss) || !units.includes(d.unit) || !verified.signedBy.includes(claims.iss)) {
        throw new BryggaError('ERR_WRONG_PARTY', 'a reconciliation is between its sender and this unit');
      }
      const id = reconciliationId(verified.document);
      const existing = await tx.getReconciliation(id);
      if (!existing?.complete) {
        await tx.putReconciliation({
          id,
          units: units.join(' '),
          label: verified.statement.period.label,
          document: JSON.stringify(verified.document),
          complete: verified.complete,
          updatedAt: d.now().toISOString(),
        });
        await d.emit(
          tx,
          pending,
          verified.complete ? 'reconciliation.agreed' : 'reconciliation.proposed',
          null,
          {
            id,
            units,
            label: verified.statement.period.label,
          },
        );
      }
      await tx.putPacket({ ...packetRecord(claims, opened.jws, opened.hash, [], 'in'), status: 'stored' });
      return { outcome: 'stored', code: null };
    }
    default:
      throw new BryggaError('ERR_MALFORMED', `a ${type} packet is not handled here`);
  }
}

async function applyCasePacket(
  d: DeviceRuntime,
  tx: BryggaStore,
  pending: Pending,
  opened: OpenedPacket,
): Promise<{ outcome: ReceiptOutcome; code: string | null }> {
  const { claims } = opened;
  const packet = toCasePacket(claims, opened.hash);
  if (packet.prev !== null) {
    const prev = await tx.getPacket(packet.prev);
    if (prev && prev.caseId !== packet.case) {
      throw new BryggaError('ERR_CASE_SPLICE', 'the packet continues a packet of another case');
    }
  }
  const loaded = await loadLog(tx, d.context(), packet.case);
  const offer = loaded.log.offer(packet);
  const record = packetRecord(
    claims,
    opened.jws,
    opened.hash,
    opened.attachments.map((a) => a.data),
    'in',
  );
  if (offer.outcome === 'rejected') {
    // A valid packet that lost a fork is kept (set aside) as evidence; anything else leaves no trace.
    if (offer.error?.code === 'ERR_CASE_FORK') {
      await tx.putPacket({ ...record, status: 'superseded' });
      await d.emit(tx, pending, 'case.fork', packet.case, {
        kept: loaded.log.head,
        setAside: [record.hash],
      });
    }
    throw offer.error!;
  }
  const changes = await d.afterOffer(tx, pending, loaded, record);
  if (offer.outcome === 'held') {
    await d.emit(tx, pending, 'case.gap', packet.case, { pid: record.pid, hash: record.hash });
    return { outcome: 'held', code: 'ERR_CASE_GAP' };
  }
  for (const r of offer.rejected) {
    await d.emit(tx, pending, 'packet.rejected', packet.case, {
      pid: r.entry.pid,
      packetType: r.entry.type,
      from: r.entry.unit,
      code: r.error.code,
    });
  }
  for (const a of changes.applied) await afterApplied(d, tx, pending, loaded, a);
  return { outcome: 'applied', code: null };
}

/**
 * Side effects of a packet newly applied on receipt: the quota claim it carries, the automatic decline
 * of an over-quota referral, and the release of this device's claim when its referral was declined.
 * Every device of the receiving unit declines by itself, so a decline goes out while any of them is
 * online; the fork rule keeps exactly one of their declines (PROTOCOL.md §13.2).
 */
async function afterApplied(
  d: DeviceRuntime,
  tx: BryggaStore,
  pending: Pending,
  loaded: LoadedLog,
  applied: PacketRecord,
): Promise<void> {
  const state = loaded.log.state!;
  const claims = claimsOf(applied);
  if (claims.type === 'referral' || claims.type === 'uptake-decision') {
    const proof =
      claims.type === 'referral'
        ? (claims.body as PacketBodies['referral']).quota
        : (claims.body as PacketBodies['uptake-decision']).quota;
    if (proof) {
      const c = verifyQuotaClaim(proof.claim, directoryResolver(d.directory), d.directory.agreements).payload;
      await tx.putQuota({ hash: docHash(proof.claim), kind: 'claim', ...pick(c), jws: proof.claim });
    }
  }
  if (claims.type === 'referral' && state.receiving === d.unit && state.status === 'referred') {
    const agreement = d.directory.agreements.find((a) => a.digest === state.agreement)!;
    try {
      await d.assertReferralWithinQuota(tx, state, agreement);
    } catch (err) {
      if (!isBryggaError(err, 'ERR_QUOTA_EXCEEDED')) throw err;
      await autoDecline(d, tx, pending, loaded);
    }
  }
  if (
    claims.type === 'uptake-decision' &&
    (claims.body as PacketBodies['uptake-decision']).decision === 'decline' &&
    state.home === d.unit
  ) {
    const own = (await tx.listQuota()).find(
      (q) => q.kind === 'claim' && q.direction === 'outgoing' && q.commitment === state.quota.outgoing,
    );
    if (own && decodeCompact(own.jws).header.kid === d.device) {
      const c = quotaClaimsOf(own.jws);
      const release = releaseQuotaClaim(d.identity.key, c, {
        unit: d.unit,
        reason: 'declined',
        now: d.now(),
      });
      await d.broadcastQuota(tx, pending, 'quota-release', { release }, c);
    }
  }
}

async function autoDecline(
  d: DeviceRuntime,
  tx: BryggaStore,
  pending: Pending,
  loaded: LoadedLog,
): Promise<void> {
  const state = loaded.log.state!;
  const now = d.now();
  const recipients = d.caseRecipients(state.home);
  const body: PacketBodies['uptake-decision'] = {
    decision: 'decline',
    reason: 'quota-exceeded',
    note: null,
    contacts: [],
    quota: null,
  };
  const sealed = await sealPacket({
    sender: { unit: d.unit, key: d.identity.key },
    recipients,
    type: 'uptake-decision',
    caseId: state.caseId,
    prev: loaded.log.head,
    body,
    checkpoint: d.log.claim(),
    now,
    rng: d.rng,
  });
  const offer = loaded.log.offer(toCasePacket(sealed.claims, sealed.hash));
  if (offer.outcome !== 'applied') throw offer.error!;
  await d.afterOffer(tx, pending, loaded, packetRecord(sealed.claims, sealed.jws, sealed.hash, [], 'out'));
  await tx.enqueueOutbox(sealed.claims.pid, toBase64url(sealed.envelope.serialize()), now.toISOString());
  await d.emit(tx, pending, 'case.auto-declined', state.caseId, { reason: 'quota-exceeded' });
}

/**
 * Whether an error that is not a BryggaError came from the database (drivers give their errors a string
 * `code`, such as SQLITE_BUSY or a PostgreSQL SQLSTATE): the transaction must fail so the packet is tried
 * again, rather than be recorded as refused.
 */
function isStoreFailure(err: unknown): boolean {
  return (
    typeof (err as { code?: unknown } | null)?.code === 'string' ||
    !(err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError)
  );
}
