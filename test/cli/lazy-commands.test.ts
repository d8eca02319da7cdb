/**
 * `brygga --help` and a command's `--help` load only the command table (src/cli/_command-table.ts) and
 * the help text: no command module, no SDK, none of its heavy packages. A command loads its own module,
 * and the console (hono) only for the commands that serve or render it. Proved on the modules the
 * process resolves (test/support/trace-modules.mjs), never on a time; for the built CLI, a bundle, on
 * the source modules in each file of it the process resolves (bundle-modules.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { builtFromSources } from '../../client-sdk/bin/sources.js';
import { describeCommands } from '../../client-sdk/src/cli/_command-table.js';
import { BUNDLE, SDK, unbundled } from './bundle-modules.js';
import { BIN } from './cli-harness.js';

const TRACE = join(import.meta.dirname, '..', 'support', 'trace-modules.mjs');
const dir = mkdtempSync(join(tmpdir(), 'brygga-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let runs = 0;

/** Run `brygga …args`; its exit status and every module it resolved. */
function loaded(args: string[]): {
  status: number | null;
  stdout: string;
  modules: string[];
  files: string[];
} {
  const file = join(dir, `trace-${runs++}.txt`);
  writeFileSync(file, '');
  const run = spawnSync(process.execPath, ['--import', TRACE, BIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', TRACE_MODULES: file },
    timeout: 60_000,
  });
  const files = readFileSync(file, 'utf8').split('\n');
  return { status: run.status, stdout: run.stdout, modules: unbundled(files), files };
}

const HEAVY = /\/node_modules\/(kysely|better-sqlite3|hono|@hono\/node-server|@noble\/[^/]+|jose|ajv)\//;
const SDK_INDEX = /\/client-sdk\/(dist|src)\/index\.(js|ts)$/;
const COMMAND_MODULE = /\/cli\/_[a-z]+-commands\.(js|ts)$/;

describe('what a command loads', () => {
  it('brygga --help: the table and the help, no command module, no SDK, no heavy package', () => {
    const run = loaded(['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('agreement show');
    expect(run.modules.some((m) => /\/cli\/main\.(js|ts)$/.test(m))).toBe(true);
    expect(run.modules.filter((m) => HEAVY.test(m) || SDK_INDEX.test(m) || COMMAND_MODULE.test(m))).toEqual(
      [],
    );
  });

  it("a command's --help loads no more", () => {
    const run = loaded(['refer', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: brygga refer');
    expect(run.modules.filter((m) => HEAVY.test(m) || SDK_INDEX.test(m) || COMMAND_MODULE.test(m))).toEqual(
      [],
    );
  });

  it('a command loads its own module and the SDK, and the console only for the commands that need it', () => {
    const agreement = loaded(['agreement', 'show', join(dir, 'missing.json')]);
    expect(agreement.status).toBe(1);
    expect(agreement.modules.filter((m) => COMMAND_MODULE.test(m)).map((m) => m.split('/').at(-1))).toEqual([
      expect.stringMatching(/^_admin-commands\.(js|ts)$/),
    ]);
    expect(agreement.modules.some((m) => SDK_INDEX.test(m))).toBe(true);
    expect(agreement.modules.some((m) => /\/node_modules\/kysely\//.test(m))).toBe(true);
    expect(
      agreement.modules.filter((m) => /\/node_modules\/(hono|@hono\/node-server)\/|\/console\//.test(m)),
    ).toEqual([]);
    // The reporting commands too: only `report evaluation` renders the console's report page.
    const due = loaded(['due', '--device', join(dir, 'no-device')]);
    expect(due.status).toBe(1);
    expect(due.modules.some((m) => /\/cli\/_report-commands\.(js|ts)$/.test(m))).toBe(true);
    expect(
      due.modules.filter((m) => /\/node_modules\/(hono|@hono\/node-server)\/|\/console\//.test(m)),
    ).toEqual([]);
  });

  it.runIf(builtFromSources(SDK))("the built CLI runs the bundle, none of tsc's modules", () => {
    const run = loaded(['agreement', 'show', join(dir, 'missing.json')]);
    expect(run.status).toBe(1);
    expect(run.files).toContain(pathToFileURL(join(BUNDLE, 'main.js')).href);
    expect(
      run.files.filter((m) => m.includes('/client-sdk/dist/') && !m.includes('/dist/cli-bundle/')),
    ).toEqual([]);
    expect(run.files.filter((m) => /\/node_modules\/(kysely|@noble\/[^/]+|jose)\//.test(m))).toEqual([]);
  });

  it.runIf(builtFromSources(SDK))("reads a command's file of the bundle as its command module", () => {
    const inputs = JSON.parse(readFileSync(join(BUNDLE, 'inputs.json'), 'utf8')) as Record<string, string[]>;
    const file = Object.keys(inputs).find((name) => name.startsWith('_alert-commands-'));
    expect(file).toBeDefined();
    const modules = unbundled([pathToFileURL(join(BUNDLE, file!)).href]);
    expect(modules.filter((m) => COMMAND_MODULE.test(m)).map((m) => m.split('/').at(-1))).toEqual([
      '_alert-commands.ts',
    ]);
  });

  it("the compiled CLI's table (dist/cli/commands.json, written by the build) is the command modules' own", async () => {
    const built = JSON.parse(readFileSync(join(SDK, 'dist', 'cli', 'commands.json'), 'utf8'));
    expect(built).toEqual(JSON.parse(JSON.stringify(await describeCommands())));
  });
});
