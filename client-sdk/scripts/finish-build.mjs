/**
 * After `tsc -p client-sdk/tsconfig.build.json`: copy the console's static files beside its compiled
 * pages; write the CLI's command table (dist/cli/commands.json, read from the compiled command modules,
 * so `brygga --help` loads none of them: src/cli/_command-table.ts); bundle the CLI into
 * dist/cli-bundle (bundle-cli.mjs: what bin/brygga.js runs); and stamp dist/ with the newest source
 * time, so bin/brygga.js runs dist/ only while no source is newer (a developer's edit falls back to the
 * sources through tsx).
 */
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { newestSource } from '../bin/sources.js';
import { bundleCli } from './bundle-cli.mjs';

const sdk = join(import.meta.dirname, '..');
cpSync(join(sdk, 'src', 'console', 'static'), join(sdk, 'dist', 'console', 'static'), { recursive: true });
const table = await import(pathToFileURL(join(sdk, 'dist', 'cli', '_command-table.js')).href);
writeFileSync(
  join(sdk, 'dist', 'cli', table.TABLE_FILE),
  `${JSON.stringify(await table.describeCommands())}\n`,
);
await bundleCli(sdk);
writeFileSync(join(sdk, 'dist', 'source-stamp.json'), `${JSON.stringify(newestSource(join(sdk, 'src')))}\n`);
