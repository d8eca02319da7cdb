#!/usr/bin/env node
/**
 * `brygga`: the SDK's command-line client. It runs the compiled CLI (dist/, `npm run build`) with plain
 * node when dist/ was built from the sources as they are; otherwise (no build, or a source edited since)
 * it registers tsx and runs src/cli/main.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newestSource } from './sources.js';

const sdk = join(import.meta.dirname, '..');
const stampFile = join(sdk, 'dist', 'source-stamp.json');

function builtFromSources() {
  if (!existsSync(stampFile) || !existsSync(join(sdk, 'src'))) return existsSync(stampFile);
  try {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
    const now = newestSource(join(sdk, 'src'));
    return stamp.files === now.files && stamp.newest === now.newest;
  } catch {
    return false;
  }
}

if (builtFromSources()) {
  const { main } = await import('../dist/cli/main.js');
  await main();
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  await main();
}
