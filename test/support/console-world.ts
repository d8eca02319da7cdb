/**
 * A deployment for the console's tests, set up the way the README tells units to: a relay process, three
 * units' root keys, the agreement signed by all and installed, one device enrolled per unit (with the
 * `brygga` binary, exactly as an administrator would), console users added with
 * `brygga console user add`, and consoles started with `brygga console` on free loopback ports.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, bryggaAsync, type CliRun, writeJson } from '../cli/cli-harness.js';
import { type RelayProcess, spawnRelay } from './relay-process.js';
import { CATALOGUE } from './workflow-world.js';

export const CONSOLE_UNITS = ['stockholm-jarva', 'goteborg-nordost', 'malmo'] as const;
export type ConsoleUnit = (typeof CONSOLE_UNITS)[number];

const MUNICIPALITY: Record<ConsoleUnit, { id: string; name: string }> = {
  'stockholm-jarva': { id: 'stockholm', name: 'Stockholms stad' },
  'goteborg-nordost': { id: 'goteborg', name: 'Göteborgs stad' },
  malmo: { id: 'malmo', name: 'Malmö stad' },
};
const PARTY_NAME: Record<ConsoleUnit, string> = {
  'stockholm-jarva': 'Järva stadsdelsförvaltning',
  'goteborg-nordost': 'Socialförvaltning Nordost',
  malmo: 'Konsultationsteamet',
};

/** The relay's public URL in these tests (its tokens' audience). */
export const CONSOLE_AUDIENCE = 'https://brygga.test.invalid';

/** A running `brygga console`. */
export interface ConsoleProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output: string[];
  stop(): Promise<void>;
}

/** The deployment. */
export interface ConsoleWorld {
  dir: string;
  relay: RelayProcess;
  /** Run `brygga …` as `unit`'s administrator (device passphrase in the environment). */
  cli(unit: ConsoleUnit, args: string[], env?: Record<string, string>): Promise<CliRun>;
  deviceDir(unit: ConsoleUnit): string;
  passphrase(unit: ConsoleUnit): string;
  /** Start `brygga console` for `unit`'s device. */
  startConsole(unit: ConsoleUnit, args?: string[]): Promise<ConsoleProcess>;
  /** Stop the relay process (the consoles lose it). */
  stopRelay(): Promise<void>;
  /** Start the relay again on the same port and database. */
  startRelay(): Promise<void>;
  close(): Promise<void>;
}

function check(run: CliRun, what: string): CliRun {
  if (run.status !== 0) throw new Error(`${what} failed (${run.status}):\n${run.stderr}`);
  return run;
}

/**
 * Set up the deployment. `deviceNames` names each unit's device (a hostile name tests the pages'
 * escaping); `terms` amends the agreement's terms before they are signed (a municipality's receiving
 * terms, the deviable rules); every other setting is the README's.
 */
export async function consoleWorld(
  options: {
    deviceNames?: Partial<Record<ConsoleUnit, string>>;
    terms?: (terms: Record<string, unknown>) => Record<string, unknown>;
  } = {},
): Promise<ConsoleWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'brygga-console-'));
  const adminToken = randomBytes(32).toString('base64url');
  const pass = (u: ConsoleUnit) => `${u}-lösenfras-för-enheten`;
  const deviceDir = (u: ConsoleUnit) => join(dir, `${u}-device`);
  const as = (u: ConsoleUnit) => ({ BRYGGA_PASSPHRASE: pass(u), BRYGGA_DEVICE: deviceDir(u) });
  const relayEnv = {
    BRYGGA_DATABASE: join(dir, 'relay.sqlite'),
    BRYGGA_ADMIN_TOKEN: adminToken,
    BRYGGA_PUBLIC_URL: CONSOLE_AUDIENCE,
  };
  const relay = await spawnRelay(relayEnv);
  const consoles: ConsoleProcess[] = [];
  const relayFlags = ['--relay', relay.url, '--audience', CONSOLE_AUDIENCE];
  const world: ConsoleWorld = {
    dir,
    relay,
    cli: (u, args, env = {}) => bryggaAsync(dir, args, { ...as(u), ...env }),
    deviceDir,
    passphrase: pass,
    async startConsole(u, args = []) {
      const started = await startConsoleProcess(
        dir,
        [...args, '--device', deviceDir(u), '--port', '0', '--json'],
        as(u),
      );
      consoles.push(started);
      return started;
    },
    async stopRelay() {
      await world.relay.stop();
    },
    async startRelay() {
      world.relay = await spawnRelay({ ...relayEnv, BRYGGA_PORT: String(relay.port) });
    },
    async close() {
      await Promise.all(consoles.map((c) => c.stop()));
      await world.relay.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    const roots = {} as Record<ConsoleUnit, string>;
    for (const u of CONSOLE_UNITS) {
      const run = check(
        await world.cli(u, ['unit', 'init', '--unit', u, '--out', `${u}-root.json`, '--json']),
        'unit init',
      );
      roots[u] = run.json<{ rootKey: string }>().rootKey;
    }
    const year = new Date().getUTCFullYear();
    const terms: Record<string, unknown> = {
      v: 1,
      kind: 'brygga.agreement',
      id: 'avhoppare-storstad',
      sequence: 1,
      supersedes: null,
      title: 'Avtal om samverkan för insatser till avhoppare',
      period: { from: `${year}-01-01`, to: `${year + 1}-12-31` },
      municipalities: CONSOLE_UNITS.map((u) => ({ ...MUNICIPALITY[u], quota: { outgoing: 2, incoming: 2 } })),
      parties: CONSOLE_UNITS.map((u) => ({
        unit: u,
        municipality: MUNICIPALITY[u].id,
        name: PARTY_NAME[u],
        rootKey: roots[u],
      })),
      catalogue: CATALOGUE,
      admits: { categories: ['avhoppare', 'skyddsarende'], threatLevels: ['low', 'high'] },
      preconditions: {
        policeConsultation: true,
        policeApproval: { categories: ['skyddsarende'], threatLevels: ['high'] },
      },
    };
    writeJson(dir, 'terms.json', options.terms ? options.terms(terms) : terms);
    check(
      await bryggaAsync(dir, ['agreement', 'create', '--terms', 'terms.json', '--out', 'agreement.json']),
      'agreement create',
    );
    for (const u of CONSOLE_UNITS) {
      check(
        await world.cli(u, ['agreement', 'sign', 'agreement.json', '--key', `${u}-root.json`]),
        'agreement sign',
      );
    }
    check(
      await bryggaAsync(dir, ['relay', 'install-agreement', 'agreement.json', ...relayFlags], {
        BRYGGA_ADMIN_TOKEN: adminToken,
      }),
      'install-agreement',
    );
    for (const u of CONSOLE_UNITS) {
      const name = options.deviceNames?.[u] ?? `${PARTY_NAME[u]}, samordnarnas dator`;
      check(
        await world.cli(u, [
          'device',
          'enrol',
          '--unit-key',
          `${u}-root.json`,
          '--agreement',
          'agreement.json',
          '--name',
          name,
          ...relayFlags,
        ]),
        'device enrol',
      );
    }
  } catch (err) {
    await world.close();
    throw err;
  }
  return world;
}

/** Start `brygga console …` and wait for its `listening` line (`--json`). */
export function startConsoleProcess(
  cwd: string,
  args: string[],
  env: Record<string, string>,
): Promise<ConsoleProcess> {
  const child = spawn(process.execPath, [BIN, 'console', ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the console did not start:\n${output.join('')}`));
    }, 60_000);
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      output.push(text);
      buffered += text;
      try {
        const line = JSON.parse(buffered) as { msg?: string; url?: string; port?: number };
        if (line.msg === 'listening' && line.url && line.port) {
          clearTimeout(timer);
          resolve({
            url: line.url,
            port: line.port,
            child,
            output,
            stop: async () => {
              if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
              await exited;
            },
          });
        }
      } catch {
        // Not the whole JSON object yet.
      }
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => output.push(text));
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the console exited before listening:\n${output.join('')}`));
    });
  });
}
