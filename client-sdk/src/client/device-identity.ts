/**
 * A device's identity (PROTOCOL.md §3): its unit, its Ed25519 signing key and its X25519 HPKE keys. The
 * caller may hold the keys itself, or keep them in the store encrypted under a passphrase (scrypt and
 * XChaCha20-Poly1305, PROTOCOL.md §3.4) with {@link saveIdentity} / {@link loadIdentity}.
 */
import type { Rng } from '../crypto/bytes.js';
import {
  type DerivedKeys,
  decryptKeys,
  encryptKeys,
  type ScryptParams,
  serializeKeyFile,
} from '../crypto/key-file.js';
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
  const files = await encryptKeys([identity.key, ...identity.hpkeKeys], passphrase, options);
  const [signingKey, ...hpkeKeys] = files.map(serializeKeyFile) as [string, ...string[]];
  await store.saveIdentity({ unit: identity.unit, device: identity.key.kid, signingKey, hpkeKeys });
}

/**
 * Load and decrypt the identity kept in the store. ERR_WRONG_PASSPHRASE for a wrong passphrase. A
 * derivation of the passphrase already under way (`options.derived`, PROTOCOL.md §3.4) is used rather
 * than derived again.
 */
export async function loadIdentity(
  store: BryggaStore,
  passphrase: string,
  options: { derived?: DerivedKeys } = {},
): Promise<DeviceIdentity> {
  const record = await store.loadIdentity();
  if (!record) throw new BryggaError('ERR_UNKNOWN_KEY', 'the store holds no device identity');
  // One derivation per distinct salt and cost (a device's files share one), in parallel where the
  // provider can.
  const keys = await decryptKeys([record.signingKey, ...record.hpkeKeys], passphrase, options);
  const [key, ...hpkeKeys] = keys;
  try {
    if (!(key instanceof SigningKeyPair) || key.kid !== record.device) {
      throw new BryggaError('ERR_WRONG_PASSPHRASE', 'the stored signing key does not match the device');
    }
    if (!hpkeKeys.every((k): k is HpkeKeyPair => k instanceof HpkeKeyPair))
      throw new BryggaError('ERR_MALFORMED', 'a stored HPKE key file holds another kind of key');
    return { unit: record.unit, key, hpkeKeys };
  } catch (err) {
    for (const k of keys) k.destroy();
    throw err;
  }
}
