#!/usr/bin/env node
/**
 * `brygga`: the SDK's command-line client. It runs the CLI's bundle (dist/cli-bundle/main.js, made by
 * `npm run build`: scripts/bundle-cli.mjs) with plain node when dist/ was built from the sources as they
 * are; otherwise (no build, or a source edited since) it registers tsx and runs src/cli/main.ts.
 */
import { join } from 'node:path';
import { builtFromSources } from './sources.js';

if (builtFromSources(join(import.meta.dirname, '..'))) {
  const { main } = await import('../dist/cli-bundle/main.js');
  await main();
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  await main();
}
