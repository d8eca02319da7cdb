/**
 * Internal: rotating this device's HPKE key before it expires (PROTOCOL.md §6.2), during `sync()`. A
 * new key is made once the newest key the directory holds for this device has less than the set share
 * of its life left, or less than the relay's packet lifetime and a week: senders stop sealing to a key
 * whose validity ends within the delivery window, so the next one must reach their directories first.
 *
 * The new private key is kept in the store, encrypted under the device passphrase like the others
 * (§3.4), and marked as waiting for publication in the same transaction; then it is published and the
 * mark cleared. A crash in between publishes the kept key at the next sync rather than making another.
 * Earlier private keys are never dropped: they open what was sealed to them.
 */
import { decodeCompact, decodeJsonPayload } from '../crypto/jws.js';
import { encryptKey, readKeyFile, serializeKeyFile } from '../crypto/key-file.js';
import { HpkeKeyPair } from '../crypto/keys.js';
import { publishHpkeKey } from '../directory/statements.js';
import { numericDate } from '../directory/validate.js';
import type { DeviceRuntime } from './_device-runtime.js';
import { saveIdentity } from './device-identity.js';

/** Where the store keeps a key statement made but not yet published. */
const PENDING = 'hpke.pending-publication';

/** How long before the end of the delivery window the next key is made at the latest. */
const MARGIN_SECONDS = 7 * 24 * 3600;

/** Rotate this device's HPKE key if it is due; see the module header. */
export async function rotateKeyIfDue(d: DeviceRuntime): Promise<void> {
  const rotation = d.rotation;
  if (!rotation) return;
  const pending = await d.store.getMeta(PENDING);
  if (pending) {
    await publish(d, pending);
    return;
  }
  const now = d.now();
  const t = numericDate(now);
  const published = d.directory.hpkeKeysOf(d.device);
  // The newest key this device holds that the directory does not have yet was published and waits for
  // the log: nothing to do until it is in.
  const newestOwn = d.identity.hpkeKeys.at(-1);
  if (newestOwn && !published.some((k) => k.key.kid === newestOwn.kid) && published.length > 0) return;
  const current = published
    .filter((k) => k.nbf <= t && k.exp > t)
    .sort((a, b) => a.iat - b.iat)
    .at(-1);
  if (current) {
    const left = current.exp - t;
    const threshold = Math.max(
      rotation.share * (current.exp - current.nbf),
      d.packetLifetimeSeconds + MARGIN_SECONDS,
    );
    if (left >= threshold) return;
  }
  const key = HpkeKeyPair.generate(d.rng);
  const statement = publishHpkeKey(d.identity.key, {
    unit: d.unit,
    key: key.publicKey,
    now,
    lifetimeSeconds: rotation.lifetimeSeconds,
  });
  await d.store.transaction(async (tx) => {
    const record = await tx.loadIdentity();
    if (record && record.device === d.device) {
      // The signing key's salt and cost: the device's files keep opening with one derivation.
      const like = readKeyFile(record.signingKey);
      const file = serializeKeyFile(await encryptKey(key, rotation.passphrase, { like, rng: d.rng }));
      await tx.saveIdentity({ ...record, hpkeKeys: [...record.hpkeKeys, file] });
    } else {
      await saveIdentity(
        tx,
        { ...d.identity, hpkeKeys: [...d.identity.hpkeKeys, key] },
        rotation.passphrase,
        {
          rng: d.rng,
        },
      );
    }
    await tx.setMeta(PENDING, statement);
  });
  d.identity.hpkeKeys.push(key);
  await publish(d, statement);
}

/** Publish a kept key statement, clear its mark, and tell the case system. */
async function publish(d: DeviceRuntime, statement: string): Promise<void> {
  await d.relay.submitStatement(statement);
  const claims = decodeJsonPayload<{ kid: string; exp: number }>(decodeCompact(statement).payloadBytes);
  await d.recorder.record(async (tx, p) => {
    await tx.setMeta(PENDING, '');
    await d.recorder.emit(tx, p, 'key.rotated', null, { kid: claims.kid, exp: claims.exp });
  });
}
