/**
 * Evidence bundles (bevisning; PROTOCOL.md §17): a case exported as one self-contained JSON document
 * holding every signed packet of its log (with attachments), the receipts, the consent documents, the
 * agreements and the directory statements that certify the signing keys, and a manifest signed by the
 * exporting device naming the log's head and every packet and receipt in it.
 *
 * {@link verifyEvidence} needs nothing else but an agreement the verifier trusts (a supervisor or a
 * court gets it from the parties): it rebuilds the directory from the bundle's statements, checks every
 * signature, the hash chain, the rules of the workflow packet by packet, every receipt against the
 * packet it names and the manifest, and reports who sent what, when, under which consent, and who
 * received it. Any change to the bundle makes it fail with a specific error.
 */
import { fromBase64url, toBase64url } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { decodeCompact, decodeJsonPayload, type GeneralJws } from '../crypto/jws.js';
import type { SigningKeyPair } from '../crypto/keys.js';
import { Agreement } from '../directory/agreement.js';
import { Directory } from '../directory/directory.js';
import { numericDate } from '../directory/validate.js';
import { type PacketClaims, validateClaims } from '../envelope/packet.js';
import { BryggaError } from '../errors.js';
import { dayOf, hash, id, id16, integer, jws, list, malformed, members, object, text } from './_fields.js';
import { verifyChain } from './case-log.js';
import { toCasePacket, verifyPacketJws } from './case-packet.js';
import { type CasePacket, type CaseState, caseReducer } from './case-state.js';
import { carriesPersonalData, legalBasisOf, type PacketBodies } from './packet-body.js';
import { type ReceiptClaims, verifyReceipt } from './receipt.js';
import { assertPersonalDataCovered } from './rules.js';
import { directoryResolver, signDocument, verifyDocument } from './signed-document.js';

/** The JWS `typ` of an evidence manifest. */
export const EVIDENCE_TYP = 'brygga-evidence+jws';

/** A packet in a bundle: its signed JWS and its attachments' bytes (base64url), in claim order. */
export interface EvidencePacket {
  jws: string;
  attachments: string[];
}

/** An evidence bundle. */
export interface EvidenceBundle {
  v: 1;
  kind: 'brygga.evidence';
  case: string;
  /** Every agreement the case ran under, oldest first (general JWS documents). */
  agreements: GeneralJws[];
  /** Directory statements (PROTOCOL.md §6), in the relay's order. */
  statements: string[];
  /** The case log, in order. */
  packets: EvidencePacket[];
  /** Signed receipts (`brygga-receipt+jws`) for the packets. */
  receipts: string[];
  /** The consent attestations and withdrawals of the case, as carried in its packets. */
  consents: string[];
  /** The exporting device's signed manifest (`brygga-evidence+jws`). */
  manifest: string;
}

/** The signed manifest. */
export interface EvidenceManifest {
  v: 1;
  kind: 'brygga.evidence-manifest';
  case: string;
  /** Hash of the last packet of the log, and the number of packets. */
  head: string;
  length: number;
  packets: string[];
  /** Hashes of the receipts' JWS (b64u SHA-256). */
  receipts: string[];
  unit: string;
  iat: number;
}

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

function receiptHash(jwsText: string): string {
  return toBase64url(sha256(new TextEncoder().encode(jwsText)));
}

/** Consent documents a packet carries. */
function consentDocumentsOf(p: CasePacket): string[] {
  switch (p.type) {
    case 'referral':
      return [(p.body as PacketBodies['referral']).consent];
    case 'consent':
      return [(p.body as PacketBodies['consent']).attestation];
    case 'consent-withdrawal':
      return [(p.body as PacketBodies['consent-withdrawal']).withdrawal];
    default:
      return [];
  }
}

/**
 * Build a bundle. `packets` is the applied case log in order (with each packet's attachment bytes),
 * `receipts` the receipts held for them; the exporting device signs the manifest.
 */
export function buildEvidenceBundle(input: {
  caseId: string;
  agreements: readonly Agreement[];
  statements: readonly string[];
  packets: readonly { jws: string; hash: string; attachments: readonly Uint8Array[] }[];
  receipts: readonly string[];
  unit: string;
  device: SigningKeyPair;
  now: Date;
}): EvidenceBundle {
  if (input.packets.length === 0)
    throw new BryggaError('ERR_UNKNOWN_CASE', 'the case has no packets to export');
  const packets = input.packets.map((p) => ({
    jws: p.jws,
    attachments: p.attachments.map((a) => toBase64url(a)),
  }));
  const consents = input.packets.flatMap((p) =>
    consentDocumentsOf(
      toCasePacket(validateClaims(decodeJsonPayload(decodeCompact(p.jws).payloadBytes)), p.hash),
    ),
  );
  const manifest: EvidenceManifest = {
    v: 1,
    kind: 'brygga.evidence-manifest',
    case: input.caseId,
    head: input.packets[input.packets.length - 1]!.hash,
    length: input.packets.length,
    packets: input.packets.map((p) => p.hash),
    receipts: input.receipts.map(receiptHash),
    unit: input.unit,
    iat: numericDate(input.now),
  };
  return {
    v: 1,
    kind: 'brygga.evidence',
    case: input.caseId,
    agreements: input.agreements.map((a) => a.jws),
    statements: [...input.statements],
    packets,
    receipts: [...input.receipts],
    consents,
    manifest: signDocument(EVIDENCE_TYP, manifest, input.device),
  };
}

function validateManifest(value: unknown): EvidenceManifest {
  const o = members(value, 'manifest', [
    'v',
    'kind',
    'case',
    'head',
    'length',
    'packets',
    'receipts',
    'unit',
    'iat',
  ]);
  if (o.v !== 1) throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported manifest version');
  if (o.kind !== 'brygga.evidence-manifest') malformed('manifest.kind', 'must be "brygga.evidence-manifest"');
  return {
    v: 1,
    kind: 'brygga.evidence-manifest',
    case: id16(o.case, 'manifest.case'),
    head: hash(o.head, 'manifest.head'),
    length: integer(o.length, 'manifest.length', 1, 1_000_000),
    packets: list(o.packets, 'manifest.packets', 1, 1_000_000, hash),
    receipts: list(o.receipts, 'manifest.receipts', 0, 10_000_000, hash),
    unit: id(o.unit, 'manifest.unit'),
    iat: integer(o.iat, 'manifest.iat', 0, Number.MAX_SAFE_INTEGER),
  };
}

/** Check a bundle's shape; ERR_MALFORMED naming the field. */
export function validateEvidenceBundle(value: unknown): EvidenceBundle {
  const o = members(value, 'evidence', [
    'v',
    'kind',
    'case',
    'agreements',
    'statements',
    'packets',
    'receipts',
    'consents',
    'manifest',
  ]);
  if (o.v !== 1) throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported evidence bundle version');
  if (o.kind !== 'brygga.evidence') malformed('evidence.kind', 'must be "brygga.evidence"');
  return {
    v: 1,
    kind: 'brygga.evidence',
    case: id16(o.case, 'evidence.case'),
    agreements: list(
      o.agreements,
      'evidence.agreements',
      1,
      100,
      (v, p) => object(v, p) as unknown as GeneralJws,
    ),
    statements: list(o.statements, 'evidence.statements', 0, 100_000, (v, p) => jws(v, p)),
    packets: list(o.packets, 'evidence.packets', 1, 1_000_000, (v, p) => {
      const e = members(v, p, ['jws', 'attachments']);
      return {
        jws: text(e.jws, `${p}.jws`, 64 * 1024 * 1024),
        attachments: list(e.attachments, `${p}.attachments`, 0, 32, (a, q) => {
          if (typeof a !== 'string' || !/^[A-Za-z0-9_-]*$/.test(a)) malformed(q, 'must be base64url');
          return a;
        }),
      };
    }),
    receipts: list(o.receipts, 'evidence.receipts', 0, 10_000_000, (v, p) => jws(v, p)),
    consents: list(o.consents, 'evidence.consents', 0, 1000, (v, p) => jws(v, p)),
    manifest: jws(o.manifest, 'evidence.manifest'),
  };
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
  const agreements = bundle.agreements.map((d) => Agreement.deserialize(d));
  if (!agreements.some((a) => a.digest === agreement.digest)) {
    throw new BryggaError('ERR_NOT_IN_AGREEMENT', 'the bundle does not run under the agreement given');
  }
  agreement.verify();
  const directory = new Directory(agreements[0]!);
  for (const a of agreements.slice(1)) directory.addAgreement(a);
  directory.applyAll(bundle.statements);
  const resolve = directoryResolver(directory);

  const packets: { packet: CasePacket; claims: PacketClaims; jws: string }[] = bundle.packets.map((e, i) => {
    const { claims, hash: h } = verifyPacketJws(e.jws, resolve);
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
    return { packet: toCasePacket(claims, h), claims, jws: e.jws };
  });

  const manifestDoc = verifyDocument(
    bundle.manifest,
    EVIDENCE_TYP,
    resolve,
    validateManifest,
    (m) => m.unit,
    (m) => m.iat,
  );
  const manifest = manifestDoc.payload;
  verifyChain(
    bundle.case,
    packets.map((p) => p.packet),
    manifest.head,
  );
  if (
    manifest.case !== bundle.case ||
    manifest.length !== packets.length ||
    manifest.packets.join() !== packets.map((p) => p.packet.hash).join() ||
    manifest.receipts.join() !== bundle.receipts.map(receiptHash).join()
  ) {
    throw invalid('the bundle does not match its signed manifest');
  }

  const reduce = caseReducer({ agreements: directory.agreements, resolve });
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
  const finalState = state!;
  if (
    !manifestDoc.unit ||
    (manifestDoc.unit !== finalState.home && manifestDoc.unit !== finalState.receiving)
  ) {
    throw new BryggaError('ERR_WRONG_PARTY', 'the bundle was exported by a unit outside the case');
  }
  for (const c of bundle.consents) {
    if (!carried.has(c)) throw invalid('a consent document of the bundle is not part of its log');
  }
  if (carried.size !== bundle.consents.length)
    throw invalid('the bundle leaves out consent documents of its log');

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
  return {
    caseId: bundle.case,
    home: finalState.home,
    receiving: finalState.receiving,
    state: finalState,
    packets: entries,
    exportedBy: { unit: manifestDoc.unit, device: manifestDoc.device },
    exportedAt: new Date(manifest.iat * 1000).toISOString(),
  };
}
