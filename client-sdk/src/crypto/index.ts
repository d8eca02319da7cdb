/**
 * The crypto layer's public part (PROTOCOL.md §3–4): bytes and base64url, JWS, key files, key pairs,
 * the crypto provider and strict JSON. The SDK's index re-exports it whole; on its own it is the
 * package's `@brygga/client-sdk/crypto`, for code that needs these and not the store or the client
 * (the relay's SQLite writer thread). Everything not named here is internal.
 */
export { equalBytes, fromBase64url, type Rng, toBase64, toBase64url } from './bytes.js';
export { decodeCompact, type GeneralJws, type JwsHeader, signCompact, verifyCompact } from './jws.js';
export {
  checkNewPassphrase,
  DEFAULT_SCRYPT,
  type Derivation,
  type DerivedKeys,
  decryptKey,
  decryptSigningKey,
  type EncryptKeyOptions,
  encryptKey,
  type KeyFile,
  MIN_PASSPHRASE_LENGTH,
  readKeyFile,
  SCRYPT_LIMITS,
  type ScryptParams,
  serializeKeyFile,
} from './key-file.js';
export {
  HpkeKeyPair,
  HpkePublicKey,
  type KeyAlgorithm,
  keyId,
  SigningKeyPair,
  SigningPublicKey,
  safetyNumber,
} from './keys.js';
export {
  availableCryptoProviders,
  type CryptoProviderName,
  cryptoProviderName,
  useCryptoProvider,
} from './provider.js';
export { type JsonValue, MAX_JSON_DEPTH, parseJson } from './strict-json.js';
