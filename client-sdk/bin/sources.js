/**
 * What a compiled dist/ was built from: the number of source files and the newest modification time of
 * those files and of the directories that hold them, kept in dist/source-stamp.json. Shared by
 * bin/brygga.js, the relay's bin/build-if-stale.js and the build scripts (scripts/finish-build.mjs).
 *
 * The check runs on every start of `brygga` in a checkout, so it is one readdir and one stat per
 * directory and one stat per source file (a few milliseconds for a few hundred files); an installed
 * package has no src/ and checks nothing. An edit changes its file's time; a file added, removed or
 * renamed changes its directory's time (and an added or removed one the count). Tests (`*.test.ts`) are
 * not built (the tsconfig.build.json files exclude them), so they are neither counted nor stat'd.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What the builds leave out of dist/. */
const TEST = /\.test\.ts$/;

/**
 * The count of the source files under `dir` and the newest modification time (ms) of them and of the
 * directories.
 * @param {string} dir
 * @returns {{ files: number, newest: number }}
 */
export function newestSource(dir) {
  const found = { files: 0, newest: 0 };
  walk(dir, found);
  return found;
}

/**
 * @param {string} dir
 * @param {{ files: number, newest: number }} found
 */
function walk(dir, found) {
  const mtime = statSync(dir).mtimeMs;
  if (mtime > found.newest) found.newest = mtime;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      walk(path, found);
    } else if (entry.isFile() && !TEST.test(entry.name)) {
      found.files += 1;
      const mtime = statSync(path).mtimeMs;
      if (mtime > found.newest) found.newest = mtime;
    }
  }
}

/**
 * Whether `pkg`/dist was built from `pkg`/src as it is now. Without src/ (an installed package) it was,
 * if it has a stamp at all; nothing is walked.
 * @param {string} pkg the package's directory
 */
export function builtFromSources(pkg) {
  const stampFile = join(pkg, 'dist', 'source-stamp.json');
  if (!existsSync(stampFile)) return false;
  if (!existsSync(join(pkg, 'src'))) return true;
  try {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
    const now = newestSource(join(pkg, 'src'));
    return stamp.files === now.files && stamp.newest === now.newest;
  } catch {
    return false;
  }
}
