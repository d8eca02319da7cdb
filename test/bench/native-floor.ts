/**
 * Two constructions measured beside Brygga's envelope (envelope-bench.ts), on the same 4 KiB packet to
 * the same three devices:
 *
 * - the jose one a developer would reach for instead: an EdDSA JWS inside a general-serialisation JWE
 *   to three X25519 recipients (ECDH-ES+A256KW key wrapping, A256GCM content encryption);
 * - Brygga's own construction (PROTOCOL.md §7.3: JWS, then XChaCha20-Poly1305 under a content key that
 *   RFC 9180 base-mode HPKE seals to each device) written straight on `node:crypto`, with none of the
 *   SDK's checks, parsing or key management: the floor the SDK's native provider can approach.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { hchacha } from '@noble/ciphers/chacha.js';
import { CompactSign, compactVerify, GeneralEncrypt, generalDecrypt, generateKeyPair } from 'jose';

type Bytes = Uint8Array;
const te = new TextEncoder();

/** A sealed packet as a JWE in general JSON serialisation, and how to open it. */
export async function joseConstruction(claims: unknown, recipients: number) {
  const signer = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const devices = await Promise.all(
    Array.from({ length: recipients }, () => generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519' })),
  );
  const payload = te.encode(JSON.stringify(claims));
  const seal = async () => {
    const jws = await new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA' }).sign(signer.privateKey);
    const jwe = new GeneralEncrypt(te.encode(jws)).setProtectedHeader({ enc: 'A256GCM' });
    for (const d of devices) jwe.addRecipient(d.publicKey).setUnprotectedHeader({ alg: 'ECDH-ES+A256KW' });
    return jwe.encrypt();
  };
  const sealed = await seal();
  const open = async () => {
    const { plaintext } = await generalDecrypt(sealed, devices[0]!.privateKey);
    return compactVerify(plaintext, signer.publicKey);
  };
  return { seal, open };
}

const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

function xchachaKey(key: Bytes, nonce: Bytes): { subkey: Bytes; subnonce: Bytes } {
  const k = new Uint32Array(8);
  const n = new Uint32Array(4);
  new Uint8Array(k.buffer).set(key);
  new Uint8Array(n.buffer).set(nonce.subarray(0, 16));
  const out = new Uint32Array(8);
  hchacha(SIGMA, k, n, out);
  const subnonce = new Uint8Array(12);
  subnonce.set(nonce.subarray(16), 4);
  return { subkey: new Uint8Array(out.buffer), subnonce };
}

function chachaSeal(key: Bytes, nonce: Bytes, aad: Bytes, plaintext: Bytes): Bytes {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: plaintext.length });
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
}

function chachaOpen(key: Bytes, nonce: Bytes, aad: Bytes, ciphertext: Bytes): Bytes {
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  d.setAAD(aad, { plaintextLength: ciphertext.length - 16 });
  d.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const out = d.update(ciphertext.subarray(0, ciphertext.length - 16));
  d.final();
  return out;
}

const hmac = (key: Bytes, data: Bytes) => createHmac('sha256', key).update(data).digest();
const cat = (...parts: Bytes[]) => Buffer.concat(parts);
const HPKE_V1 = te.encode('HPKE-v1');
const KEM = te.encode('KEM\x00\x20');
const SUITE = Uint8Array.of(...te.encode('HPKE'), 0, 0x20, 0, 1, 0, 3);
const extract = (suite: Bytes, salt: Bytes, label: string, ikm: Bytes) =>
  hmac(salt, cat(HPKE_V1, suite, te.encode(label), ikm));
/** LabeledExpand for L ≤ 32: one HMAC block. */
const expand = (suite: Bytes, prk: Bytes, label: string, info: Bytes, length: number) =>
  hmac(prk, cat(Uint8Array.of(0, length), HPKE_V1, suite, te.encode(label), info, Uint8Array.of(1))).subarray(
    0,
    length,
  );
const EMPTY = new Uint8Array(0);
const raw = (key: KeyObject) => Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');
const x25519Public = (bytes: Bytes) =>
  createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(bytes).toString('base64url') },
    format: 'jwk',
  });

/** RFC 9180 base mode, single shot, for DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / ChaCha20Poly1305. */
function hpkeContext(dh: Bytes, enc: Bytes, pkR: Bytes, info: Bytes): { key: Bytes; nonce: Bytes } {
  const eae = extract(KEM, EMPTY, 'eae_prk', dh);
  const shared = expand(KEM, eae, 'shared_secret', cat(enc, pkR), 32);
  const context = cat(
    Uint8Array.of(0),
    extract(SUITE, EMPTY, 'psk_id_hash', EMPTY),
    extract(SUITE, EMPTY, 'info_hash', info),
  );
  const secret = extract(SUITE, shared, 'secret', EMPTY);
  return {
    key: expand(SUITE, secret, 'key', context, 32),
    nonce: expand(SUITE, secret, 'base_nonce', context, 12),
  };
}

/** Brygga's construction on `node:crypto` alone: seal to `recipients` devices, open as the first. */
export function nativeConstruction(
  claims: unknown,
  headerBytes: Bytes,
  paddedLength: number,
  recipients: number,
) {
  const signer = generateKeyPairSync('ed25519');
  const devices = Array.from({ length: recipients }, () => generateKeyPairSync('x25519'));
  const devicePublic = devices.map((d) => raw(d.publicKey));
  const info = te.encode('brygga/v1/content-key');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const protectedHeader = Buffer.from(
    JSON.stringify({ alg: 'EdDSA', typ: 'brygga-packet+jws', kid: 'k' }),
  ).toString('base64url');
  const seal = () => {
    const input = `${protectedHeader}.${payload}`;
    const jws = te.encode(
      `${input}.${sign(null, Buffer.from(input), signer.privateKey).toString('base64url')}`,
    );
    const contentKey = randomBytes(32);
    const nonce = randomBytes(24);
    const entries = devicePublic.map((pkR) => {
      const eph = generateKeyPairSync('x25519');
      const enc = raw(eph.publicKey);
      const dh = diffieHellman({ privateKey: eph.privateKey, publicKey: x25519Public(pkR) });
      const ctx = hpkeContext(dh, enc, pkR, info);
      return cat(enc, chachaSeal(ctx.key, ctx.nonce, headerBytes, contentKey));
    });
    const plaintext = new Uint8Array(paddedLength);
    new DataView(plaintext.buffer).setUint32(0, jws.length);
    plaintext.set(jws, 4);
    plaintext[4 + jws.length] = 0x80;
    const { subkey, subnonce } = xchachaKey(contentKey, nonce);
    return { entries, nonce, ciphertext: chachaSeal(subkey, subnonce, headerBytes, plaintext) };
  };
  const sealed = seal();
  const me = devices[0]!;
  const myPublic = devicePublic[0]!;
  const open = () => {
    const entry = sealed.entries[0]!;
    const enc = entry.subarray(0, 32);
    const dh = diffieHellman({ privateKey: me.privateKey, publicKey: x25519Public(enc) });
    const ctx = hpkeContext(dh, enc, myPublic, info);
    const contentKey = chachaOpen(ctx.key, ctx.nonce, headerBytes, entry.subarray(32));
    const { subkey, subnonce } = xchachaKey(contentKey, sealed.nonce);
    const plaintext = chachaOpen(subkey, subnonce, headerBytes, sealed.ciphertext);
    const length = new DataView(plaintext.buffer, plaintext.byteOffset).getUint32(0);
    const jws = Buffer.from(plaintext.subarray(4, 4 + length)).toString('utf8');
    const [h, p, s] = jws.split('.') as [string, string, string];
    if (!verify(null, Buffer.from(`${h}.${p}`), signer.publicKey, Buffer.from(s, 'base64url')))
      throw new Error('bad');
    return JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  };
  return { seal, open };
}
