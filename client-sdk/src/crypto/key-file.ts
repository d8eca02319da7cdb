/**
 * Private keys at rest (PROTOCOL.md §3.4): the secret is encrypted with XChaCha20-Poly1305 under a key
 * derived from a passphrase with scrypt. Every parameter that shapes the result (algorithm, key id,
 * scrypt cost, salt) is bound as associated data, so a file whose cost was lowered or whose public key
 * was swapped does not open.
 */
import { BryggaError, isBryggaError } from '../errors.js';
import { xchachaOpen, xchachaSeal } from './aead.js';
import { fromBase64url, fromUtf8, type Rng, randomBytes, toBase64url, utf8, wipe } from './bytes.js';
import { scrypt } from './hash.js';
import { HpkeKeyPair, type KeyAlgorithm, SigningKeyPair } from './keys.js';
import { parseJson } from './strict-json.js';

/** scrypt cost parameters. N must be a power of two. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Default cost: N = 2^17, r = 8, p = 1 (about 128 MiB and a second on a workstation). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

/** The serialised form of an encrypted private key (JSON). */
export interface KeyFile {
  v: 1;
  kind: 'brygga.key';
  alg: KeyAlgorithm;
  kid: string;
  public: string;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  nonce: string;
  ciphertext: string;
}

function associatedData(file: Omit<KeyFile, 'nonce' | 'ciphertext'>): Uint8Array {
  const { alg, kid, kdf } = file;
  return utf8(`brygga/v1/key-file|${alg}|${kid}|${file.public}|${kdf.N}|${kdf.r}|${kdf.p}|${kdf.salt}`);
}

function checkParams(params: ScryptParams): void {
  const { N, r, p } = params;
  const ok =
    Number.isSafeInteger(N) &&
    N >= 2 &&
    N <= 2 ** 22 &&
    (N & (N - 1)) === 0 &&
    Number.isSafeInteger(r) &&
    r >= 1 &&
    r <= 32 &&
    Number.isSafeInteger(p) &&
    p >= 1 &&
    p <= 16;
  if (!ok) throw new BryggaError('ERR_MALFORMED', 'scrypt parameters out of range');
}

async function deriveKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new BryggaError('ERR_MALFORMED', 'a passphrase is required');
  }
  const pass = utf8(passphrase.normalize('NFC'));
  try {
    return await scrypt(pass, salt, { ...params, dkLen: 32 });
  } finally {
    wipe(pass);
  }
}

/**
 * Encrypt a key pair under a passphrase.
 *
 * @example const text = JSON.stringify(await encryptKey(root, passphrase));
 */
export async function encryptKey(
  key: SigningKeyPair | HpkeKeyPair,
  passphrase: string,
  options: { scrypt?: ScryptParams; rng?: Rng } = {},
): Promise<KeyFile> {
  const params = options.scrypt ?? DEFAULT_SCRYPT;
  checkParams(params);
  const salt = randomBytes(16, options.rng);
  const nonce = randomBytes(24, options.rng);
  const head = {
    v: 1 as const,
    kind: 'brygga.key' as const,
    alg: (key instanceof SigningKeyPair ? 'Ed25519' : 'X25519') as KeyAlgorithm,
    kid: key.kid,
    public: key.publicKey.serialize(),
    kdf: { name: 'scrypt' as const, ...params, salt: toBase64url(salt) },
  };
  const kek = await deriveKey(passphrase, salt, params);
  const secret = key.exportSecret();
  try {
    const ciphertext = xchachaSeal(kek, nonce, associatedData(head), secret);
    return { ...head, nonce: toBase64url(nonce), ciphertext: toBase64url(ciphertext) };
  } finally {
    wipe(kek, secret);
  }
}

function parseKeyFile(input: unknown): KeyFile {
  const f = (typeof input === 'string' ? safeJson(input) : input) as Partial<KeyFile> | null;
  if (!f || typeof f !== 'object' || f.kind !== 'brygga.key')
    throw new BryggaError('ERR_MALFORMED', 'not a Brygga key file');
  if (f.v !== 1) throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported key file version');
  const kdf = f.kdf;
  if (
    (f.alg !== 'Ed25519' && f.alg !== 'X25519') ||
    typeof f.kid !== 'string' ||
    typeof f.public !== 'string' ||
    !kdf ||
    kdf.name !== 'scrypt' ||
    typeof kdf.salt !== 'string' ||
    typeof f.nonce !== 'string' ||
    typeof f.ciphertext !== 'string'
  ) {
    throw new BryggaError('ERR_MALFORMED', 'incomplete key file');
  }
  checkParams(kdf);
  return f as KeyFile;
}

function safeJson(text: string): unknown {
  try {
    return parseJson(text);
  } catch {
    throw new BryggaError('ERR_MALFORMED', 'key file is not Brygga JSON');
  }
}

/** Decrypt a key file (object or JSON text). A wrong passphrase or altered file is ERR_WRONG_PASSPHRASE. */
export async function decryptKey(
  input: KeyFile | string,
  passphrase: string,
): Promise<SigningKeyPair | HpkeKeyPair> {
  const file = parseKeyFile(input);
  const salt = fromBase64url(file.kdf.salt);
  const nonce = fromBase64url(file.nonce, 24);
  const ciphertext = fromBase64url(file.ciphertext);
  const kek = await deriveKey(passphrase, salt, file.kdf);
  let secret: Uint8Array | undefined;
  try {
    secret = xchachaOpen(kek, nonce, associatedData(file), ciphertext);
  } catch (err) {
    if (isBryggaError(err, 'ERR_CRYPTO')) {
      throw new BryggaError('ERR_WRONG_PASSPHRASE', 'wrong passphrase, or the key file was altered');
    }
    throw err;
  } finally {
    wipe(kek);
  }
  try {
    const key = file.alg === 'Ed25519' ? SigningKeyPair.fromSecret(secret) : HpkeKeyPair.fromSecret(secret);
    if (key.kid !== file.kid || key.publicKey.serialize() !== file.public) {
      throw new BryggaError('ERR_WRONG_PASSPHRASE', 'wrong passphrase, or the key file was altered');
    }
    return key;
  } finally {
    wipe(secret);
  }
}

/** Decrypt a key file that must hold a signing key. */
export async function decryptSigningKey(
  input: KeyFile | string,
  passphrase: string,
): Promise<SigningKeyPair> {
  const key = await decryptKey(input, passphrase);
  if (!(key instanceof SigningKeyPair))
    throw new BryggaError('ERR_MALFORMED', 'key file holds an X25519 key');
  return key;
}

/** Render a key file as text (JSON); no secret appears in it unencrypted. */
export function serializeKeyFile(file: KeyFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Parse key file text, for callers that only need its public part. */
export function readKeyFile(text: string | Uint8Array): KeyFile {
  return parseKeyFile(typeof text === 'string' ? text : fromUtf8(text));
}
