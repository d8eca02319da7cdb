/**
 * The `brygga` command bundled with esbuild (called by finish-build.mjs after tsc): what bin/brygga.js
 * runs with plain node. A device command used to load some 420 modules one by one (resolving, reading
 * and compiling each, 262 of them Kysely's); a few files load in a fraction of that.
 *
 * The bundle is ESM and split at every dynamic import, as the CLI's sources are (src/cli/main.ts,
 * _command-table.ts): `main.js` holds the entry, the command table and the help, and each command module
 * is its own chunk (`_<name>-commands-<hash>.js`), loaded when its command runs, with the SDK, Kysely and
 * the rest in shared chunks beside it; `brygga --help` loads no command, no SDK and no package. Packages
 * stay outside the bundle when they cannot be bundled or are not the CLI's: better-sqlite3 (a native
 * addon) and pg. The SDK's library entry points (dist/index.js and the package's `exports`) are tsc's
 * files, as before; only the command runs the bundle.
 *
 * A module that names a file beside it through `import.meta.url` (the command table's commands.json, the
 * console's static files) gets the URL its tsc-compiled file has under dist/, so those paths mean the
 * same in the bundle as in tsc's output.
 *
 * Beside the bundle, `inputs.json` names the source modules in each of its files (from esbuild's
 * metafile), so that a test can tell which modules a process loaded (test/cli/lazy-commands.test.ts).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

/** esbuild's file names for chunks: `[name]-[hash].js`, the hash eight base-32 characters. */
const CHUNK = /^[\w-]+-[A-Z2-7]{8}\.js$/;

/** The name of the file beside the bundle that maps each of its files to its source modules. */
export const INPUTS_FILE = 'inputs.json';

/**
 * Bundle `sdk`/src/cli/main.ts into `outdir` (default `sdk`/dist/cli-bundle); `outdir` is emptied of the
 * previous build's files first.
 * @param {string} sdk the client-sdk directory
 * @param {string} [outdir]
 */
export async function bundleCli(sdk, outdir = join(sdk, 'dist', 'cli-bundle')) {
  const src = join(sdk, 'src');
  const dist = join(sdk, 'dist');
  mkdirSync(outdir, { recursive: true });
  for (const name of readdirSync(outdir)) {
    if (CHUNK.test(name) || name === 'main.js' || name === INPUTS_FILE) rmSync(join(outdir, name));
  }

  /** `import.meta.url` in an SDK source as the URL of its tsc-compiled file under dist/ (see the header). */
  const moduleUrls = {
    name: 'module-urls',
    setup(b) {
      b.onLoad({ filter: /\.tsx?$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        const loader = args.path.endsWith('.tsx') ? 'tsx' : 'ts';
        const rel = relative(src, args.path);
        if (rel.startsWith('..') || !text.includes('import.meta.url')) return { contents: text, loader };
        const compiled = relative(outdir, join(dist, rel.replace(/\.tsx?$/, '.js')));
        const url = `new URL(${JSON.stringify(compiled)}, import.meta.url).href`;
        return { contents: text.replaceAll('import.meta.url', url), loader };
      });
    },
  };

  const result = await build({
    entryPoints: [join(src, 'cli', 'main.ts')],
    outdir,
    bundle: true,
    splitting: true,
    chunkNames: '[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    tsconfig: join(sdk, 'tsconfig.build.json'),
    external: ['better-sqlite3', 'pg'],
    // A CommonJS package inside an ES module bundle calls `require` for node's own modules.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    plugins: [moduleUrls],
    metafile: true,
    logLevel: 'warning',
    legalComments: 'none',
    // Less text to read and compile; names are kept, so that a stack trace still reads.
    minifyWhitespace: true,
    minifySyntax: true,
  });

  const cwd = process.cwd();
  const inputs = {};
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    const name = relative(outdir, join(cwd, out));
    if (name.includes('/')) throw new Error(`a bundle file outside ${outdir}: ${out}`);
    inputs[name] = Object.keys(meta.inputs).map((i) => relative(sdk, join(cwd, i)));
  }
  writeFileSync(join(outdir, INPUTS_FILE), `${JSON.stringify(inputs)}\n`);
}
