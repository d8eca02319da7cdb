/**
 * JSON Web Signatures (RFC 7515) with EdDSA over Ed25519 (RFC 8037), as Brygga uses them
 * (PROTOCOL.md §4): compact serialisation for single signatures, general JSON serialisation for the
 * multi-party agreement.
 *
 * Every Brygga JWS carries an explicit `typ` (RFC 8725 §3.11) naming the structure signed; the
 * protected header is part of the signing input, so `typ` is the signature's domain-separation label.
 * Verification demands exactly `{alg: "EdDSA", typ, kid}` and checks the signature with strict
 * Ed25519 (no ZIP-215 leniency), so every platform accepts exactly the same set of signatures.
 * The output is standard JWS: any JOSE library (jose included) verifies it.
 */
import { BryggaError, cryptoError } from '../errors.js';
import { concatBytes, fromBase64url, toBase64url, utf8 } from './bytes.js';
import type { SigningKeyPair, SigningPublicKey } from './keys.js';
import { parseJson } from './strict-json.js';

/** The protected header of every Brygga JWS. */
export interface JwsHeader {
  alg: 'EdDSA';
  typ: string;
  kid: string;
}

/** A verified JWS: header, raw payload bytes and the payload parsed as JSON. */
export interface VerifiedJws<T = unknown> {
  header: JwsHeader;
  payloadBytes: Uint8Array;
  payload: T;
}

/** The parts of a compact JWS, not yet verified. */
export interface DecodedJws {
  header: JwsHeader;
  payloadBytes: Uint8Array;
  signingInput: Uint8Array;
  signature: Uint8Array;
}

/** Largest JWS this SDK will parse (characters). */
const MAX_JWS_LENGTH = 32 * 1024 * 1024;

function encodeHeader(typ: string, kid: string): string {
  return toBase64url(utf8(JSON.stringify({ alg: 'EdDSA', typ, kid })));
}

/**
 * Encode a payload object as JSON bytes (the exact bytes that are signed). A value that does not encode
 * to Brygga JSON (PROTOCOL.md §1.1: a fraction, a lone surrogate, nesting too deep, `undefined`) is
 * refused here, so the SDK never signs what every receiver would refuse.
 */
export function jsonBytes(value: unknown): Uint8Array {
  const text = JSON.stringify(value);
  if (typeof text !== 'string') throw new BryggaError('ERR_MALFORMED', 'not a JSON value');
  parseJson(text);
  return utf8(text);
}

/**
 * Sign `payload` (an object, serialised as JSON, or raw bytes) as a compact JWS of type `typ`.
 *
 * @example const jws = signCompact('brygga-device+jws', claims, unitRoot);
 */
export function signCompact(typ: string, payload: unknown, key: SigningKeyPair): string {
  const payloadBytes = payload instanceof Uint8Array ? payload : jsonBytes(payload);
  const signingInput = `${encodeHeader(typ, key.kid)}.${toBase64url(payloadBytes)}`;
  const signature = key.sign(utf8(signingInput));
  return `${signingInput}.${toBase64url(signature)}`;
}

function parseHeader(encoded: string): JwsHeader {
  let header: unknown;
  try {
    header = parseJson(fromBase64url(encoded));
  } catch {
    throw new BryggaError('ERR_MALFORMED', 'JWS header is not Brygga JSON');
  }
  const h = header as Record<string, unknown>;
  if (!h || typeof h !== 'object' || Array.isArray(h))
    throw new BryggaError('ERR_MALFORMED', 'JWS header is not an object');
  const keys = Object.keys(h).sort().join(',');
  if (keys !== 'alg,kid,typ' || h.alg !== 'EdDSA' || typeof h.typ !== 'string' || typeof h.kid !== 'string') {
    // Exactly these three members: no `jwk`, `jku`, `x5u`, `crit` or other algorithms are honoured.
    throw new BryggaError('ERR_MALFORMED', 'JWS header must be exactly {alg: EdDSA, typ, kid}');
  }
  return h as unknown as JwsHeader;
}

/** Split and decode a compact JWS without verifying it (to learn `kid` and `typ`). */
export function decodeCompact(jws: string): DecodedJws {
  if (typeof jws !== 'string' || jws.length > MAX_JWS_LENGTH)
    throw new BryggaError('ERR_MALFORMED', 'not a compact JWS');
  const parts = jws.split('.');
  if (parts.length !== 3) throw new BryggaError('ERR_MALFORMED', 'not a compact JWS');
  const [h, p, s] = parts as [string, string, string];
  const header = parseHeader(h);
  return {
    header,
    payloadBytes: fromBase64url(p),
    signingInput: utf8(`${h}.${p}`),
    signature: fromBase64url(s),
  };
}

function parsePayload<T>(bytes: Uint8Array): T {
  try {
    return parseJson(bytes) as T;
  } catch {
    throw new BryggaError('ERR_MALFORMED', 'JWS payload is not Brygga JSON');
  }
}

/**
 * Check a compact JWS's signature only: its structure (ERR_MALFORMED), then type, key id and signature
 * (ERR_CRYPTO). The payload is returned as bytes, not yet read, so a caller can verify before it
 * interprets anything (PROTOCOL.md §7.5).
 */
export function verifyCompactSignature(jws: string, typ: string, key: SigningPublicKey): DecodedJws {
  const decoded = decodeCompact(jws);
  if (decoded.header.typ !== typ || decoded.header.kid !== key.kid) throw cryptoError();
  if (!key.verify(decoded.signature, decoded.signingInput)) throw cryptoError();
  return decoded;
}

/**
 * Verify a compact JWS of type `typ` against `key`, then parse its payload. A structural problem is
 * ERR_MALFORMED; a wrong type, key id or signature is the generic ERR_CRYPTO; a validly signed payload
 * that is not Brygga JSON is ERR_MALFORMED.
 */
export function verifyCompact<T = unknown>(jws: string, typ: string, key: SigningPublicKey): VerifiedJws<T> {
  const decoded = verifyCompactSignature(jws, typ, key);
  return {
    header: decoded.header,
    payloadBytes: decoded.payloadBytes,
    payload: parsePayload<T>(decoded.payloadBytes),
  };
}

/** One signature of a general-serialisation JWS (RFC 7515 §7.2.1). */
export interface GeneralJwsSignature {
  protected: string;
  signature: string;
}

/** A general-serialisation JWS: one payload, several signatures. */
export interface GeneralJws {
  payload: string;
  signatures: GeneralJwsSignature[];
}

/** Add `key`'s signature of type `typ` to a general JWS over `payloadBytes` (creating it if needed). */
export function addGeneralSignature(
  jws: GeneralJws | Uint8Array,
  typ: string,
  key: SigningKeyPair,
): GeneralJws {
  const base: GeneralJws = jws instanceof Uint8Array ? { payload: toBase64url(jws), signatures: [] } : jws;
  const protectedHeader = encodeHeader(typ, key.kid);
  const signature = key.sign(utf8(`${protectedHeader}.${base.payload}`));
  return {
    payload: base.payload,
    signatures: [...base.signatures, { protected: protectedHeader, signature: toBase64url(signature) }],
  };
}

/**
 * Verify every signature of a general JWS. `resolve` maps a kid to the expected key (or undefined for
 * an unknown signer, which fails). Returns the payload bytes and the kids that signed, in order.
 */
export function verifyGeneral(
  jws: GeneralJws,
  typ: string,
  resolve: (kid: string) => SigningPublicKey | undefined,
): { payloadBytes: Uint8Array; signers: string[] } {
  if (!jws || typeof jws !== 'object' || typeof jws.payload !== 'string' || !Array.isArray(jws.signatures)) {
    throw new BryggaError('ERR_MALFORMED', 'not a general JWS');
  }
  const payloadBytes = fromBase64url(jws.payload);
  const signers: string[] = [];
  for (const sig of jws.signatures) {
    if (
      !sig ||
      typeof sig.protected !== 'string' ||
      typeof sig.signature !== 'string' ||
      Object.keys(sig).length !== 2
    ) {
      throw new BryggaError('ERR_MALFORMED', 'malformed JWS signature entry');
    }
    const header = parseHeader(sig.protected);
    const key = resolve(header.kid);
    if (header.typ !== typ || !key || key.kid !== header.kid) throw cryptoError();
    const ok = key.verify(fromBase64url(sig.signature), concatBytes(utf8(`${sig.protected}.${jws.payload}`)));
    if (!ok) throw cryptoError();
    signers.push(header.kid);
  }
  return { payloadBytes, signers };
}

/** Decode a payload as JSON (for callers that verified by other means). */
export function decodeJsonPayload<T>(bytes: Uint8Array): T {
  return parsePayload<T>(bytes);
}
