/**
 * The Ed25519 signature of a relay token, judged by the one rule of PROTOCOL.md §4.1 on OpenSSL, off the
 * event loop: `crypto.verify` with a callback runs on libuv's thread pool.
 *
 * §4.1 on OpenSSL: OpenSSL's equation is the cofactorless one, and it compares the canonical encoding of
 * `[S]B − [k]A` with R, so no non-canonical R and, with A in the prime-order subgroup, no small-order R
 * but the identity can pass. The rule then adds the two checks §4.1 names for such a provider: the key
 * check of §3.1 (every key of the directory passed it: `SigningPublicKey` refuses any other), and the
 * refusal of `R = 01 00 … 00`; and, as the SDK's own verifier does, `S < L` on the bytes (OpenSSL
 * refuses a larger S too). test/relay/auth.test.ts and device-token.test.ts hold the relay to the rule.
 *
 * Why the pool: the relay's benchmark (durable submissions, 32 at a time) measured about 0.1 ms less
 * CPU on the event loop per submission this way than with the SDK's synchronous verifier (OpenSSL's
 * one-shot verify, about 78 µs), at the same or a higher rate and the same total CPU within its noise;
 * apart, a verification costs about 83 µs in all this way, 21 µs of them on the event loop. The event
 * loop is one thread: work moved off it leaves it free for the next request while the pool verifies.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { SigningPublicKey } from '@brygga/client-sdk';

/** The order L of the prime-order subgroup, little-endian. */
const L_BYTES = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

/** Whether S, the signature's second half read little-endian, is below L. */
function isCanonicalScalar(signature: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (signature[32 + i] !== L_BYTES[i]) return signature[32 + i]! < L_BYTES[i]!;
  }
  return false;
}

/** Whether R, the signature's first half, is 01 00 … 00, the identity. */
function isIdentityR(signature: Uint8Array): boolean {
  if (signature[0] !== 1) return false;
  for (let i = 1; i < 32; i++) if (signature[i] !== 0) return false;
  return true;
}

/** OpenSSL keys of device keys, by kid (the kid names the key's bytes), so each is imported once. */
const keyObjects = new Map<string, KeyObject>();
const KEY_OBJECTS_KEPT = 4096;

function keyObjectOf(key: SigningPublicKey): KeyObject {
  let object = keyObjects.get(key.kid);
  if (!object) {
    object = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.serialize() }, format: 'jwk' });
    if (keyObjects.size >= KEY_OBJECTS_KEPT) keyObjects.delete(keyObjects.keys().next().value!);
    keyObjects.set(key.kid, object);
  }
  return object;
}

/**
 * Whether `signature` (64 bytes) is `key`'s signature of `message` by PROTOCOL.md §4.1. Never rejects.
 *
 * @example if (!(await verifyTokenSignature(device.key, signature, signingInput))) throw refusal;
 */
export function verifyTokenSignature(
  key: SigningPublicKey,
  signature: Uint8Array,
  message: Uint8Array,
): Promise<boolean> {
  if (signature.length !== 64 || !isCanonicalScalar(signature) || isIdentityR(signature)) {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    try {
      verify(null, message, keyObjectOf(key), signature, (err, valid) => resolve(!err && valid));
    } catch {
      resolve(false);
    }
  });
}
