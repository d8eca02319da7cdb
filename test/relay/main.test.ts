/**
 * The relay as an administrator runs it: the compiled relay (server/dist/main.js, which `npm start` runs
 * with plain node; the global setup builds it when stale) as a child process,
 * configured by environment and flags, on port 0; it creates and migrates its database, installs a
 * pre-seeded agreement, prints one JSON line with its port when ready, and on SIGTERM finishes, closes
 * event streams and exits 0. Runs on both engines.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RelayClient } from '@brygga/client-sdk';
import { SETTINGS } from '@brygga/server';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseUrl, ENGINES } from '../support/databases.js';
import { makeRelayWorld } from '../support/relay.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'server', 'dist', 'main.js');

interface Child {
  process: ChildProcess;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
  /** Resolves with the first line matching `msg`. */
  waitFor(msg: string, ms?: number): Promise<Record<string, unknown>>;
}

function start(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { msg: string; resolve: (l: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { msg: 'not json', text };
    }
    lines.push(line);
    for (const w of waiters.filter((x) => x.msg === line.msg)) w.resolve(line);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    lines,
    exited,
    waitFor(msg, ms = 20_000) {
      const found = lines.find((l) => l.msg === msg);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${msg}" line: ${JSON.stringify(lines)}`)), ms);
        waiters.push({
          msg,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then(() => reject(new Error(`exited before "${msg}": ${JSON.stringify(lines)}`)));
      });
    },
  };
}

describe.each(ENGINES)('the relay process on %s', (engine) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function databaseLocation(dir: string): Promise<string> {
    if (engine === 'sqlite') return join(dir, 'nested', 'data', 'brygga.sqlite');
    const url = databaseUrl();
    const schema = `brygga_main_${process.pid}_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    });
    return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }

  it('starts on port 0 with a pre-seeded agreement, serves, and shuts down gracefully on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'brygga-main-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const world = makeRelayWorld();
    const agreementFile = join(dir, 'agreement.json');
    writeFileSync(agreementFile, world.agreement.serialize());
    const tokenFile = join(dir, 'admin-token');
    writeFileSync(tokenFile, 'relay-admin-secret-0123456789abcdefghij\n');
    const database = await databaseLocation(dir);
    const env = {
      BRYGGA_DATABASE: database,
      BRYGGA_AGREEMENT: agreementFile,
      BRYGGA_LOG_LEVEL: 'info',
      BRYGGA_PUBLIC_URL: 'https://relay.example.test',
    };
    const child = start(['--port', '0', '--host', '127.0.0.1', '--admin-token-file', tokenFile], env);
    cleanups.push(() => {
      if (child.process.exitCode === null) child.process.kill('SIGKILL');
    });
    const ready = await child.waitFor('listening');
    expect(ready).toMatchObject({
      level: 'info',
      host: '127.0.0.1',
      database: engine,
      publicUrl: 'https://relay.example.test',
    });
    expect(ready.port).toBeGreaterThan(0);
    if (engine === 'sqlite') expect(existsSync(database)).toBe(true);
    const url = `http://127.0.0.1:${ready.port}`;
    expect(await (await fetch(`${url}/v1/health`)).json()).toEqual({
      status: 'ok',
      database: engine,
      storage: 'ok',
      packetLifetimeSeconds: 14 * 24 * 3600,
    });
    const client = new RelayClient({
      baseUrl: url,
      audience: 'https://relay.example.test',
      key: world.devices.malmo.key,
    });
    const listing = await client.directory();
    expect(listing.agreements).toEqual([world.agreement.jws]);
    for (const jws of world.statements) expect((await client.submitStatement(jws)).created).toBe(true);
    // The admin token came from the file.
    expect(
      (await client.installAgreement('relay-admin-secret-0123456789abcdefghij', world.agreement)).created,
    ).toBe(false);
    // Authenticated calls work against the configured audience.
    expect((await client.inbox()).items).toEqual([]);

    // An open event stream and a waiting long-poll do not hold up the shutdown.
    const events = client.events();
    const first = events.next();
    const polling = client.inbox({ wait: 30 });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect((await first).done).toBe(true);
    expect((await polling).items).toEqual([]);
    expect(child.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['agreement installed', 'shutting down', 'stopped']),
    );

    // Started again on the same database: everything is still there, the agreement is not installed twice.
    const again = start(['--port', '0'], env);
    cleanups.push(() => {
      if (again.process.exitCode === null) again.process.kill('SIGKILL');
    });
    const ready2 = await again.waitFor('listening');
    const client2 = new RelayClient({ baseUrl: `http://127.0.0.1:${ready2.port}` });
    expect((await client2.directory()).statements).toHaveLength(world.statements.length);
    expect(again.lines.map((l) => l.msg)).toContain('agreement already installed');
    again.process.kill('SIGINT');
    expect(await again.exited).toBe(0);
  });

  it('refuses a bad configuration with exit code 2 and says why', async () => {
    const child = start(['--port', 'eighty'], {});
    expect(await child.exited).toBe(2);
    expect(child.lines[0]).toMatchObject({ level: 'error', msg: 'configuration error' });
    expect(String(child.lines[0]!.detail)).toMatch(/BRYGGA_PORT/);
    const weak = start([], { BRYGGA_ADMIN_TOKEN: 'short', BRYGGA_DATABASE: ':memory:' });
    expect(await weak.exited).toBe(2);
    expect(JSON.stringify(weak.lines)).not.toContain('"short"');
  });
});

describe('the relay command', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'brygga-command-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  it('runs compiled under `npm start`, and SIGTERM to npm stops it gracefully with exit 0', async () => {
    const dir = tempDir();
    const npm = spawn('npm', ['start', '--silent', '--', '--port', '0', '--log-level', 'info'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: dir, BRYGGA_DATABASE: join(dir, 'relay.sqlite') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => {
      if (npm.exitCode === null) npm.kill('SIGKILL');
    });
    let output = '';
    npm.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    npm.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /"msg":"listening".*?"port":(\d+)/.exec(output);
        if (m) {
          clearInterval(timer);
          resolve(Number(m[1]));
        }
        if (npm.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(output));
        }
      }, 50);
    });
    const url = `http://127.0.0.1:${port}`;
    expect((await fetch(`${url}/v1/health`)).status).toBe(200);
    // The relay is node itself, on compiled files: npm's shell execs it, and no tsx is loaded.
    const children = execFileSync('ps', ['-o', 'args=', '--ppid', String(npm.pid)], { encoding: 'utf8' });
    expect(children).toMatch(/^node server\/bin\/brygga-relay\.js/m);
    expect(children).not.toMatch(/tsx|sh -c/);

    npm.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).not.toMatch(/Terminated/);
    expect(output).toMatch(/"msg":"stopped"/);
    await expect(fetch(`${url}/v1/health`)).rejects.toThrow();
  });

  it('exits with `start failed` (ETIMEDOUT) against a PostgreSQL host that accepts connections and never answers', {
    timeout: 40_000,
  }, async () => {
    // A black hole: it takes the connection and reads, and never answers PostgreSQL's start-up.
    const sockets = new Set<Socket>();
    const hole = createServer((socket) => {
      sockets.add(socket);
      socket.resume();
    });
    await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
      hole.close();
    });
    const { port } = hole.address() as AddressInfo;
    const child = start(['--port', '0', '--host', '127.0.0.1'], {
      BRYGGA_DATABASE: `postgres://postgres@127.0.0.1:${port}/brygga`,
      BRYGGA_PUBLIC_URL: 'https://relay.example.test',
      BRYGGA_ADMIN_TOKEN: 'relay-admin-secret-0123456789abcdefghij',
    });
    cleanups.push(() => {
      if (child.process.exitCode === null) child.process.kill('SIGKILL');
    });
    // 'close': exited, and everything it printed is read.
    const closed = new Promise<void>((resolve) => child.process.once('close', () => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      closed.then(() => 'exited'),
      new Promise((resolve) => (timer = setTimeout(() => resolve('still running after 30 s'), 30_000))),
    ]);
    clearTimeout(timer);
    expect(waited, JSON.stringify(child.lines)).toBe('exited');
    expect(child.process.exitCode).toBe(1);
    expect(child.lines).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'start failed', errorCode: 'ETIMEDOUT' }),
    );
  });

  it('lists every setting with --help and exits 0', () => {
    const run = spawnSync(process.execPath, [MAIN, '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(0);
    for (const s of SETTINGS) {
      expect(run.stdout).toContain(s.env);
      if (s.flag) expect(run.stdout).toContain(`--${s.flag}`);
    }
  });

  it('refuses secrets as flags, names an unreadable token file, and refuses an unsigned agreement file', () => {
    const dir = tempDir();
    const refusal = (args: string[], env: Record<string, string> = {}) => {
      const run = spawnSync(process.execPath, [MAIN, '--port', '0', ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', BRYGGA_DATABASE: join(dir, 'relay.sqlite'), ...env },
        encoding: 'utf8',
      });
      expect(run.status).toBe(2);
      const lines = run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'error', msg: 'configuration error' });
      expect(lines[0]).not.toHaveProperty('stack');
      expect(run.stderr).toBe('');
      return String(lines[0]!.detail);
    };
    const token = 'relay-admin-secret-0123456789abcdefghij';
    const tokenFlag = refusal(['--admin-token', token]);
    expect(tokenFlag).toMatch(/BRYGGA_ADMIN_TOKEN.*--admin-token-file/);
    expect(tokenFlag).not.toContain(token);
    const password = refusal(['--database', 'postgres://relay:hemligt@127.0.0.1:1/brygga']);
    expect(password).toMatch(/PGPASSWORD/);
    expect(password).not.toContain('hemligt');

    const missing = join(dir, 'secrets', 'admin-token');
    expect(refusal(['--admin-token-file', missing])).toContain(
      `the admin token file ${missing} cannot be read`,
    );

    const world = makeRelayWorld();
    const unsigned = join(dir, 'agreement.json');
    const document = JSON.parse(world.agreement.serialize()) as Record<string, unknown>;
    writeFileSync(unsigned, JSON.stringify({ ...document, signatures: [] }));
    expect(refusal(['--agreement', unsigned])).toMatch(
      new RegExp(`the agreement file ${unsigned} is refused`),
    );
  });
});
