/**
 * After `tsc -p client-sdk/tsconfig.build.json`: copy the console's static files beside its compiled
 * pages, and stamp dist/ with the newest source time, so bin/brygga.js runs dist/ only while no source is
 * newer (a developer's edit falls back to the sources through tsx).
 */
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newestSource } from '../bin/sources.js';

const sdk = join(import.meta.dirname, '..');
cpSync(join(sdk, 'src', 'console', 'static'), join(sdk, 'dist', 'console', 'static'), { recursive: true });
writeFileSync(join(sdk, 'dist', 'source-stamp.json'), `${JSON.stringify(newestSource(join(sdk, 'src')))}\n`);
