/**
 * After `tsc -p server/tsconfig.build.json`: stamp server/dist with its sources' count and newest time,
 * so bin/brygga-relay.js rebuilds only when a source is newer than the build.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newestSource } from '../../client-sdk/bin/sources.js';

const server = join(import.meta.dirname, '..');
writeFileSync(
  join(server, 'dist', 'source-stamp.json'),
  `${JSON.stringify(newestSource(join(server, 'src')))}\n`,
);
