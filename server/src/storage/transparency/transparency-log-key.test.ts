import { formatNote, openCheckpoint, signNote } from '@brygga/client-sdk';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../../test/support/error-code.js';
import { TransparencyLogKey } from './transparency-log-key.js';

describe('the log key', () => {
  const origin = 'relay.example.se/brygga-log';
  const seed = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
  const text = `${origin}\n3\n${Buffer.alloc(32, 9).toString('base64')}\n`;

  it("signs checkpoints with node:crypto exactly as the SDK's signed notes do (Ed25519 is deterministic)", () => {
    const key = TransparencyLogKey.fromSeed(origin, seed);
    const note = key.signedNote(text);
    expect(note).toBe(formatNote({ text, signatures: [signNote(text, origin, seed)] }));
    expect(openCheckpoint(note, origin, key.publicKey).checkpoint.size).toBe(3);
  });

  it('a different seed signs differently, and its notes do not open under the first key', () => {
    const first = TransparencyLogKey.fromSeed(origin, seed);
    const other = TransparencyLogKey.fromSeed(
      origin,
      seed.map((b) => b ^ 1),
    );
    expect(codeOf(() => openCheckpoint(other.signedNote(text), origin, first.publicKey))).toBe('ERR_CRYPTO');
  });
});
