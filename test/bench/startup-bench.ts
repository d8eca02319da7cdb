/**
 * Startup benchmark: whole processes, timed from outside, in turns (one run of each per round, so every
 * row sees the same machine load), the median of BENCH_RUNS rounds (default 7) after one warm-up round.
 * Each row gives the wall time from spawn to exit and the process's CPU time (user + system, from the
 * kernel's accounting of the finished child as bash's `times` reports it; wall includes bash's own start,
 * as it does for the `node -e 0` row printed beside them).
 *
 * Targets: `brygga --help` under 0.3 s; an ordinary command under 1 s plus its network time; the relay
 * answering `GET /v1/health/ready` within 0.5 s of its spawn on an existing database.
 *
 * The deployment is the README's: its administrator block (test/support/readme-admin-block.ts) is run as
 * written in a temporary directory (a relay on SQLite, three units, their devices, a first referral), then
 * - `agreement show`: a local command that reads a file and verifies signatures;
 * - `alerts`: a local command on a device directory (its SQLite store, the passphrase's scrypt);
 * - `inbox`: a command that syncs with the relay on 127.0.0.1 (network time included);
 * - the relay (`brygga-relay`, what `npm start` runs, stale-build check included), restarted on the
 *   SQLite database the block filled, from spawn to its first 200 from `/v1/health/ready`.
 * Figures are printed, never asserted.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIfStale } from '../../server/bin/build-if-stale.js';
import { adminSetupBlock, alive, commandShims, freePort, runBash } from '../support/readme-admin-block.js';
import { row } from './measure.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BRYGGA = join(ROOT, 'client-sdk', 'bin', 'brygga.js');
const RELAY = join(ROOT, 'server', 'bin', 'brygga-relay.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

/** One run's figures, in milliseconds. */
interface Figures {
  wall: number;
  cpu: number;
}

/** A command to time: its arguments (after `node`) and environment. */
interface Job {
  args: string[];
  env?: Record<string, string>;
  /** For the relay: the port whose readiness ends the run (the process is then stopped). */
  readyPort?: number;
}

/** Seconds as `times` prints them (`0m0.123s`) to milliseconds. */
function minutesSeconds(text: string): number {
  const m = /^(\d+)m([\d.]+)s$/.exec(text);
  if (!m) throw new Error(`unexpected times output: ${text}`);
  return (Number(m[1]) * 60 + Number(m[2])) * 1000;
}

/** Run `node …args` to its end under bash, whose `times` gives the finished child's CPU time. */
function runToExit(job: Job, cwd: string): Promise<Figures> {
  const script = '"$@" >/dev/null 2>"$BENCH_ERR"; s=$?; times; exit $s';
  const errFile = join(cwd, 'bench-stderr.txt');
  const t = performance.now();
  const child = spawn('bash', ['-c', script, 'bench', process.execPath, ...job.args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...job.env, BENCH_ERR: errFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => {
      const wall = performance.now() - t;
      if (status !== 0) {
        reject(new Error(`node ${job.args.join(' ')} exited ${status}: ${readFileSync(errFile, 'utf8')}`));
        return;
      }
      // The second line of `times`: the children's user and system time.
      const [user, sys] = out.trim().split('\n')[1]!.trim().split(/\s+/);
      resolve({ wall, cpu: minutesSeconds(user!) + minutesSeconds(sys!) });
    });
  });
}

/** The status of one `GET /v1/health/ready` on `port`, or undefined while nothing listens. */
function readyStatus(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v1/health/ready', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once('error', () => resolve(undefined));
  });
}

/** The CPU time (ms) a running process has used so far, from /proc (clock ticks of 10 ms). */
function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Spawn the relay and time it to its first 200 from /v1/health/ready; then stop it and wait. */
async function runToReady(job: Job, cwd: string): Promise<Figures> {
  const port = job.readyPort!;
  const t = performance.now();
  const child = spawn(process.execPath, job.args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...job.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let figures: Figures | undefined;
  while (figures === undefined) {
    if (child.exitCode !== null) throw new Error(`the relay exited (${child.exitCode}): ${err}`);
    if ((await readyStatus(port)) === 200) {
      figures = { wall: performance.now() - t, cpu: procCpuMs(child.pid!) };
    } else {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  child.kill('SIGTERM');
  await exited;
  return figures;
}

/** Each job's median figures over RUNS rounds in turns, after one warm-up round. */
async function inTurns(jobs: Record<string, Job>, cwd: string): Promise<Record<string, Figures>> {
  const names = Object.keys(jobs);
  const runs: Record<string, Figures[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = -1; round < RUNS; round++) {
    for (const name of names) {
      const job = jobs[name]!;
      const figures = job.readyPort === undefined ? await runToExit(job, cwd) : await runToReady(job, cwd);
      if (round >= 0) runs[name]!.push(figures);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return Object.fromEntries(
    names.map((n) => [
      n,
      { wall: median(runs[n]!.map((f) => f.wall)), cpu: median(runs[n]!.map((f) => f.cpu)) },
    ]),
  );
}

function printRows(figures: Record<string, Figures>): void {
  for (const [name, f] of Object.entries(figures)) {
    row(name, `${f.wall.toFixed(0)} ms`, `${f.cpu.toFixed(0)} ms`);
  }
}

export async function runStartupBench(): Promise<void> {
  // The compiled builds, as an installed `brygga` and `npm start` run them.
  buildIfStale((line) => process.stderr.write(`${line}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'brygga-startup-bench-'));
  const work = join(dir, 'work');
  mkdirSync(work);
  const try_ = join(work, 'brygga-try');
  const pidFile = join(try_, 'relay.pid');
  try {
    const block = adminSetupBlock(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    const script = join(dir, 'admin-setup.sh');
    writeFileSync(script, block);
    const port = await freePort();
    const setup = await runBash(script, work, {
      PATH: `${commandShims(dir)}:${process.env.PATH ?? ''}`,
      HOME: dir,
      PORT: String(port),
      EXAMPLES: join(ROOT, 'docs', 'examples'),
    });
    if (setup.status !== 0) throw new Error(`the README's administrator block failed:\n${setup.stderr}`);
    const malmo = /^export MALMO_PASSPHRASE='([^']*)'$/m.exec(block)?.[1];
    if (malmo === undefined) throw new Error("the README's block no longer sets MALMO_PASSPHRASE");
    const device = { BRYGGA_PASSPHRASE: malmo };

    console.log(`\nStartup: whole processes, median of ${RUNS} rounds in turns (wall, CPU user+sys)`);
    console.log('  targets: --help < 300 ms; an ordinary command < 1 s plus network; relay ready < 500 ms');
    printRows(
      await inTurns(
        {
          'node -e 0': { args: ['-e', '0'] },
          'brygga --help': { args: [BRYGGA, '--help'] },
          'brygga refer --help': { args: [BRYGGA, 'refer', '--help'] },
          'brygga agreement show (a file)': { args: [BRYGGA, 'agreement', 'show', 'agreement.json'] },
          'brygga alerts (a device store, scrypt)': {
            args: [BRYGGA, 'alerts', '--device', 'malmo-device'],
            env: device,
          },
          'brygga inbox (a device store, the relay)': {
            args: [BRYGGA, 'inbox', '--device', 'malmo-device'],
            env: device,
          },
        },
        try_,
      ),
    );

    // The relay the block started, stopped; then restarted on its database.
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    process.kill(pid, 'SIGTERM');
    while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 20));
    const relayPort = await freePort();
    const env = { BRYGGA_HOST: '127.0.0.1', BRYGGA_PORT: String(relayPort), BRYGGA_DATABASE: 'relay.sqlite' };
    console.log('\nRelay start on an existing SQLite database: spawn to the first 200 of /v1/health/ready');
    printRows(
      await inTurns(
        {
          'brygga-relay (npm start)': { args: [RELAY], env, readyPort: relayPort },
          'node server/dist/main.js (no build check)': {
            args: [join(ROOT, 'server', 'dist', 'main.js')],
            env,
            readyPort: relayPort,
          },
        },
        try_,
      ),
    );
  } finally {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (alive(pid)) process.kill(pid, 'SIGTERM');
    } catch {
      // No relay was started.
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
