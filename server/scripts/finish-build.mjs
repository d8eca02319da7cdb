/**
 * After `tsc -p server/tsconfig.build.json` (which type-checks the relay and writes its modules to
 * server/dist): bundle the relay's two entry points with esbuild over tsc's files of the same names, and
 * stamp server/dist with its sources' count and newest time, so bin/brygga-relay.js rebuilds only when a
 * source is newer than the build.
 *
 * The bundles are what node runs: server/dist/main.js (the relay, what `npm start` and the service files
 * run) and server/dist/storage/sqlite/sqlite-write-worker.js (the SQLite writer thread). Loading some 600
 * modules one by one (resolving, reading and compiling each) was most of the relay's start; a few files
 * load in a fraction of that. `main.js` is split: `--help` and the operator commands load only their own
 * chunks, the relay its own (dynamic imports in main.ts). Packages stay outside the bundle when they
 * cannot be bundled or are not needed at start: better-sqlite3 (a native addon) and pg (loaded only for a
 * postgres:// database). The SDK comes from its build, client-sdk/dist, as the unbundled relay imports it.
 *
 * Every output file of the relay's bundle sits in server/dist itself, and a module that names a file
 * beside it through `import.meta.url` (the writer thread's entry, schemas/) gets the URL its tsc-compiled
 * file has, so those paths mean the same in the bundle as in tsc's output.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { newestSource } from '../../client-sdk/bin/sources.js';

const server = join(import.meta.dirname, '..');
const src = join(server, 'src');
const dist = join(server, 'dist');

/** esbuild's file names for chunks: `[name]-[hash].js`, the hash eight base-32 characters. */
const CHUNK = /^[\w-]+-[A-Z2-7]{8}\.js$/;

/** `import.meta.url` in a relay source as the URL of its tsc-compiled file (see the header). */
const moduleUrls = {
  name: 'module-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const rel = relative(src, args.path);
      if (rel.startsWith('..') || !text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
      const compiled = `./${rel.replace(/\.ts$/, '.js')}`;
      const url = `new URL(${JSON.stringify(compiled)}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', 'pg'],
  // A CommonJS package inside an ES module bundle calls `require` for node's own modules.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
  // Less text to read and compile; names are kept, so that a stack trace in a log still reads.
  minifyWhitespace: true,
  minifySyntax: true,
};

// The previous build's chunks (their names change with their contents).
for (const name of readdirSync(dist)) if (CHUNK.test(name)) rmSync(join(dist, name));

const relay = await build({
  ...common,
  entryPoints: [join(src, 'main.ts')],
  outdir: dist,
  splitting: true,
  chunkNames: '[name]-[hash]',
  plugins: [moduleUrls],
  metafile: true,
});
for (const out of Object.keys(relay.metafile.outputs)) {
  if (relative(dist, out).includes('/')) throw new Error(`a bundle file outside server/dist itself: ${out}`);
}
await build({
  ...common,
  entryPoints: [join(src, 'storage', 'sqlite', 'sqlite-write-worker.ts')],
  outfile: join(dist, 'storage', 'sqlite', 'sqlite-write-worker.js'),
  plugins: [moduleUrls],
});

writeFileSync(join(dist, 'source-stamp.json'), `${JSON.stringify(newestSource(src))}\n`);
