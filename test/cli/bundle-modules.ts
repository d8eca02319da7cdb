/**
 * The modules a `brygga` process loaded, from the files it resolved (test/support/trace-modules.mjs):
 * the built CLI is a bundle (client-sdk/scripts/bundle-cli.mjs), and each file of it stands for the
 * source modules in it, as the bundle's inputs.json names them. So a test's patterns (`/cli/_…-commands`,
 * `/node_modules/kysely/`) hold whether the process ran the bundle or the sources through tsx.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BIN } from './cli-harness.js';

export const SDK = join(BIN, '..', '..');
export const BUNDLE = join(SDK, 'dist', 'cli-bundle');

/** `lines` (URLs, and whatever else a trace holds) with each file of the bundle replaced by its modules' URLs. */
export function unbundled(lines: string[]): string[] {
  const prefix = pathToFileURL(`${BUNDLE}/`).href;
  if (!lines.some((m) => m.startsWith(prefix))) return lines;
  const inputs = JSON.parse(readFileSync(join(BUNDLE, 'inputs.json'), 'utf8')) as Record<string, string[]>;
  return lines.flatMap((m) => {
    if (!m.startsWith(prefix)) return [m];
    const name = fileURLToPath(m).slice(BUNDLE.length + 1);
    const names = inputs[name];
    if (names === undefined) throw new Error(`${name} is not a file of the bundle's inputs.json`);
    return names.map((n) => pathToFileURL(join(SDK, n)).href);
  });
}
