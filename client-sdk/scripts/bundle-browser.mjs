/**
 * The SDK bundled for browsers: one minified ES module of `@brygga/client-sdk` (client-sdk/src/index.ts)
 * with its dependencies, for a page without a bundler of its own. Built with esbuild for the browser
 * platform, so a `node:` import anywhere in the SDK's core fails the build.
 *
 *     node client-sdk/scripts/bundle-browser.mjs [out-file]   # default client-sdk/dist/browser/brygga-sdk.js
 *
 * The store in a browser is sql.js (`openSqlJsStore`), which the page loads itself: the bundle does not
 * carry SQLite (README, "In a browser").
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const sdk = join(import.meta.dirname, '..');

/**
 * Bundle the SDK into `outfile` (minified ESM, ES2022, no source map); the bundle's bytes.
 * @param {string} outfile
 * @returns {Promise<Uint8Array>}
 */
export async function bundleBrowser(outfile) {
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await build({
    entryPoints: [join(sdk, 'src', 'index.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'eof',
    conditions: ['source'],
    write: true,
    metafile: false,
    logLevel: 'silent',
  });
  if (result.errors.length > 0) throw new Error(result.errors.map((e) => e.text).join('\n'));
  return readFileSync(outfile);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = resolve(process.argv[2] ?? join(sdk, 'dist', 'browser', 'brygga-sdk.js'));
  const bytes = await bundleBrowser(out);
  process.stdout.write(`${out}: ${bytes.length} bytes\n`);
}
