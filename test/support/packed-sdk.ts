/**
 * The SDK as a case system or a workstation gets it: `npm pack` of client-sdk/ (compiled ESM, `.d.ts`,
 * the `brygga` binary), installed with npm into a project of its own outside the repository.
 *
 * The package's dependencies come from the npm cache where they are there (`--prefer-offline`). Install
 * scripts are not run: better-sqlite3's would fetch a prebuilt binary (unreachable here) or compile
 * SQLite for minutes, so the addon the repository's own install built for this node is copied into the
 * installed better-sqlite3 instead (`withSqliteAddon`). Everything else runs as installed.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { builtFromSources } from '../../client-sdk/bin/sources.js';

export const ROOT = join(import.meta.dirname, '..', '..');
const SDK = join(ROOT, 'client-sdk');

/** The environment for npm: ours, less what an enclosing `npm test` set for its own run. */
export function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return {
    ...env,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

/** Run npm with `args` in `cwd`; its stdout. */
export function npm(cwd: string, args: string[], extra: Record<string, string> = {}): string {
  return execFileSync('npm', args, {
    cwd,
    env: npmEnv(extra),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
}

/** The packed tarball. */
export interface PackedSdk {
  /** Its path. */
  tarball: string;
  /** Its size in bytes, and the unpacked size. */
  size: number;
  unpackedSize: number;
  /** The files it holds. */
  files: string[];
}

/**
 * Pack the SDK into `dir`. The package's `prepack` builds it; here the build runs only when dist/ is
 * older than the sources (`npm test` has just built it), and the pack itself skips scripts.
 */
export function packSdk(dir: string): PackedSdk {
  if (!builtFromSources(SDK))
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, env: npmEnv(), stdio: 'ignore', timeout: 300_000 });
  const out = npm(SDK, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir]);
  const [info] = JSON.parse(out) as {
    filename: string;
    size: number;
    unpackedSize: number;
    files: { path: string }[];
  }[];
  if (!info) throw new Error(`npm pack printed nothing: ${out}`);
  const tarball = join(dir, info.filename);
  return {
    tarball,
    size: statSync(tarball).size,
    unpackedSize: info.unpackedSize,
    files: info.files.map((f) => f.path),
  };
}

/** Copy the repository's compiled better-sqlite3 addon into the better-sqlite3 installed under `nodeModules`. */
export function withSqliteAddon(nodeModules: string): void {
  const release = join('better-sqlite3', 'build', 'Release');
  mkdirSync(join(nodeModules, release), { recursive: true });
  copyFileSync(
    join(ROOT, 'node_modules', release, 'better_sqlite3.node'),
    join(nodeModules, release, 'better_sqlite3.node'),
  );
}
