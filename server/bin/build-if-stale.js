/**
 * Build what is stale before the compiled relay runs: the SDK (client-sdk/dist, which the compiled relay
 * imports) and the relay (server/dist), each only when a file under its src/ is newer than its last
 * build (the stamp each build writes, client-sdk/bin/sources.js). Without sources (an installed build)
 * nothing is checked. Used by bin/brygga-relay.js and by the tests' global setup.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { builtFromSources } from '../../client-sdk/bin/sources.js';

const root = join(import.meta.dirname, '..', '..');
const PACKAGES = [
  {
    name: 'client-sdk',
    project: 'client-sdk/tsconfig.build.json',
    finish: 'client-sdk/scripts/finish-build.mjs',
  },
  { name: 'server', project: 'server/tsconfig.build.json', finish: 'server/scripts/finish-build.mjs' },
];

/**
 * Whether `dir`'s dist/ was built from its src/ as it is now (true without src/: an installed build).
 * @param {string} dir
 */
export function upToDate(dir) {
  return !existsSync(join(dir, 'src')) || builtFromSources(dir);
}

/**
 * Build the stale packages; throws, naming the command, when a build fails or TypeScript is missing.
 * @param {(line: string) => void} [say] told which package is being built
 * @returns {string[]} the packages built
 */
export function buildIfStale(say = () => {}) {
  const built = [];
  // A stale SDK makes the relay stale too: the relay compiles against the SDK's declarations.
  for (const pkg of PACKAGES) {
    if (built.length === 0 && upToDate(join(root, pkg.name))) continue;
    let tsc;
    try {
      tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    } catch {
      throw new Error(`${pkg.name}/dist is out of date and TypeScript is not installed (npm ci)`);
    }
    say(`building ${pkg.name}/dist`);
    for (const args of [[tsc, '-p', pkg.project], [pkg.finish]]) {
      const result = spawnSync(process.execPath, args, {
        cwd: root,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      if (result.status !== 0) throw new Error(`the build failed: node ${args.join(' ')}`);
    }
    built.push(pkg.name);
  }
  return built;
}
