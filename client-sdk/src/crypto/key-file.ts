/**
 * Private keys at rest (PROTOCOL.md §3.4): the secret is encrypted with XChaCha20-Poly1305 under a key
 * derived from a passphrase with scrypt. Every parameter that shapes the result (algorithm, key id,
 * scrypt cost, salt) is bound as associated data, so a file whose cost was lowered or whose public key
 * was swapped does not open. The files written together under one passphrase (a device's keys) share
 * one salt and cost, so that opening them takes one scrypt derivation rather than one per file; a file
 * with a salt of its own (as each of a device's files had before) still opens, with one derivation per
 * distinct salt and cost.
 */
import { BryggaError, isBryggaError } from '../errors.js';
import { xchachaOpen, xchachaSeal } from './aead.js';
import { fromBase64url, fromUtf8, type Rng, randomBytes, toBase64url, utf8, wipe } from './bytes.js';
import { scrypt, scryptConcurrency } from './hash.js';
import { HpkeKeyPair, type KeyAlgorithm, keyId, SigningKeyPair } from './keys.js';
import { parseJson } from './strict-json.js';

/** scrypt cost parameters (RFC 7914). */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Default cost: N = 2^17, r = 8, p = 1 (128 MiB and about a second on a workstation). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

/**
 * The scrypt costs a key file may ask for (PROTOCOL.md §3.4), on write and on read: N a power of two
 * from 2^15 (32 MiB) to 2^20 (1 GiB), r = 8, p = 1. Below, a stolen file is cheap to attack; above, a
 * file could make its reader spend gigabytes and minutes.
 */
export const SCRYPT_LIMITS = { minN: 2 ** 15, maxN: 2 ** 20, r: 8, p: 1 } as const;

/** Length of a key file's salt and of its nonce, and of the sealed secret (32 bytes and a 16-byte tag). */
const SALT_LENGTH = 16;
const NONCE_LENGTH = 24;
const CIPHERTEXT_LENGTH = 48;

/** The fewest characters (Unicode code points, after NFC) a new passphrase may have. */
export const MIN_PASSPHRASE_LENGTH = 12;

/**
 * `passphrase`, when it may protect a new key file: at least {@link MIN_PASSPHRASE_LENGTH} Unicode
 * characters after NFC normalisation. ERR_MALFORMED otherwise. Opening an existing file asks only that
 * the passphrase be non-empty.
 *
 * @example const pass = checkNewPassphrase(process.env.BRYGGA_PASSPHRASE ?? '');
 */
export function checkNewPassphrase(passphrase: string): string {
  if (typeof passphrase !== 'string' || [...passphrase.normalize('NFC')].length < MIN_PASSPHRASE_LENGTH) {
    throw new BryggaError(
      'ERR_MALFORMED',
      `a new passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters`,
    );
  }
  return passphrase;
}

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
    N >= SCRYPT_LIMITS.minN &&
    N <= SCRYPT_LIMITS.maxN &&
    (N & (N - 1)) === 0 &&
    r === SCRYPT_LIMITS.r &&
    p === SCRYPT_LIMITS.p;
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

/** The parts of a key file that its derivation depends on: the salt (base64url) and the cost. */
export type Derivation = { salt: string } & ScryptParams;

/**
 * Key-encryption keys derived before a call that needs them: a command-line tool starts the derivation of
 * a device's passphrase while its modules load (PROTOCOL.md §3.4: a device's key files share one salt and
 * cost). `take` hands over the derivation of `passphrase` under `kdf` when it holds one, and never the
 * same one twice (the call that takes it wipes it); otherwise it returns undefined and the call derives
 * as usual. A derivation that does not match gives the wrong key, which does not open the file
 * (ERR_WRONG_PASSPHRASE), never a key file opened otherwise.
 */
export interface DerivedKeys {
  take(passphrase: string, kdf: Derivation): Promise<Uint8Array> | undefined;
}

/**
 * The key-encryption keys of one call, one scrypt derivation per distinct salt and cost however many
 * files share them (PROTOCOL.md §3.4); wiped together when the call ends.
 */
class Derivations {
  readonly #passphrase: string;
  readonly #derived: DerivedKeys | undefined;
  readonly #keks = new Map<string, Promise<Uint8Array>>();

  constructor(passphrase: string, derived?: DerivedKeys) {
    this.#passphrase = passphrase;
    this.#derived = derived;
  }

  kek(d: Derivation): Promise<Uint8Array> {
    const id = `${d.N}|${d.r}|${d.p}|${d.salt}`;
    let kek = this.#keks.get(id);
    if (!kek) {
      const kdf = { salt: d.salt, N: d.N, r: d.r, p: d.p };
      kek =
        this.#derived?.take(this.#passphrase, kdf) ??
        deriveKey(this.#passphrase, fromBase64url(d.salt, SALT_LENGTH), d);
      // A failed derivation is its callers' failure; wipe() below must not see it as unhandled.
      kek.catch(() => {});
      this.#keks.set(id, kek);
    }
    return kek;
  }

  async wipe(): Promise<void> {
    for (const kek of this.#keks.values()) {
      const bytes = await kek.catch(() => undefined);
      if (bytes) wipe(bytes);
    }
  }
}

/** Seal `key` under `kek`, the derivation `kdf` of the passphrase. */
function sealKey(
  key: SigningKeyPair | HpkeKeyPair,
  kek: Uint8Array,
  kdf: Derivation,
  rng: Rng | undefined,
): KeyFile {
  const nonce = randomBytes(NONCE_LENGTH, rng);
  const head = {
    v: 1 as const,
    kind: 'brygga.key' as const,
    alg: (key instanceof SigningKeyPair ? 'Ed25519' : 'X25519') as KeyAlgorithm,
    kid: key.kid,
    public: key.publicKey.serialize(),
    kdf: { name: 'scrypt' as const, N: kdf.N, r: kdf.r, p: kdf.p, salt: kdf.salt },
  };
  const secret = key.exportSecret();
  try {
    const ciphertext = xchachaSeal(kek, nonce, associatedData(head), secret);
    return { ...head, nonce: toBase64url(nonce), ciphertext: toBase64url(ciphertext) };
  } finally {
    wipe(secret);
  }
}

/** Options of {@link encryptKey} and {@link encryptKeys}. */
export interface EncryptKeyOptions {
  /** The cost of a new salt (default {@link DEFAULT_SCRYPT}). */
  scrypt?: ScryptParams;
  rng?: Rng;
  /**
   * A key file of the same passphrase whose salt and cost to use instead of new ones, so that both open
   * with one derivation (a device's new encryption key beside its signing key).
   */
  like?: KeyFile | string;
}

/** The derivation a new file is written with: `like`'s, or a new salt at the given cost. */
function newDerivation(options: EncryptKeyOptions): Derivation {
  if (options.like !== undefined) {
    const { salt, N, r, p } = parseKeyFile(options.like).kdf;
    return { salt, N, r, p };
  }
  const params = options.scrypt ?? DEFAULT_SCRYPT;
  checkParams(params);
  return { salt: toBase64url(randomBytes(SALT_LENGTH, options.rng)), N: params.N, r: params.r, p: params.p };
}

/**
 * Encrypt a key pair under a passphrase.
 *
 * @example const text = JSON.stringify(await encryptKey(root, passphrase));
 */
export async function encryptKey(
  key: SigningKeyPair | HpkeKeyPair,
  passphrase: string,
  options: EncryptKeyOptions = {},
): Promise<KeyFile> {
  return (await encryptKeys([key], passphrase, options))[0]!;
}

const FILE_MEMBERS = ['v', 'kind', 'alg', 'kid', 'public', 'kdf', 'nonce', 'ciphertext'];
const KDF_MEMBERS = ['name', 'N', 'r', 'p', 'salt'];

function hasExactly(o: object, members: readonly string[]): boolean {
  const keys = Object.keys(o);
  return keys.length === members.length && keys.every((k) => members.includes(k));
}

function canonical(value: unknown, length: number): boolean {
  try {
    fromBase64url(value as string, length);
    return typeof value === 'string';
  } catch {
    return false;
  }
}

/**
 * A key file's shape (PROTOCOL.md §3.4), checked before any work is done for it: exactly its members,
 * at the top and in `kdf`; costs within {@link SCRYPT_LIMITS}; a 16-byte salt, a 24-byte nonce, a
 * 48-byte ciphertext; a public key of the algorithm's length whose key id is `kid`.
 */
function parseKeyFile(input: unknown): KeyFile {
  const f = (typeof input === 'string' ? safeJson(input) : input) as Partial<KeyFile> | null;
  if (!f || typeof f !== 'object' || Array.isArray(f) || f.kind !== 'brygga.key')
    throw new BryggaError('ERR_MALFORMED', 'not a Brygga key file');
  if (f.v !== 1) throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported key file version');
  if (!hasExactly(f, FILE_MEMBERS))
    throw new BryggaError('ERR_MALFORMED', 'a key file has exactly its members');
  const kdf = f.kdf;
  if (
    !kdf ||
    typeof kdf !== 'object' ||
    Array.isArray(kdf) ||
    !hasExactly(kdf, KDF_MEMBERS) ||
    kdf.name !== 'scrypt'
  )
    throw new BryggaError('ERR_MALFORMED', 'a key file names scrypt with exactly N, r, p and salt');
  checkParams(kdf);
  if (
    (f.alg !== 'Ed25519' && f.alg !== 'X25519') ||
    !canonical(f.public, 32) ||
    typeof f.kid !== 'string' ||
    f.kid !== keyId(f.alg, fromBase64url(f.public as string)) ||
    !canonical(kdf.salt, SALT_LENGTH) ||
    !canonical(f.nonce, NONCE_LENGTH) ||
    !canonical(f.ciphertext, CIPHERTEXT_LENGTH)
  ) {
    throw new BryggaError('ERR_MALFORMED', 'a key file member is not well-formed');
  }
  return f as KeyFile;
}

function safeJson(text: string): unknown {
  try {
    return parseJson(text);
  } catch {
    throw new BryggaError('ERR_MALFORMED', 'key file is not Brygga JSON');
  }
}

/** Open `file` with its derivation from `derivations`. */
async function openKeyFile(file: KeyFile, derivations: Derivations): Promise<SigningKeyPair | HpkeKeyPair> {
  const nonce = fromBase64url(file.nonce, NONCE_LENGTH);
  const ciphertext = fromBase64url(file.ciphertext);
  const kek = await derivations.kek(file.kdf);
  let secret: Uint8Array | undefined;
  try {
    secret = xchachaOpen(kek, nonce, associatedData(file), ciphertext);
  } catch (err) {
    if (isBryggaError(err, 'ERR_CRYPTO')) {
      throw new BryggaError('ERR_WRONG_PASSPHRASE', 'wrong passphrase, or the key file was altered');
    }
    throw err;
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

/** Decrypt a key file (object or JSON text). A wrong passphrase or altered file is ERR_WRONG_PASSPHRASE. */
export async function decryptKey(
  input: KeyFile | string,
  passphrase: string,
): Promise<SigningKeyPair | HpkeKeyPair> {
  return (await decryptKeys([input], passphrase))[0]!;
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

/**
 * `f` of each item, at most {@link scryptConcurrency} at a time (each holds scrypt's memory while it
 * runs), the results in the items' order. Every item is tried; the first failure in that order is
 * thrown, after `undo` of the results that were made.
 */
async function eachInParallel<T, R>(
  items: readonly T[],
  f: (item: T) => Promise<R>,
  undo: (result: R) => void,
): Promise<R[]> {
  const settled = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) {
      try {
        settled[i] = { status: 'fulfilled', value: await f(items[i]!) };
      } catch (reason) {
        settled[i] = { status: 'rejected', reason };
      }
    }
  };
  const lanes = Math.max(1, Math.min(scryptConcurrency(), items.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  const failed = settled.find((s) => s.status === 'rejected');
  if (!failed) return settled.map((s) => (s as PromiseFulfilledResult<R>).value);
  for (const s of settled) if (s.status === 'fulfilled') undo(s.value);
  throw failed.reason;
}

/**
 * {@link decryptKey} of each file under one passphrase, with one scrypt derivation per distinct salt and
 * cost (files written together share them), the derivations in parallel where the crypto provider runs
 * them so. The keys come in the files' order; if any file does not open, none is returned and the first
 * failure is thrown. A derivation in `options.derived` is used instead of deriving it again (each file's
 * shape and cost are still checked first).
 *
 * @example const [signing, ...hpke] = await decryptKeys([record.signingKey, ...record.hpkeKeys], pass);
 */
export async function decryptKeys(
  inputs: readonly (KeyFile | string)[],
  passphrase: string,
  options: { derived?: DerivedKeys } = {},
): Promise<(SigningKeyPair | HpkeKeyPair)[]> {
  const derivations = new Derivations(passphrase, options.derived);
  try {
    return await eachInParallel(
      inputs,
      (input) => openKeyFile(parseKeyFile(input), derivations),
      (key) => key.destroy(),
    );
  } finally {
    await derivations.wipe();
  }
}

/**
 * {@link encryptKey} of each key under one passphrase: one salt and one derivation for them all (or
 * `like`'s), each file with its own nonce.
 */
export async function encryptKeys(
  keys: readonly (SigningKeyPair | HpkeKeyPair)[],
  passphrase: string,
  options: EncryptKeyOptions = {},
): Promise<KeyFile[]> {
  checkNewPassphrase(passphrase);
  const kdf = newDerivation(options);
  const derivations = new Derivations(passphrase);
  try {
    const kek = await derivations.kek(kdf);
    return keys.map((key) => sealKey(key, kek, kdf, options.rng));
  } finally {
    await derivations.wipe();
  }
}

/** Render a key file as text (JSON); no secret appears in it unencrypted. */
export function serializeKeyFile(file: KeyFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Parse key file text, for callers that only need its public part. */
export function readKeyFile(text: string | Uint8Array): KeyFile {
  return parseKeyFile(typeof text === 'string' ? text : fromUtf8(text));
}
