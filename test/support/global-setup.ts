/**
 * Vitest global setup: first, the compiled SDK and relay (client-sdk/dist, server/dist) are built when a
 * source is newer than them, since tests run the relay as `npm start` does, compiled. Then, when `DATABASE_URL` is not set and PostgreSQL's binaries are installed
 * (/usr/lib/postgresql/<version>/bin), start a throwaway PostgreSQL on a free loopback port for this
 * run, point `DATABASE_URL` at it and stop it afterwards. As root, the server runs as the `postgres`
 * user (PostgreSQL refuses to run as root). With `DATABASE_URL` set (CI, or a developer's own server),
 * nothing happens here.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildIfStale } from '../../server/bin/build-if-stale.js';

function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(root, versions[0], 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function uidOf(user: string): number | undefined {
  try {
    return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  } catch {
    return undefined;
  }
}

/** Start PostgreSQL if needed; returns the teardown. */
export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  buildIfStale((line) => process.stderr.write(`global setup: ${line}\n`));
  if (process.env.DATABASE_URL) {
    project.provide('databaseUrl', process.env.DATABASE_URL);
    return undefined;
  }
  const bin = postgresBin();
  if (!bin) return undefined;
  const asRoot = process.getuid?.() === 0;
  const pgUid = asRoot ? uidOf('postgres') : undefined;
  if (asRoot && pgUid === undefined) return undefined;
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe' })
      : execFileSync(join(bin, cmd), args, { stdio: 'pipe' });
  const dir = mkdtempSync(join(tmpdir(), 'brygga-pg-'));
  if (asRoot) chownSync(dir, pgUid!, pgUid!);
  const data = join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  run('pg_ctl', [
    '-D',
    data,
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=300 -c fsync=off`,
    '-l',
    join(dir, 'log'),
    '-w',
    'start',
  ]);
  run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'brygga_test']);
  const url = `postgres://postgres@127.0.0.1:${port}/brygga_test`;
  process.env.DATABASE_URL = url;
  project.provide('databaseUrl', url);
  return () => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'fast', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
