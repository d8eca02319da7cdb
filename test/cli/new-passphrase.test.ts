/**
 * A passphrase that protects a new key file has at least 12 characters (PROTOCOL.md §3.4), also when
 * it comes from BRYGGA_PASSPHRASE rather than the prompt: refused before anything is written.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../client-sdk/src/cli/main.js';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const status = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { status, out, err };
}

describe('a new passphrase from BRYGGA_PASSPHRASE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brygga-passphrase-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused when shorter than 12 characters, and nothing is written', async () => {
    const out = join(dir, 'malmo-root.json');
    const short = await run(['unit', 'init', '--unit', 'malmo', '--out', out], {
      BRYGGA_PASSPHRASE: 'elva tecken',
    });
    expect(short.status).toBe(1);
    expect(short.err).toMatch(/at least 12 characters/);
    expect(existsSync(out)).toBe(false);
  });
});
