/**
 * Evidence bundles (bevisning; PROTOCOL.md §17): a case exported as one self-contained JSON document
 * holding every signed packet of its log (with attachments), the receipts, the consent documents, the
 * agreements and the directory statements that certify the signing keys, and a manifest signed by the
 * exporting device naming the log's head and every packet and receipt in it. This module builds a
 * bundle and checks its shape; `verifyEvidence` (evidence-verification.ts) checks everything else.
 */
import { toBase64url } from '../crypto/bytes.js';
import { decodeCompact, decodeJsonPayload, type GeneralJws } from '../crypto/jws.js';
import type { SigningKeyPair } from '../crypto/keys.js';
import type { Agreement } from '../directory/agreement.js';
import { numericDate } from '../directory/validate.js';
import { validateClaims } from '../envelope/packet.js';
import { BryggaError } from '../errors.js';
import { hash, id, id16, integer, jws, list, malformed, members, object, text } from './_fields.js';
import { type CasePacket, toCasePacket } from './case-packet.js';
import { consentDocuments } from './consent-documents.js';
import { documentHash, signDocument } from './signed-document.js';

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

/** The consent documents (compact JWS) a packet carries. */
export function consentDocumentsOf(p: CasePacket): string[] {
  return consentDocuments(p).map((d) => d.jws);
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
    receipts: input.receipts.map(documentHash),
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

/** Check a manifest's shape; ERR_MALFORMED naming the field. */
export function validateManifest(value: unknown): EvidenceManifest {
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
