/**
 * What the compiled dist/ was built from: the number of source files and the newest one's time. Shared by
 * bin/brygga.js and scripts/finish-build.mjs.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The count and newest modification time (ms) of the files under `dir`.
 * @param {string} dir
 * @returns {{ files: number, newest: number }}
 */
export function newestSource(dir) {
  let files = 0;
  let newest = 0;
  for (const name of readdirSync(dir, { recursive: true })) {
    const stat = statSync(join(dir, String(name)));
    if (!stat.isFile()) continue;
    files += 1;
    newest = Math.max(newest, stat.mtimeMs);
  }
  return { files, newest };
}
