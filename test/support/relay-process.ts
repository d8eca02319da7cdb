/**
 * The relay as a real child process (server/dist/main.js, exactly what `npm start` runs), for tests and
 * benchmarks that kill it, restart it, or run several of it on one database. It listens on a free
 * loopback port and is ready when it prints its `listening` line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { buildIfStale } from '../../server/bin/build-if-stale.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** A running relay process. */
export interface RelayProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything it printed so far (JSON log lines). */
  output: string[];
  /** Send `signal` and wait for the exit; resolves with the exit code (null when killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Start the compiled relay (server/dist/main.js, built first if stale, as `npm start` does) with `env`
 * (on top of a minimal environment) on a free loopback port.
 */
export function spawnRelay(env: Record<string, string>, timeoutMs = 30_000): Promise<RelayProcess> {
  buildIfStale((line) => process.stderr.write(`${line}\n`));
  return spawnListening(join(ROOT, 'server', 'dist', 'main.js'), env, timeoutMs);
}

/**
 * Start an entry point (compiled JavaScript, or TypeScript through tsx on the SDK's sources) that prints `{"msg":"listening","port":…}` when it is ready (the relay,
 * or a benchmark's reference server), on a free loopback port.
 */
export function spawnListening(
  script: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<RelayProcess> {
  // RELAY_NODE_ARGS: extra Node flags for the child, e.g. `--cpu-prof` when profiling a benchmark.
  const extra = process.env.RELAY_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const loader = script.endsWith('.ts') ? ['--conditions=source', '--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...extra, ...loader, script], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      BRYGGA_HOST: '127.0.0.1',
      BRYGGA_PORT: '0',
      BRYGGA_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`relay did not start in time:\n${output.join('\n')}`));
    }, timeoutMs);
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        output.push(line);
        nl = buffered.indexOf('\n');
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'listening' && typeof entry.port === 'number') {
            clearTimeout(timer);
            const port = entry.port;
            resolve({
              url: `http://127.0.0.1:${port}`,
              port,
              child,
              output,
              stop: (signal = 'SIGTERM') => {
                if (child.exitCode === null && child.signalCode === null) child.kill(signal);
                return exited;
              },
            });
          }
        } catch {
          // Not JSON: keep it in the output for diagnostics.
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited (${code}) before listening:\n${output.join('\n')}`));
    });
  });
}

/** A fresh PostgreSQL schema in the database at `base`, and the URL that selects it for a relay process. */
export async function freshPostgresSchema(
  base: string,
): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const schema = `brygga_p_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await c.end();
      }
    },
  };
}
