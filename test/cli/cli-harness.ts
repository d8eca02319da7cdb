/**
 * Drive the real `brygga` binary (client-sdk/bin/brygga.js) as a child process, the way an
 * administrator or a script would, in a working directory of its own.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'client-sdk', 'bin', 'brygga.js');

/** The outcome of one run. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json` runs). */
  json<T = Record<string, unknown>>(): T;
}

/** Run `brygga …args` in `cwd` with `env` on top of a minimal environment (no inherited secrets). */
export function brygga(cwd: string, args: string[], env: Record<string, string> = {}): CliRun {
  const run = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  return {
    status: run.status,
    stdout: run.stdout,
    stderr: run.stderr,
    json: <T>() => JSON.parse(run.stdout) as T,
  };
}

/** Write `value` as JSON to `dir/name` and give the path. */
export function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value, null, 2));
  return path;
}

/** The date `days` from today (the relay runs on the real clock), as YYYY-MM-DD. */
export function day(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}
