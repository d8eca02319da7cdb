/**
 * Verifying an evidence bundle (PROTOCOL.md §17) offline, with nothing else but an agreement the
 * verifier trusts (a supervisor or a court gets it from the parties): it rebuilds the directory from the
 * bundle's statements, checks every signature, the hash chain, the rules of the workflow packet by
 * packet, every receipt against the packet it names and the manifest, and reports who sent what, when,
 * under which consent, and who received it. Any change to the bundle makes it fail with a specific
 * error.
 */
import { fromBase64url, toBase64url } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { Agreement } from '../directory/agreement.js';
import { Directory } from '../directory/directory.js';
import type { PacketClaims } from '../envelope/packet.js';
import { BryggaError } from '../errors.js';
import { dayOf } from './_fields.js';
import { verifyChain } from './case-log.js';
import { type CasePacket, toCasePacket, verifyPacketJws } from './case-packet.js';
import { type CaseContext, type CaseState, caseReducer } from './case-state.js';
import {
  consentDocumentsOf,
  EVIDENCE_TYP,
  type EvidenceBundle,
  type EvidenceManifest,
  validateEvidenceBundle,
  validateManifest,
} from './evidence.js';
import { carriesPersonalData, legalBasisOf } from './packet-body.js';
import { type ReceiptClaims, verifyReceipt } from './receipt.js';
import { assertPersonalDataCovered } from './rules.js';
import {
  type DeviceResolver,
  directoryResolver,
  documentHash,
  type VerifiedDocument,
  verifyDocument,
} from './signed-document.js';

/** What a verified bundle shows about one packet. */
export interface EvidenceEntry {
  index: number;
  pid: string;
  hash: string;
  type: string;
  sender: { unit: string; device: string };
  recipients: string[];
  sentAt: string;
  /** The consent the packet's personal data relied on; `legal-basis` under a recorded legal basis; null when it carries none. */
  reliedOn: { consent: string } | { legalBasis: string } | null;
  receipts: {
    unit: string;
    device: string;
    at: string;
    outcome: ReceiptClaims['outcome'];
    code: string | null;
  }[];
}

/** The result of {@link verifyEvidence}. */
export interface EvidenceReport {
  caseId: string;
  home: string;
  receiving: string;
  state: CaseState;
  packets: EvidenceEntry[];
  exportedBy: { unit: string; device: string };
  exportedAt: string;
}

/** A packet of the bundle once verified: as the case log sees it, and its claims. */
interface BundlePacket {
  packet: CasePacket;
  claims: PacketClaims;
}

function invalid(message: string, cause?: unknown): BryggaError {
  return new BryggaError('ERR_EVIDENCE_INVALID', message, cause === undefined ? undefined : { cause });
}

/**
 * Verify a bundle offline against `agreement` (one the verifier trusts: it must be among the bundle's
 * agreements, which must form a chain of valid extensions). Throws a BryggaError naming what failed:
 * ERR_CRYPTO for any signature, ERR_CASE_* / ERR_REPLAY for the log, the rule's code for a packet the
 * rules refuse, ERR_RECEIPT_MISMATCH for a receipt, ERR_EVIDENCE_INVALID for anything else.
 */
export function verifyEvidence(input: unknown, agreement: Agreement): EvidenceReport {
  const bundle = validateEvidenceBundle(input);
  const directory = bundleDirectory(bundle, agreement);
  const resolve = directoryResolver(directory);
  const packets = bundlePackets(bundle, resolve);
  const manifest = checkManifest(bundle, packets, resolve);
  const { state, entries, carried } = foldLog(packets, { agreements: directory.agreements, resolve });
  if (!manifest.unit || (manifest.unit !== state.home && manifest.unit !== state.receiving)) {
    throw new BryggaError('ERR_WRONG_PARTY', 'the bundle was exported by a unit outside the case');
  }
  for (const c of bundle.consents) {
    if (!carried.has(c)) throw invalid('a consent document of the bundle is not part of its log');
  }
  if (carried.size !== bundle.consents.length)
    throw invalid('the bundle leaves out consent documents of its log');
  attachReceipts(bundle, packets, entries, resolve);
  return {
    caseId: bundle.case,
    home: state.home,
    receiving: state.receiving,
    state,
    packets: entries,
    exportedBy: { unit: manifest.unit, device: manifest.device },
    exportedAt: new Date(manifest.payload.iat * 1000).toISOString(),
  };
}

/**
 * The directory of the bundle's own agreements and statements, once the trusted `agreement` is among
 * them (ERR_NOT_IN_AGREEMENT) and verifies.
 */
function bundleDirectory(bundle: EvidenceBundle, agreement: Agreement): Directory {
  const agreements = bundle.agreements.map((d) => Agreement.deserialize(d));
  if (!agreements.some((a) => a.digest === agreement.digest)) {
    throw new BryggaError('ERR_NOT_IN_AGREEMENT', 'the bundle does not run under the agreement given');
  }
  agreement.verify();
  const directory = new Directory(agreements[0]!);
  for (const a of agreements.slice(1)) directory.addAgreement(a);
  directory.applyAll(bundle.statements);
  return directory;
}

/** Every packet, signed by a device of the directory, of the bundle's case, with its attachments' bytes. */
function bundlePackets(bundle: EvidenceBundle, resolve: DeviceResolver): BundlePacket[] {
  return bundle.packets.map((e, i) => {
    const { claims, hash } = verifyPacketJws(e.jws, resolve);
    if (claims.case !== bundle.case)
      throw new BryggaError('ERR_CASE_SPLICE', `packet ${i} belongs to another case`);
    if (e.attachments.length !== claims.att.length) throw invalid(`packet ${i} lacks attachments`);
    e.attachments.forEach((a, j) => {
      const bytes = fromBase64url(a);
      const meta = claims.att[j]!;
      if (bytes.length !== meta.size || toBase64url(sha256(bytes)) !== meta.sha256) {
        throw new BryggaError('ERR_CRYPTO', 'cryptographic verification failed');
      }
    });
    return { packet: toCasePacket(claims, hash), claims };
  });
}

/** The signed manifest, once the packets are a whole case log ending at its head, and it names them and the receipts. */
function checkManifest(
  bundle: EvidenceBundle,
  packets: readonly BundlePacket[],
  resolve: DeviceResolver,
): VerifiedDocument<EvidenceManifest> {
  const doc = verifyDocument(
    bundle.manifest,
    EVIDENCE_TYP,
    resolve,
    validateManifest,
    (m) => m.unit,
    (m) => m.iat,
  );
  const manifest = doc.payload;
  verifyChain(
    bundle.case,
    packets.map((p) => p.packet),
    manifest.head,
  );
  if (
    manifest.case !== bundle.case ||
    manifest.length !== packets.length ||
    manifest.packets.join() !== packets.map((p) => p.packet.hash).join() ||
    manifest.receipts.join() !== bundle.receipts.map(documentHash).join()
  ) {
    throw invalid('the bundle does not match its signed manifest');
  }
  return doc;
}

/**
 * Fold the log through the workflow and its rules, noting for each packet what its personal data relied
 * on (the referral relies on its own consent), and collecting the consent documents the log carries.
 */
function foldLog(
  packets: readonly BundlePacket[],
  ctx: CaseContext,
): { state: CaseState; entries: EvidenceEntry[]; carried: Set<string> } {
  const reduce = caseReducer(ctx);
  let state: CaseState | undefined;
  const entries: EvidenceEntry[] = [];
  const carried = new Set<string>();
  packets.forEach(({ packet, claims }, index) => {
    let reliedOn: EvidenceEntry['reliedOn'] = null;
    if (state && carriesPersonalData(packet.type, packet.body)) {
      const lb = legalBasisOf(packet.body);
      const c = assertPersonalDataCovered(
        state.consents,
        packet.aud.filter((u) => u !== packet.unit),
        dayOf(packet.iat),
        lb,
      );
      reliedOn = c ? { consent: c.id } : { legalBasis: lb!.provision };
    }
    state = reduce(state, packet);
    if (index === 0) reliedOn = { consent: state.consents[0]!.id };
    for (const d of consentDocumentsOf(packet)) carried.add(d);
    entries.push({
      index,
      pid: packet.pid,
      hash: packet.hash,
      type: packet.type,
      sender: { unit: packet.unit, device: packet.device },
      recipients: [...claims.aud],
      sentAt: new Date(packet.iat * 1000).toISOString(),
      reliedOn,
      receipts: [],
    });
  });
  return { state: state!, entries, carried };
}

/**
 * Attach every receipt to the entry of the packet it names, once it names that packet exactly as sent
 * to its signer (ERR_RECEIPT_MISMATCH) and appears once (ERR_REPLAY).
 */
function attachReceipts(
  bundle: EvidenceBundle,
  packets: readonly BundlePacket[],
  entries: EvidenceEntry[],
  resolve: DeviceResolver,
): void {
  const seen = new Set<string>();
  for (const r of bundle.receipts) {
    const receipt = verifyReceipt(r, resolve).payload;
    const i = packets.findIndex((p) => p.packet.pid === receipt.pid);
    const p = packets[i];
    const matches =
      p !== undefined &&
      p.packet.hash === receipt.hash &&
      receipt.case === bundle.case &&
      receipt.type === p.packet.type &&
      receipt.from.unit === p.claims.iss &&
      receipt.from.device === p.claims.dev &&
      p.claims.rcp.includes(receipt.device);
    if (!matches)
      throw new BryggaError('ERR_RECEIPT_MISMATCH', 'a receipt does not name a packet of the bundle as sent');
    const key = `${receipt.pid}|${receipt.device}|${receipt.outcome}`;
    if (seen.has(key)) throw new BryggaError('ERR_REPLAY', 'a receipt appears twice');
    seen.add(key);
    entries[i]!.receipts.push({
      unit: receipt.unit,
      device: receipt.device,
      at: new Date(receipt.iat * 1000).toISOString(),
      outcome: receipt.outcome,
      code: receipt.code,
    });
  }
}
