/** The envelope known-answer vector (test/vectors/envelope-v1.json) is reproduced and opened. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agreement, Directory, HpkeKeyPair, openPacket, SigningKeyPair } from '@brygga/client-sdk';
import { describe, expect, it } from 'vitest';
import { envelopeVectorJson } from '../support/envelope-vector.js';

const vector = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'vectors', 'envelope-v1.json'), 'utf8'),
);
const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

describe('envelope known-answer vector', () => {
  it('the SDK produces exactly the recorded envelope from the recorded inputs', async () => {
    const fresh = await envelopeVectorJson();
    expect(fresh.envelopeHex).toBe(vector.envelopeHex);
    expect(fresh.jws).toBe(vector.jws);
    expect(fresh.packetHash).toBe(vector.packetHash);
  });

  it('keys in the vector derive the recorded key ids', () => {
    for (const k of Object.values(vector.keys) as Record<string, string>[]) {
      expect(SigningKeyPair.fromSecret(fromHex(k.deviceSeed!)).kid).toBe(k.deviceKid);
      expect(HpkeKeyPair.fromSecret(fromHex(k.hpkeSecret!)).kid).toBe(k.hpkeKid);
    }
  });

  it('each recipient opens the recorded envelope to the recorded packet and attachment', async () => {
    const directory = new Directory(Agreement.deserialize(vector.agreement));
    directory.applyAll(vector.statements);
    for (const unit of ['malmo', 'goteborg-nordost']) {
      const k = vector.keys[unit];
      const hpke = HpkeKeyPair.fromSecret(fromHex(k.hpkeSecret));
      const opened = await openPacket({
        envelope: fromHex(vector.envelopeHex),
        device: { unit, kid: k.deviceKid, hpkeKey: (kid) => (kid === hpke.kid ? hpke : undefined) },
        directory,
        now: new Date(vector.now),
      });
      expect(opened.jws).toBe(vector.jws);
      expect(Buffer.from(opened.attachments[0]!.data).toString('hex')).toBe(vector.attachmentHex);
    }
  });
});
