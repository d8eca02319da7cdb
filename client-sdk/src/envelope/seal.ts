/**
 * Sealing and opening packets (PROTOCOL.md §7.3): sign, then encrypt, to several devices at once.
 *
 * Seal: sign the claims as a JWS with the device key; frame the JWS and the attachments; pad; encrypt
 * under a fresh 32-byte content key with XChaCha20-Poly1305 (associated data: the header bytes); seal the
 * content key to every recipient's HPKE key with a fresh HPKE base-mode context each (same associated
 * data). Open: the reverse, then check that the signed claims match the envelope that carried them.
 */

import { xchachaOpen, xchachaSeal } from '../crypto/aead.js';
import {
  concatBytes,
  equalBytes,
  fromBase64url,
  fromUtf8,
  type Rng,
  randomBytes,
  toBase64url,
  utf8,
  wipe,
} from '../crypto/bytes.js';
import { sha256, sha256Large } from '../crypto/hash.js';
import { setupBaseR, setupBaseS } from '../crypto/hpke.js';
import { decodeJsonPayload, signCompact, verifyCompactSignature } from '../crypto/jws.js';
import type { HpkeKeyPair, SigningKeyPair } from '../crypto/keys.js';
import type { Directory, RecipientDevice } from '../directory/directory.js';
import { numericDate } from '../directory/validate.js';
import { BryggaError, cryptoError } from '../errors.js';
import {
  Envelope,
  type EnvelopeHeader,
  KEY_ENTRY_LENGTH,
  MAX_RECIPIENTS,
  PACKET_ID_PATTERN,
} from './envelope.js';
import { type AttachmentMeta, PACKET_TYP, type PacketClaims, validateClaims } from './packet.js';
import { pad, unpad } from './padding.js';

/** HPKE `info` for sealing content keys: names the protocol version and purpose. */
export const CONTENT_KEY_INFO = utf8('brygga/v1/content-key');

/** An attachment to send. */
export interface Attachment {
  name: string;
  type: string;
  data: Uint8Array;
}

/** What to seal. */
export interface SealInput {
  sender: { unit: string; key: SigningKeyPair };
  recipients: readonly RecipientDevice[];
  type: string;
  caseId?: string | null;
  prev?: string | null;
  body: unknown;
  attachments?: readonly Attachment[];
  /** The sender's newest verified checkpoint of the relay's log (PROTOCOL.md §19.6), carried in the claims. */
  checkpoint?: string | undefined;
  now?: Date;
  rng?: Rng;
  /**
   * The packet id (16 bytes, base64url), when the packet is sealed again: a sender re-seals a packet
   * the relay refused to the devices current now under the same id (PROTOCOL.md §13.5). By default a
   * fresh random id.
   */
  id?: string;
  /** Test hook: fixed HPKE ephemeral input keying material, one per recipient. */
  ikmE?: readonly Uint8Array[];
}

/** A sealed packet: the envelope to submit, and what the sender keeps for its case log. */
export interface SealedPacket {
  envelope: Envelope;
  claims: PacketClaims;
  /** The signed packet (compact JWS): the evidence both ends keep. */
  jws: string;
  /** base64url SHA-256 of the JWS: the packet's hash in its case log. */
  hash: string;
}

/** An opened, verified packet. */
export interface OpenedPacket extends SealedPacket {
  attachments: { meta: AttachmentMeta; data: Uint8Array }[];
}

/** The hash of a signed packet: base64url SHA-256 of its compact JWS. */
export function packetHash(jws: string): string {
  return toBase64url(sha256(utf8(jws)));
}

function uniqueUnits(recipients: readonly { unit: string }[]): string[] {
  return [...new Set(recipients.map((r) => r.unit))];
}

/**
 * Sign and encrypt a packet to every device in `recipients`.
 *
 * @example
 * const sealed = await sealPacket({ sender: { unit: 'stockholm-jarva', key: deviceKey },
 *   recipients: directory.recipientsFor(['malmo']), type: 'message', body: { text: 'Hej' } });
 * await relay.submit(sealed.envelope.serialize());
 */
export async function sealPacket(input: SealInput): Promise<SealedPacket> {
  const { sender, recipients } = input;
  if (recipients.length === 0)
    throw new BryggaError('ERR_MALFORMED', 'a packet needs at least one recipient');
  if (recipients.length > MAX_RECIPIENTS)
    throw new BryggaError('ERR_TOO_MANY_RECIPIENTS', `at most ${MAX_RECIPIENTS} recipient devices`);
  const rng = input.rng;
  if (input.id !== undefined && !PACKET_ID_PATTERN.test(input.id)) {
    throw new BryggaError('ERR_MALFORMED', 'a packet id is 16 bytes, base64url');
  }
  const id = input.id ?? toBase64url(randomBytes(16, rng));
  const nonce = randomBytes(24, rng);
  const header: EnvelopeHeader = {
    v: 1,
    id,
    sender: { unit: sender.unit, device: sender.key.kid },
    recipients: recipients.map((r) => ({ unit: r.unit, device: r.device, key: r.hpkeKey.kid })),
    nonce: toBase64url(nonce),
  };
  const headerBytes = Envelope.encodeHeader(header);

  // Attachment hashes run on the platform's digest (sha256Large; under WebCrypto off the main thread,
  // while the content key is sealed to every recipient), so large attachments cost little more than
  // their encryption.
  const attachments = input.attachments ?? [];
  const hashes = attachments.map((a) => sha256Large(a.data));
  const contentKey = randomBytes(32, rng);
  try {
    const entries = recipients.map((r, i) => {
      const ikmE = input.ikmE?.[i];
      const { enc, context } = setupBaseS(r.hpkeKey.bytes, CONTENT_KEY_INFO, ikmE ? { ikmE } : { rng });
      return concatBytes(enc, context.seal(headerBytes, contentKey));
    });
    const digests = await Promise.all(hashes);
    const att: AttachmentMeta[] = attachments.map((a, i) => ({
      name: a.name,
      type: a.type,
      size: a.data.length,
      sha256: toBase64url(digests[i]!),
    }));
    const claims = validateClaims({
      v: 1,
      pid: id,
      iss: sender.unit,
      dev: sender.key.kid,
      rcp: header.recipients.map((r) => r.device),
      aud: uniqueUnits(header.recipients),
      iat: numericDate(input.now ?? new Date()),
      type: input.type,
      case: input.caseId ?? null,
      prev: input.prev ?? null,
      att,
      body: input.body,
      ...(input.checkpoint !== undefined ? { checkpoint: input.checkpoint } : {}),
    });
    const jws = signCompact(PACKET_TYP, claims, sender.key);
    const jwsBytes = utf8(jws);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, jwsBytes.length, false);
    const plaintext = pad([length, jwsBytes, ...attachments.map((a) => a.data)]);
    const ciphertext = xchachaSeal(contentKey, nonce, headerBytes, plaintext);
    wipe(plaintext);
    const hash = toBase64url(sha256(jwsBytes)); // packetHash(jws), without encoding the JWS again
    return { envelope: new Envelope(headerBytes, entries, ciphertext), claims, jws, hash };
  } finally {
    wipe(contentKey);
  }
}

/** The receiving device: its unit, signing key id and its HPKE key pairs by key id. */
export interface ReceivingDevice {
  unit: string;
  kid: string;
  hpkeKey: (kid: string) => HpkeKeyPair | undefined;
}

/** What to open. */
export interface OpenInput {
  envelope: Envelope | Uint8Array;
  device: ReceivingDevice;
  directory: Directory;
  /** The time of opening: the signing time `iat` must lie in the window around it (PROTOCOL.md §7.5). */
  now?: Date;
}

/** How far in the future a packet's signing time may lie (clock skew between devices), in seconds. */
export const MAX_PACKET_FUTURE_SECONDS = 300;
/** How old a packet's signing time may be when it is opened, in seconds: 30 days. */
export const MAX_PACKET_AGE_SECONDS = 30 * 24 * 3600;

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function claimsMismatch(): never {
  throw new BryggaError('ERR_CLAIMS_MISMATCH', 'the signed packet does not match the envelope it arrived in');
}

/**
 * Decrypt and verify a packet addressed to `device`, in the order of PROTOCOL.md §7.5: nothing inside
 * the encryption is interpreted before the signature over it has verified.
 *
 * Errors, by step: 1 ERR_MALFORMED (not an envelope), ERR_UNSUPPORTED_VERSION (another envelope
 * version), ERR_TOO_MANY_RECIPIENTS (more than 64 recipients); 2 ERR_NOT_A_RECIPIENT (this device is not
 * addressed, or addressed as another unit), ERR_UNKNOWN_KEY (sealed to an HPKE key this device does not
 * hold); 3 ERR_UNKNOWN_KEY / ERR_KEY_REVOKED / ERR_NOT_IN_AGREEMENT (the sender is unknown, revoked, or not
 * of a party); 4–5 ERR_CRYPTO, with one fixed message, for every decryption, padding, framing and
 * signature failure; 6 ERR_MALFORMED / ERR_UNSUPPORTED_VERSION for validly signed claims that break
 * their schema; 7 ERR_CLAIMS_MISMATCH when the claims do not match the envelope (re-sent, re-routed
 * or spliced) or were signed outside the time window; 8 ERR_CRYPTO for an attachment that does not
 * match its claimed size and hash.
 */
export async function openPacket(input: OpenInput): Promise<OpenedPacket> {
  // 1. The envelope.
  const envelope = input.envelope instanceof Envelope ? input.envelope : Envelope.deserialize(input.envelope);
  const { header } = envelope;
  const { device, directory } = input;
  // 2. This device's entry, as this device and unit, with a key it holds.
  const index = header.recipients.findIndex((r) => r.device === device.kid);
  if (index < 0) throw new BryggaError('ERR_NOT_A_RECIPIENT', 'this device is not a recipient of the packet');
  const me = header.recipients[index]!;
  if (me.unit !== device.unit) {
    throw new BryggaError('ERR_NOT_A_RECIPIENT', 'the packet addresses this device as another unit');
  }
  const hpkeKey = device.hpkeKey(me.key);
  if (!hpkeKey)
    throw new BryggaError(
      'ERR_UNKNOWN_KEY',
      'the packet is sealed to an encryption key this device does not hold',
    );
  // 3. The sender, as the directory knows it now.
  const senderDevice = directory.activeDevice(header.sender.device);

  // 4–5. Decrypt, unpad, split, verify the signature: every failure is the one generic error.
  const entry = envelope.keyEntries[index]!;
  if (entry.length !== KEY_ENTRY_LENGTH) throw cryptoError();
  let jws: string;
  let jwsBytes: Uint8Array;
  let payloadBytes: Uint8Array;
  let rest: Uint8Array;
  let contentKey: Uint8Array | undefined;
  try {
    const context = setupBaseR(entry.subarray(0, 32), hpkeKey.privateKey, CONTENT_KEY_INFO);
    contentKey = context.open(envelope.headerBytes, entry.subarray(32));
    const plaintext = xchachaOpen(
      contentKey,
      fromBase64url(header.nonce, 24),
      envelope.headerBytes,
      envelope.ciphertext,
    );
    const content = unpad(plaintext);
    if (content.length < 4) throw cryptoError();
    const jwsLength = new DataView(content.buffer, content.byteOffset, content.byteLength).getUint32(
      0,
      false,
    );
    if (4 + jwsLength > content.length) throw cryptoError();
    jwsBytes = content.subarray(4, 4 + jwsLength);
    jws = fromUtf8(jwsBytes);
    payloadBytes = verifyCompactSignature(jws, PACKET_TYP, senderDevice.key).payloadBytes;
    rest = content.subarray(4 + jwsLength);
  } catch {
    throw cryptoError();
  } finally {
    wipe(contentKey);
  }

  // 6. Only now are the signed claims read: their sender answers for them.
  const claims = validateClaims(decodeJsonPayload(payloadBytes));

  // 7. The claims against the envelope, the directory and the time.
  if (
    claims.pid !== header.id ||
    claims.iss !== header.sender.unit ||
    claims.dev !== header.sender.device ||
    claims.iss !== senderDevice.unit ||
    !sameList(
      claims.rcp,
      header.recipients.map((r) => r.device),
    ) ||
    !sameList(claims.aud, uniqueUnits(header.recipients))
  ) {
    claimsMismatch();
  }
  const now = numericDate(input.now ?? new Date());
  if (claims.iat > now + MAX_PACKET_FUTURE_SECONDS || claims.iat < now - MAX_PACKET_AGE_SECONDS) {
    throw new BryggaError('ERR_CLAIMS_MISMATCH', 'the packet was signed outside the time window');
  }

  // 8. The attachments: their sizes fill the rest exactly, and each has its signed hash.
  const attachments: OpenedPacket['attachments'] = [];
  let offset = 0;
  for (const meta of claims.att) {
    if (offset + meta.size > rest.length) throw cryptoError();
    attachments.push({ meta, data: rest.subarray(offset, offset + meta.size) });
    offset += meta.size;
  }
  if (offset !== rest.length) throw cryptoError();
  const computed = await Promise.all(attachments.map((a) => sha256Large(a.data)));
  attachments.forEach((a, i) => {
    if (!equalBytes(computed[i]!, fromBase64url(a.meta.sha256, 32))) throw cryptoError();
  });
  // packetHash(jws): the bytes it was decoded from are its UTF-8 (the decoding is strict and keeps a BOM).
  return { envelope, claims, jws, hash: toBase64url(sha256(jwsBytes)), attachments };
}
