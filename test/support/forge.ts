/**
 * Adversarial helper: builds a correctly encrypted envelope around an arbitrary, already signed packet,
 * as a malicious recipient or relay could. It follows PROTOCOL.md §7.3 step by step with the SDK's own
 * primitives, so a test can show that a validly encrypted but re-routed packet is still refused.
 */
import { xchachaSeal } from '../../client-sdk/src/crypto/aead.js';
import { fromBase64url } from '../../client-sdk/src/crypto/bytes.js';
import { setupBaseS } from '../../client-sdk/src/crypto/hpke.js';
import { Envelope, type EnvelopeHeader } from '../../client-sdk/src/envelope/envelope.js';
import { pad } from '../../client-sdk/src/envelope/padding.js';
import { CONTENT_KEY_INFO } from '../../client-sdk/src/envelope/seal.js';

export function forgeEnvelope(input: {
  header: EnvelopeHeader;
  recipientKeys: Uint8Array[];
  jws: string;
}): Envelope {
  const headerBytes = Envelope.encodeHeader(input.header);
  const jws = new TextEncoder().encode(input.jws);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, jws.length, false);
  const contentKey = crypto.getRandomValues(new Uint8Array(32));
  const ciphertext = xchachaSeal(
    contentKey,
    fromBase64url(input.header.nonce, 24),
    headerBytes,
    pad([length, jws]),
  );
  const entries = input.recipientKeys.map((pk) => {
    const { enc, context } = setupBaseS(pk, CONTENT_KEY_INFO);
    const sealed = context.seal(headerBytes, contentKey);
    const entry = new Uint8Array(80);
    entry.set(enc, 0);
    entry.set(sealed, 32);
    return entry;
  });
  return new Envelope(headerBytes, entries, ciphertext);
}
