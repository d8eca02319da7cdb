/**
 * Envelopes built byte by byte (PROTOCOL.md §7.1, §7.3) from parts a test chooses: the exact header
 * bytes, the plaintext (padded or not), the content key and the ephemeral keying material. A sender that
 * breaks a rule of the protocol (a header with a member twice, signed claims with a member twice, the
 * wrong padding) is built here with the SDK's own primitives, so a test shows the receiver refuses it
 * for that rule alone: everything else about the envelope is valid.
 */
import { xchachaSeal } from '../../client-sdk/src/crypto/aead.js';
import { concatBytes, fromBase64url } from '../../client-sdk/src/crypto/bytes.js';
import { setupBaseS } from '../../client-sdk/src/crypto/hpke.js';
import { signCompact } from '../../client-sdk/src/crypto/jws.js';
import type { SigningKeyPair } from '../../client-sdk/src/crypto/keys.js';
import { ENVELOPE_MAGIC, ENVELOPE_VERSION } from '../../client-sdk/src/envelope/envelope.js';
import { PACKET_TYP } from '../../client-sdk/src/envelope/packet.js';
import { pad } from '../../client-sdk/src/envelope/padding.js';
import { CONTENT_KEY_INFO } from '../../client-sdk/src/envelope/seal.js';

const encoder = new TextEncoder();

/** `uint32be(len(J)) ‖ J ‖ attachments…` (PROTOCOL.md §7.3 step 3), not yet padded. */
export function framePlaintext(jws: string, attachments: Uint8Array[] = []): Uint8Array {
  const j = encoder.encode(jws);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, j.length, false);
  return concatBytes(length, j, ...attachments);
}

/** Sign raw claims text (which may break Brygga JSON) as a packet JWS with `key`. */
export function signRawClaims(claimsText: string, key: SigningKeyPair): string {
  return signCompact(PACKET_TYP, encoder.encode(claimsText), key);
}

/** The header text of an ordinary envelope, from its parts (members in the SDK's order). */
export function headerText(h: {
  id: string;
  sender: { unit: string; device: string };
  recipients: { unit: string; device: string; key: string }[];
  nonce: string;
}): string {
  return JSON.stringify({ v: 1, id: h.id, sender: h.sender, recipients: h.recipients, nonce: h.nonce });
}

/**
 * The envelope bytes for `headerBytes` (taken as they are: nothing is re-serialised), sealing
 * `paddedPlaintext` under `contentKey` with the header's nonce, and the content key to each recipient
 * public key (with fixed `ikmE` when given).
 */
export function sealRaw(input: {
  headerBytes: Uint8Array;
  nonce: Uint8Array;
  recipientKeys: Uint8Array[];
  paddedPlaintext: Uint8Array;
  contentKey?: Uint8Array;
  ikmE?: Uint8Array[];
}): Uint8Array {
  const contentKey = input.contentKey ?? crypto.getRandomValues(new Uint8Array(32));
  const ciphertext = xchachaSeal(contentKey, input.nonce, input.headerBytes, input.paddedPlaintext);
  const entries = input.recipientKeys.map((pk, i) => {
    const ikmE = input.ikmE?.[i];
    const { enc, context } = setupBaseS(pk, CONTENT_KEY_INFO, ikmE ? { ikmE } : undefined);
    return concatBytes(enc, context.seal(input.headerBytes, contentKey));
  });
  const prefix = new Uint8Array(9);
  prefix.set(ENVELOPE_MAGIC, 0);
  prefix[4] = ENVELOPE_VERSION;
  new DataView(prefix.buffer).setUint32(5, input.headerBytes.length, false);
  return concatBytes(prefix, input.headerBytes, ...entries, ciphertext);
}

/** {@link sealRaw} for header text, with the nonce read from it and the plaintext padded by §7.4. */
export function sealText(
  header: string,
  nonce: string,
  recipientKeys: Uint8Array[],
  plaintext: Uint8Array,
): Uint8Array {
  return sealRaw({
    headerBytes: encoder.encode(header),
    nonce: fromBase64url(nonce, 24),
    recipientKeys,
    paddedPlaintext: pad([plaintext]),
  });
}
