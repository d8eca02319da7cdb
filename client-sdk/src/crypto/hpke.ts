/**
 * Hybrid Public Key Encryption (RFC 9180) for exactly one suite:
 * DHKEM(X25519, HKDF-SHA256) (kem_id 0x0020), HKDF-SHA256 (kdf_id 0x0001) and ChaCha20Poly1305
 * (aead_id 0x0003), in all four modes: base, psk, auth and auth_psk (§5).
 *
 * The functions mirror the RFC's operations, in camelCase:
 * - §4 `LabeledExtract` / `LabeledExpand` (internal `labeledExtract` / `labeledExpand`), with the
 *   "HPKE-v1" prefix and a suite_id of "KEM" || I2OSP(kem_id, 2) inside the KEM, and
 *   "HPKE" || kem_id || kdf_id || aead_id everywhere else.
 * - §4.1 DHKEM `Encap` / `Decap` / `AuthEncap` / `AuthDecap`, and §7.1.3 `DeriveKeyPair` for X25519.
 * - §5.1 `KeySchedule` with §5.1 `VerifyPSKInputs`, and the `SetupBaseS` … `SetupAuthPSKR` functions.
 * - §5.2 the encryption contexts (`ComputeNonce`, `IncrementSeq`, `Seal`, `Open`), and §5.3 `Export`.
 * - §6.1 single-shot `Seal` / `Open` ({@link seal}, {@link open}).
 *
 * Choices made here:
 * - Every failure on the receiving side (a key or `enc` of the wrong length, a low-order `enc` or
 *   sender key, an all-zero DH output, a failed AEAD open) is the one generic `ERR_CRYPTO` error, so an
 *   error never says which check failed. The sending side uses the same error for bad keys. Inputs that
 *   are programming errors rather than attacks (a non-`Uint8Array` info or aad, PSK inputs that break
 *   §5.1 VerifyPSKInputs, a short ikm, an export length out of range) are `ERR_MALFORMED`.
 * - The sequence number is a JavaScript number, so a context refuses sequence numbers from 2^53 - 1 on
 *   (`ERR_LIMIT`, the RFC's MessageLimitReachedError) rather than from the 2^96 - 1 the nonce allows.
 * - `GenerateKeyPair` is `DeriveKeyPair(random(Nsk))`, so `rng` can be passed in and tests are
 *   repeatable; `DeriveKeyPair` refuses an ikm shorter than Nsk, the length §7.1.3 asks for.
 * - Shared secrets, DH outputs, PRKs, the ephemeral secret key and the key-schedule secret are wiped
 *   (or, for keys the crypto provider holds, destroyed) as soon as they have been used. A context keeps
 *   its key, base nonce and exporter secret.
 * - A recipient's private key may be given as bytes or as an {@link X25519PrivateKey} made once (a
 *   device's HpkeKeyPair.privateKey): under the `native` provider importing a key costs more than the
 *   exchange, and the key's bytes then never pass through here.
 */
import { BryggaError, cryptoError } from '../errors.js';
import { AEAD_KEY_LENGTH, CHACHA_NONCE_LENGTH, chachaOpen, chachaSeal } from './aead.js';
import { concatBytes, i2osp, type Rng, randomBytes, toBase64url, utf8, wipe } from './bytes.js';
import { hkdfExpand, hkdfExtract } from './hash.js';
import { X25519_LENGTH, X25519PrivateKey } from './x25519.js';

/** The algorithm identifiers of the one suite this module implements (RFC 9180 §7). */
export const HPKE_SUITE = Object.freeze({ kemId: 0x0020, kdfId: 0x0001, aeadId: 0x0003 });

/** The HPKE modes (RFC 9180 §5, Table 1). */
export const HPKE_MODE = Object.freeze({ base: 0x00, psk: 0x01, auth: 0x02, authPsk: 0x03 });

/** One of the {@link HPKE_MODE} values. */
export type HpkeMode = (typeof HPKE_MODE)[keyof typeof HPKE_MODE];

/** Length in bytes of `enc`, public keys and private keys of DHKEM(X25519, HKDF-SHA256) (§7.1). */
const HPKE_KEY_LENGTH = X25519_LENGTH;

/** The minimum length accepted for a PSK: §5.1.2 requires at least 32 bytes of entropy. */
const HPKE_MIN_PSK_LENGTH = 32;

const N_SECRET = 32; // Nsecret of DHKEM(X25519, HKDF-SHA256)
const N_SK = X25519_LENGTH; // Nsk
const N_H = 32; // Nh of HKDF-SHA256
const N_K = AEAD_KEY_LENGTH; // Nk of ChaCha20Poly1305
const N_N = CHACHA_NONCE_LENGTH; // Nn of ChaCha20Poly1305
const MAX_EXPORT_LENGTH = 255 * N_H;
/** The first sequence number a context refuses (see the module comment). */
const SEQ_LIMIT = Number.MAX_SAFE_INTEGER;

const HPKE_V1 = utf8('HPKE-v1');
const KEM_SUITE_ID = concatBytes(utf8('KEM'), i2osp(HPKE_SUITE.kemId, 2));
const HPKE_SUITE_ID = concatBytes(
  utf8('HPKE'),
  i2osp(HPKE_SUITE.kemId, 2),
  i2osp(HPKE_SUITE.kdfId, 2),
  i2osp(HPKE_SUITE.aeadId, 2),
);
const EMPTY = new Uint8Array(0);

/** A DHKEM(X25519) key pair as raw bytes; both halves are 32 bytes. */
export interface KemKeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/** Options of the sender's setup functions. */
export interface SetupSenderOptions {
  /**
   * Input keying material for the ephemeral key (`DeriveKeyPair(ikmE)`), which makes encapsulation
   * deterministic. Only for test vectors and reproducible tests: reusing it breaks confidentiality.
   */
  ikmE?: Uint8Array;
  /** Randomness for the ephemeral key when `ikmE` is absent; defaults to the platform CSPRNG. */
  rng?: Rng;
}

/** What a sender's setup returns: the encapsulated key to send, and the context to seal with. */
export interface SenderSetup {
  enc: Uint8Array;
  context: SenderContext;
}

function assertBytes(value: unknown, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new BryggaError('ERR_MALFORMED', `${what} must be a Uint8Array`);
}

/** Key material of the wrong type or length: the generic error, as for every other KEM failure. */
function assertKey(value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== HPKE_KEY_LENGTH) throw cryptoError();
}

/** A private key: 32 bytes, or a key the crypto provider holds. */
function assertPrivateKey(value: unknown): asserts value is Uint8Array | X25519PrivateKey {
  if (!(value instanceof X25519PrivateKey)) assertKey(value);
}

/** RFC 9180 §4: LabeledExtract(salt, label, ikm) under `suiteId`. */
function labeledExtract(suiteId: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  const labeledIkm = concatBytes(HPKE_V1, suiteId, utf8(label), ikm);
  try {
    return hkdfExtract(salt, labeledIkm);
  } finally {
    wipe(labeledIkm);
  }
}

/** RFC 9180 §4: LabeledExpand(prk, label, info, L) under `suiteId`. */
function labeledExpand(
  suiteId: Uint8Array,
  prk: Uint8Array,
  label: string,
  info: Uint8Array,
  length: number,
): Uint8Array {
  const labeledInfo = concatBytes(i2osp(length, 2), HPKE_V1, suiteId, utf8(label), info);
  return hkdfExpand(prk, labeledInfo, length);
}

/**
 * RFC 9180 §7.1.3: DeriveKeyPair(ikm) for DHKEM(X25519, HKDF-SHA256). `ikm` must be at least 32 bytes
 * (Nsk); it is not wiped, as it belongs to the caller.
 */
export function deriveKeyPair(ikm: Uint8Array): KemKeyPair {
  const key = derivePrivateKey(ikm);
  try {
    return { privateKey: key.exportSecret(), publicKey: key.publicKey };
  } finally {
    key.destroy();
  }
}

/** DeriveKeyPair(ikm) as a key the crypto provider holds; the derived bytes are wiped. */
function derivePrivateKey(ikm: Uint8Array): X25519PrivateKey {
  assertBytes(ikm, 'ikm');
  if (ikm.length < N_SK) throw new BryggaError('ERR_MALFORMED', `ikm must be at least ${N_SK} bytes`);
  const dkpPrk = labeledExtract(KEM_SUITE_ID, EMPTY, 'dkp_prk', ikm);
  let sk: Uint8Array | undefined;
  try {
    sk = labeledExpand(KEM_SUITE_ID, dkpPrk, 'sk', EMPTY, N_SK);
    return X25519PrivateKey.fromBytes(sk);
  } finally {
    wipe(dkpPrk, sk);
  }
}

/** GenerateKeyPair() as a key the crypto provider holds. */
function generatePrivateKey(rng?: Rng): X25519PrivateKey {
  const ikm = randomBytes(N_SK, rng);
  try {
    return derivePrivateKey(ikm);
  } finally {
    wipe(ikm);
  }
}

/** RFC 9180 §4 GenerateKeyPair(), implemented as DeriveKeyPair(random(Nsk)). */
export function generateKeyPair(rng?: Rng): KemKeyPair {
  const key = generatePrivateKey(rng);
  try {
    return { privateKey: key.exportSecret(), publicKey: key.publicKey };
  } finally {
    key.destroy();
  }
}

/** §4.1 ExtractAndExpand: the KEM shared secret from the DH output(s) and the KEM context. */
function extractAndExpand(dh: Uint8Array, kemContext: Uint8Array): Uint8Array {
  const eaePrk = labeledExtract(KEM_SUITE_ID, EMPTY, 'eae_prk', dh);
  try {
    return labeledExpand(KEM_SUITE_ID, eaePrk, 'shared_secret', kemContext, N_SECRET);
  } finally {
    wipe(eaePrk);
  }
}

/** The ephemeral key pair of an encapsulation: derived from `ikmE`, or fresh. */
function ephemeralKey(opts: SetupSenderOptions | undefined): X25519PrivateKey {
  return opts?.ikmE === undefined ? generatePrivateKey(opts?.rng) : derivePrivateKey(opts.ikmE);
}

/** A private key given as bytes or as a key made before, as a key (made here when bytes). */
function privateKeyOf(key: Uint8Array | X25519PrivateKey): X25519PrivateKey {
  return key instanceof X25519PrivateKey ? key : X25519PrivateKey.fromBytes(key);
}

/** The result of an encapsulation: the KEM shared secret and the encapsulated key. */
interface Encapsulation {
  sharedSecret: Uint8Array;
  enc: Uint8Array;
}

/**
 * RFC 9180 §4.1 Encap(pkR), or AuthEncap(pkR, skS) when `skS` is given. Throws the generic error for
 * a public key of the wrong length or of low order.
 */
function encap(
  pkR: Uint8Array,
  skS: Uint8Array | X25519PrivateKey | undefined,
  opts: SetupSenderOptions | undefined,
): Encapsulation {
  assertKey(pkR);
  if (skS !== undefined) assertPrivateKey(skS);
  const ephemeral = ephemeralKey(opts);
  const sender = skS === undefined ? undefined : privateKeyOf(skS);
  let dhE: Uint8Array | undefined;
  let dhS: Uint8Array | undefined;
  let dh: Uint8Array | undefined;
  try {
    dhE = ephemeral.sharedSecret(pkR);
    const enc = ephemeral.publicKey;
    if (sender === undefined) {
      return { sharedSecret: extractAndExpand(dhE, concatBytes(enc, pkR)), enc };
    }
    dhS = sender.sharedSecret(pkR);
    dh = concatBytes(dhE, dhS);
    const kemContext = concatBytes(enc, pkR, sender.publicKey);
    return { sharedSecret: extractAndExpand(dh, kemContext), enc };
  } finally {
    ephemeral.destroy();
    if (sender !== undefined && sender !== skS) sender.destroy();
    wipe(dhE, dhS, dh);
  }
}

/**
 * RFC 9180 §4.1 Decap(enc, skR), or AuthDecap(enc, skR, pkS) when `pkS` is given. Every failure is the
 * generic error.
 */
function decap(
  enc: Uint8Array,
  skR: Uint8Array | X25519PrivateKey,
  pkS: Uint8Array | undefined,
  pkR?: Uint8Array,
): Uint8Array {
  assertKey(enc);
  assertPrivateKey(skR);
  if (pkS !== undefined) assertKey(pkS);
  if (pkR !== undefined) assertKey(pkR);
  let recipient: X25519PrivateKey | undefined;
  let dhE: Uint8Array | undefined;
  let dhS: Uint8Array | undefined;
  let dh: Uint8Array | undefined;
  try {
    recipient = privateKeyOf(skR);
    dhE = recipient.sharedSecret(enc, { ephemeral: true });
    // A caller holding the key pair may pass pkR; a key made before knows its own. A wrong pkR only
    // yields a different shared secret, so the open fails: it cannot weaken anything.
    const pkRm = pkR ?? recipient.publicKey;
    if (pkS === undefined) return extractAndExpand(dhE, concatBytes(enc, pkRm));
    dhS = recipient.sharedSecret(pkS);
    dh = concatBytes(dhE, dhS);
    return extractAndExpand(dh, concatBytes(enc, pkRm, pkS));
  } catch (err) {
    if (err instanceof BryggaError && err.code === 'ERR_CRYPTO') throw err;
    throw cryptoError();
  } finally {
    if (recipient !== undefined && recipient !== skR) recipient.destroy();
    wipe(dhE, dhS, dh);
  }
}

/** The outputs of §5.1 KeySchedule, including the intermediate values the test vectors list. */
interface KeyScheduleResult {
  keyScheduleContext: Uint8Array;
  secret: Uint8Array;
  key: Uint8Array;
  baseNonce: Uint8Array;
  exporterSecret: Uint8Array;
}

/** RFC 9180 §5.1 VerifyPSKInputs: a PSK and its id come together, and only in the PSK modes. */
function verifyPskInputs(mode: HpkeMode, psk: Uint8Array, pskId: Uint8Array): void {
  assertBytes(psk, 'psk');
  assertBytes(pskId, 'psk_id');
  const gotPsk = psk.length > 0;
  const gotPskId = pskId.length > 0;
  if (gotPsk !== gotPskId) throw new BryggaError('ERR_MALFORMED', 'inconsistent PSK inputs');
  const pskMode = mode === HPKE_MODE.psk || mode === HPKE_MODE.authPsk;
  if (gotPsk && !pskMode) throw new BryggaError('ERR_MALFORMED', 'PSK input provided when not needed');
  if (!gotPsk && pskMode) throw new BryggaError('ERR_MALFORMED', 'missing required PSK input');
  if (gotPsk && psk.length < HPKE_MIN_PSK_LENGTH) {
    throw new BryggaError('ERR_MALFORMED', `psk must be at least ${HPKE_MIN_PSK_LENGTH} bytes`);
  }
}

/**
 * key_schedule_context = mode ‖ LabeledExtract("", "psk_id_hash", psk_id) ‖ LabeledExtract("",
 * "info_hash", info) (§5.1). It depends on public values only, and a sender uses one `info` for every
 * recipient of every packet, so short ones are kept rather than hashed twice per setup.
 */
function scheduleContext(mode: HpkeMode, info: Uint8Array, pskId: Uint8Array): Uint8Array {
  const id =
    info.length + pskId.length <= 256 ? `${mode}.${toBase64url(pskId)}.${toBase64url(info)}` : undefined;
  const known = id === undefined ? undefined : scheduleContexts.get(id);
  if (known) return Uint8Array.from(known);
  const pskIdHash = labeledExtract(HPKE_SUITE_ID, EMPTY, 'psk_id_hash', pskId);
  const infoHash = labeledExtract(HPKE_SUITE_ID, EMPTY, 'info_hash', info);
  const context = concatBytes(i2osp(mode, 1), pskIdHash, infoHash);
  if (id !== undefined) {
    if (scheduleContexts.size >= SCHEDULE_CONTEXTS_KEPT)
      scheduleContexts.delete(scheduleContexts.keys().next().value!);
    scheduleContexts.set(id, context);
  }
  return Uint8Array.from(context);
}
const scheduleContexts = new Map<string, Uint8Array>();
const SCHEDULE_CONTEXTS_KEPT = 64;

/** RFC 9180 §5.1 KeySchedule, returning every intermediate value; the caller wipes `secret`. */
function keySchedule(
  mode: HpkeMode,
  sharedSecret: Uint8Array,
  info: Uint8Array,
  psk: Uint8Array,
  pskId: Uint8Array,
): KeyScheduleResult {
  verifyPskInputs(mode, psk, pskId);
  const keyScheduleContext = scheduleContext(mode, info, pskId);
  const secret = labeledExtract(HPKE_SUITE_ID, sharedSecret, 'secret', psk);
  return {
    keyScheduleContext,
    secret,
    key: labeledExpand(HPKE_SUITE_ID, secret, 'key', keyScheduleContext, N_K),
    baseNonce: labeledExpand(HPKE_SUITE_ID, secret, 'base_nonce', keyScheduleContext, N_N),
    exporterSecret: labeledExpand(HPKE_SUITE_ID, secret, 'exp', keyScheduleContext, N_H),
  };
}

/** Runs the key schedule and wipes the shared secret and the key-schedule secret. */
function scheduleKeys(
  mode: HpkeMode,
  sharedSecret: Uint8Array,
  info: Uint8Array,
  psk: Uint8Array,
  pskId: Uint8Array,
): KeyScheduleResult {
  try {
    const result = keySchedule(mode, sharedSecret, info, psk, pskId);
    wipe(result.secret);
    return result;
  } finally {
    wipe(sharedSecret);
  }
}

/** Test hook: lets the tests move a context's sequence number (see {@link _internals}). */
let setSequenceNumber: (context: Context, seq: number) => void;

/**
 * RFC 9180 §5.2 / §5.3: the state both roles share (key, base nonce, sequence number, exporter
 * secret), nonce computation and the secret export. Not constructed directly: use the setup functions.
 */
abstract class Context {
  readonly #key: Uint8Array;
  readonly #baseNonce: Uint8Array;
  readonly #exporterSecret: Uint8Array;
  #seq = 0;

  static {
    setSequenceNumber = (context, seq) => {
      context.#seq = seq;
    };
  }

  protected constructor(schedule: KeyScheduleResult) {
    this.#key = schedule.key;
    this.#baseNonce = schedule.baseNonce;
    this.#exporterSecret = schedule.exporterSecret;
  }

  /** §5.2 ComputeNonce(seq): the base nonce XOR I2OSP(seq, Nn); refuses a spent sequence space. */
  #computeNonce(): Uint8Array {
    if (this.#seq >= SEQ_LIMIT) throw new BryggaError('ERR_LIMIT', 'HPKE message limit reached');
    const seqBytes = i2osp(this.#seq, N_N);
    for (let i = 0; i < N_N; i++) seqBytes[i]! ^= this.#baseNonce[i]!;
    return seqBytes;
  }

  /** §5.2 ContextS.Seal: encrypt under the current nonce, then IncrementSeq. */
  protected sealNext(aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    assertBytes(aad, 'aad');
    assertBytes(plaintext, 'plaintext');
    const ciphertext = chachaSeal(this.#key, this.#computeNonce(), aad, plaintext);
    this.#seq += 1;
    return ciphertext;
  }

  /** §5.2 ContextR.Open: decrypt under the current nonce; only a success advances the sequence. */
  protected openNext(aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    assertBytes(aad, 'aad');
    const plaintext = chachaOpen(this.#key, this.#computeNonce(), aad, ciphertext);
    this.#seq += 1;
    return plaintext;
  }

  /**
   * RFC 9180 §5.3 Export(exporter_context, L): `length` bytes of secret bound to this context and
   * to `exporterContext`. Both ends of one setup export the same value. `length` is 1 … 8160 (255·Nh).
   */
  export(exporterContext: Uint8Array, length: number): Uint8Array {
    assertBytes(exporterContext, 'exporter context');
    if (!Number.isSafeInteger(length) || length < 1 || length > MAX_EXPORT_LENGTH) {
      throw new BryggaError('ERR_MALFORMED', `export length must be 1 to ${MAX_EXPORT_LENGTH}`);
    }
    return labeledExpand(HPKE_SUITE_ID, this.#exporterSecret, 'sec', exporterContext, length);
  }
}

/**
 * The sender's encryption context (RFC 9180 §5.2 ContextS): seals messages in order, and exports.
 * One context per recipient per packet; it cannot open.
 */
export class SenderContext extends Context {
  /** @internal Built by the `setup…S` functions only. */
  constructor(schedule: KeyScheduleResult) {
    super(schedule);
  }

  /**
   * Encrypt `plaintext` with `aad` under the next nonce. The recipient must open the ciphertexts in
   * the order they were sealed. Throws ERR_LIMIT once the sequence numbers are spent.
   */
  seal(aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    return this.sealNext(aad, plaintext);
  }
}

/**
 * The recipient's decryption context (RFC 9180 §5.2 ContextR): opens messages in the order they were
 * sealed, and exports. It cannot seal.
 */
export class RecipientContext extends Context {
  /** @internal Built by the `setup…R` functions only. */
  constructor(schedule: KeyScheduleResult) {
    super(schedule);
  }

  /**
   * Decrypt the next ciphertext. Throws the generic ERR_CRYPTO error on any failure (wrong key,
   * altered ciphertext or aad, out-of-order message), after which the context still expects the same
   * message; ERR_LIMIT once the sequence numbers are spent.
   */
  open(aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    return this.openNext(aad, ciphertext);
  }
}

function setupSender(
  mode: HpkeMode,
  pkR: Uint8Array,
  info: Uint8Array,
  psk: Uint8Array,
  pskId: Uint8Array,
  skS: Uint8Array | X25519PrivateKey | undefined,
  opts: SetupSenderOptions | undefined,
): SenderSetup {
  assertBytes(info, 'info');
  verifyPskInputs(mode, psk, pskId);
  const { sharedSecret, enc } = encap(pkR, skS, opts);
  return { enc, context: new SenderContext(scheduleKeys(mode, sharedSecret, info, psk, pskId)) };
}

function setupRecipient(
  mode: HpkeMode,
  enc: Uint8Array,
  skR: Uint8Array | X25519PrivateKey,
  info: Uint8Array,
  psk: Uint8Array,
  pskId: Uint8Array,
  pkS: Uint8Array | undefined,
  pkR?: Uint8Array,
): RecipientContext {
  assertBytes(info, 'info');
  verifyPskInputs(mode, psk, pskId);
  const sharedSecret = decap(enc, skR, pkS, pkR);
  return new RecipientContext(scheduleKeys(mode, sharedSecret, info, psk, pskId));
}

/**
 * RFC 9180 §5.1.1 SetupBaseS(pkR, info): encapsulate to the recipient's public key.
 *
 * @example
 * const { enc, context } = setupBaseS(recipientPublicKey, info);
 * const ct = context.seal(aad, plaintext); // send enc and ct
 */
export function setupBaseS(pkR: Uint8Array, info: Uint8Array, opts?: SetupSenderOptions): SenderSetup {
  return setupSender(HPKE_MODE.base, pkR, info, EMPTY, EMPTY, undefined, opts);
}

/**
 * RFC 9180 §5.1.1 SetupBaseR(enc, skR, info). Throws the generic ERR_CRYPTO error on any failure.
 * `skR` is the recipient's private key as bytes or as a key made before (HpkeKeyPair.privateKey), which
 * is faster. `opts.pkR`, the recipient's own public key, saves recomputing pk(skR) from bytes.
 */
export function setupBaseR(
  enc: Uint8Array,
  skR: Uint8Array | X25519PrivateKey,
  info: Uint8Array,
  opts?: { pkR?: Uint8Array },
): RecipientContext {
  return setupRecipient(HPKE_MODE.base, enc, skR, info, EMPTY, EMPTY, undefined, opts?.pkR);
}

/**
 * RFC 9180 §5.1.2 SetupPSKS(pkR, info, psk, psk_id). `psk` must be at least 32 bytes and `pskId`
 * non-empty.
 */
export function setupPskS(
  pkR: Uint8Array,
  info: Uint8Array,
  psk: Uint8Array,
  pskId: Uint8Array,
  opts?: SetupSenderOptions,
): SenderSetup {
  return setupSender(HPKE_MODE.psk, pkR, info, psk, pskId, undefined, opts);
}

/** RFC 9180 §5.1.2 SetupPSKR(enc, skR, info, psk, psk_id). */
export function setupPskR(
  enc: Uint8Array,
  skR: Uint8Array,
  info: Uint8Array,
  psk: Uint8Array,
  pskId: Uint8Array,
): RecipientContext {
  return setupRecipient(HPKE_MODE.psk, enc, skR, info, psk, pskId, undefined);
}

/**
 * RFC 9180 §5.1.3 SetupAuthS(pkR, info, skS): encapsulate and authenticate the sender's static key.
 * Note §9.1.1: auth mode does not protect against compromise of the recipient's key (KCI).
 */
export function setupAuthS(
  pkR: Uint8Array,
  info: Uint8Array,
  skS: Uint8Array,
  opts?: SetupSenderOptions,
): SenderSetup {
  return setupSender(HPKE_MODE.auth, pkR, info, EMPTY, EMPTY, skS, opts);
}

/** RFC 9180 §5.1.3 SetupAuthR(enc, skR, info, pkS). A wrong `pkS` surfaces as ERR_CRYPTO on open. */
export function setupAuthR(
  enc: Uint8Array,
  skR: Uint8Array,
  info: Uint8Array,
  pkS: Uint8Array,
): RecipientContext {
  return setupRecipient(HPKE_MODE.auth, enc, skR, info, EMPTY, EMPTY, pkS);
}

/** RFC 9180 §5.1.4 SetupAuthPSKS(pkR, info, psk, psk_id, skS). */
export function setupAuthPskS(
  pkR: Uint8Array,
  info: Uint8Array,
  psk: Uint8Array,
  pskId: Uint8Array,
  skS: Uint8Array,
  opts?: SetupSenderOptions,
): SenderSetup {
  return setupSender(HPKE_MODE.authPsk, pkR, info, psk, pskId, skS, opts);
}

/** RFC 9180 §5.1.4 SetupAuthPSKR(enc, skR, info, psk, psk_id, pkS). */
export function setupAuthPskR(
  enc: Uint8Array,
  skR: Uint8Array,
  info: Uint8Array,
  psk: Uint8Array,
  pskId: Uint8Array,
  pkS: Uint8Array,
): RecipientContext {
  return setupRecipient(HPKE_MODE.authPsk, enc, skR, info, psk, pskId, pkS);
}

/** Options of the single-shot {@link seal}: the mode follows from which of them are given. */
export interface SealOptions extends SetupSenderOptions {
  /** The sender's private key: auth (or auth_psk) mode. */
  skS?: Uint8Array;
  /** A pre-shared key and its id: psk (or auth_psk) mode. */
  psk?: { psk: Uint8Array; pskId: Uint8Array };
}

/** Options of the single-shot {@link open}; they must match the ones the sender used. */
export interface OpenOptions {
  /** The sender's public key: auth (or auth_psk) mode. */
  pkS?: Uint8Array;
  /** A pre-shared key and its id: psk (or auth_psk) mode. */
  psk?: { psk: Uint8Array; pskId: Uint8Array };
}

function modeOf(authenticated: boolean, psk: unknown): HpkeMode {
  if (authenticated) return psk === undefined ? HPKE_MODE.auth : HPKE_MODE.authPsk;
  return psk === undefined ? HPKE_MODE.base : HPKE_MODE.psk;
}

/**
 * RFC 9180 §6.1 single-shot Seal: a fresh setup and one message. Base mode unless `opts` names a
 * sender key (auth) or a PSK (psk), or both (auth_psk).
 *
 * @example
 * const { enc, ct } = seal(pkR, info, aad, plaintext);
 * const pt = open(enc, skR, info, aad, ct);
 */
export function seal(
  pkR: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  opts?: SealOptions,
): { enc: Uint8Array; ct: Uint8Array } {
  const mode = modeOf(opts?.skS !== undefined, opts?.psk);
  const { enc, context } = setupSender(
    mode,
    pkR,
    info,
    opts?.psk?.psk ?? EMPTY,
    opts?.psk?.pskId ?? EMPTY,
    opts?.skS,
    opts,
  );
  return { enc, ct: context.seal(aad, plaintext) };
}

/** RFC 9180 §6.1 single-shot Open. Throws the generic ERR_CRYPTO error on any failure. */
export function open(
  enc: Uint8Array,
  skR: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  ct: Uint8Array,
  opts?: OpenOptions,
): Uint8Array {
  const mode = modeOf(opts?.pkS !== undefined, opts?.psk);
  const context = setupRecipient(
    mode,
    enc,
    skR,
    info,
    opts?.psk?.psk ?? EMPTY,
    opts?.psk?.pskId ?? EMPTY,
    opts?.pkS,
  );
  return context.open(aad, ct);
}

/**
 * @internal Test hooks, not part of the SDK's API (the crypto index does not re-export them): the
 * KEM and key-schedule steps with their intermediate values, so the RFC 9180 test vectors can be
 * checked value by value, and a way to move a context's sequence number to test the message limit.
 */
export const _internals = Object.freeze({
  encap: (pkR: Uint8Array, ikmE: Uint8Array, skS?: Uint8Array): Encapsulation => encap(pkR, skS, { ikmE }),
  decap: (enc: Uint8Array, skR: Uint8Array | X25519PrivateKey, pkS?: Uint8Array): Uint8Array =>
    decap(enc, skR, pkS),
  keySchedule: (
    mode: HpkeMode,
    sharedSecret: Uint8Array,
    info: Uint8Array,
    psk: Uint8Array = EMPTY,
    pskId: Uint8Array = EMPTY,
  ): KeyScheduleResult => keySchedule(mode, sharedSecret, info, psk, pskId),
  setSequenceNumber: (context: SenderContext | RecipientContext, seq: number): void =>
    setSequenceNumber(context, seq),
  labeledExtract,
  labeledExpand,
  seqLimit: SEQ_LIMIT,
  suiteIds: Object.freeze({ kem: KEM_SUITE_ID, hpke: HPKE_SUITE_ID }),
});
