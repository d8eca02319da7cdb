/**
 * A device's identity (PROTOCOL.md §3): its unit, its Ed25519 signing key and its X25519 HPKE keys. The
 * caller may hold the keys itself, or keep them in the store encrypted under a passphrase (scrypt and
 * XChaCha20-Poly1305, PROTOCOL.md §3.4) with {@link saveIdentity} / {@link loadIdentity}.
 */
import type { Rng } from '../crypto/bytes.js';
import { decryptKey, encryptKey, type ScryptParams, serializeKeyFile } from '../crypto/key-file.js';
import { HpkeKeyPair, SigningKeyPair } from '../crypto/keys.js';
import type { ReceivingDevice } from '../envelope/seal.js';
import { BryggaError } from '../errors.js';
import type { BryggaStore } from '../store/brygga-store.js';

/** The keys of one device. */
export interface DeviceIdentity {
  /** The unit (avhopparverksamhet) the device belongs to. */
  unit: string;
  key: SigningKeyPair;
  /** Every HPKE key the device still holds (older ones open packets in flight), newest last. */
  hpkeKeys: HpkeKeyPair[];
}

/** The device as `openPacket` needs it. */
export function receivingDevice(identity: DeviceIdentity): ReceivingDevice {
  return {
    unit: identity.unit,
    kid: identity.key.kid,
    hpkeKey: (kid) => identity.hpkeKeys.find((k) => k.kid === kid),
  };
}

/** Encrypt the identity's keys under `passphrase` and keep them in the store. */
export async function saveIdentity(
  store: BryggaStore,
  identity: DeviceIdentity,
  passphrase: string,
  options: { scrypt?: ScryptParams; rng?: Rng } = {},
): Promise<void> {
  const signingKey = serializeKeyFile(await encryptKey(identity.key, passphrase, options));
  const hpkeKeys: string[] = [];
  for (const k of identity.hpkeKeys)
    hpkeKeys.push(serializeKeyFile(await encryptKey(k, passphrase, options)));
  await store.saveIdentity({ unit: identity.unit, device: identity.key.kid, signingKey, hpkeKeys });
}

/** Load and decrypt the identity kept in the store. ERR_WRONG_PASSPHRASE for a wrong passphrase. */
export async function loadIdentity(store: BryggaStore, passphrase: string): Promise<DeviceIdentity> {
  const record = await store.loadIdentity();
  if (!record) throw new BryggaError('ERR_UNKNOWN_KEY', 'the store holds no device identity');
  const key = await decryptKey(record.signingKey, passphrase);
  if (!(key instanceof SigningKeyPair) || key.kid !== record.device) {
    throw new BryggaError('ERR_WRONG_PASSPHRASE', 'the stored signing key does not match the device');
  }
  const hpkeKeys: HpkeKeyPair[] = [];
  for (const file of record.hpkeKeys) {
    const k = await decryptKey(file, passphrase);
    if (!(k instanceof HpkeKeyPair))
      throw new BryggaError('ERR_MALFORMED', 'a stored HPKE key file holds another kind of key');
    hpkeKeys.push(k);
  }
  return { unit: record.unit, key, hpkeKeys };
}
