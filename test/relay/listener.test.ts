/**
 * The relay as `startRelay` runs it, over real sockets: what it reads at start (the agreement file,
 * PROTOCOL.md §1.1) and what Node's HTTP server answers before the application sees a request (README,
 * configuration).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, Logger, type RelayConfig, type RunningRelay, startRelay } from '@brygga/server';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRelayWorld } from '../support/relay.js';

const silent = new Logger({ level: 'silent' });

function config(overrides: Partial<RelayConfig> = {}): RelayConfig {
  return { ...DEFAULT_CONFIG, port: 0, database: ':memory:', logLevel: 'silent', ...overrides };
}

describe('the agreement file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function file(text: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'brygga-agreement-'));
    dirs.push(dir);
    const path = join(dir, 'agreement.json');
    writeFileSync(path, text);
    return path;
  }

  it('is read as Brygga JSON: a duplicate member refuses the start, the same document once is installed', async () => {
    const world = makeRelayWorld();
    const doc = JSON.parse(world.agreement.serialize()) as { payload: string; signatures: unknown[] };
    const twice = `{"payload":"AAAA","signatures":[],"payload":${JSON.stringify(doc.payload)},"signatures":${JSON.stringify(doc.signatures)}}`;
    await expect(startRelay(config({ agreementFile: file(twice) }), { logger: silent })).rejects.toThrow(
      /duplicate member name/,
    );
    const relay: RunningRelay = await startRelay(
      config({ agreementFile: file(world.agreement.serialize()) }),
      {
        logger: silent,
      },
    );
    try {
      expect((await relay.directory.require()).agreement.digest).toBe(world.agreement.digest);
    } finally {
      await relay.close();
    }
  });
});
