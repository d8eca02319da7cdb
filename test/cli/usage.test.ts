/**
 * The CLI's contract with scripts: `--help` on every command, exit code 2 for usage
 * errors, 1 for refusals, and no passphrase flag. Most checks call `runCli` in-process (they need no
 * relay); one runs the binary to check the exit code reaches the shell.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { progress } from '../../client-sdk/src/cli/_io.js';
import { COMMANDS, runCli } from '../../client-sdk/src/cli/main.js';
import { brygga } from './cli-harness.js';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const status = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { status, out, err };
}

describe('brygga usage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brygga-usage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every command in --help, and every command has its own --help', async () => {
    const top = await run(['--help']);
    expect(top.status).toBe(0);
    for (const c of COMMANDS) {
      expect(top.out).toContain(c.words.join(' '));
      const help = await run([...c.words, '--help']);
      expect(help.status).toBe(0);
      expect(help.out).toContain(`Usage: brygga ${c.words.join(' ')}`);
      expect(help.out).toContain('--json');
      // No command takes a passphrase or a token as a flag.
      expect(help.out).not.toMatch(/--(passphrase|password|token|admin-token)\b/);
    }
  });

  it('gives exit code 2 and says what to do for usage errors', async () => {
    const cases: string[][] = [
      [],
      ['frobnicate'],
      ['agreement', 'sign'],
      ['unit', 'init', '--unit', 'malmo'],
      ['unit', 'init', '--unit', 'malmo', '--out', 'x.json', '--passphrase', 'secret'],
      ['case', 'show', 'a', 'b'],
    ];
    for (const argv of cases) {
      const r = await run(argv);
      expect(r.status, argv.join(' ')).toBe(2);
      if (argv.length) expect(r.err, argv.join(' ')).toMatch(/^brygga: .*\[ERR_USAGE\]\n {2}What to do: /);
    }
  });

  it('refuses with exit code 1 when there is no passphrase to be had, or no device', async () => {
    // Not a terminal and no BRYGGA_PASSPHRASE: refused, and nothing written.
    const noPass = await run(['unit', 'init', '--unit', 'malmo', '--out', join(dir, 'malmo-root.json')]);
    expect(noPass.status).toBe(1);
    expect(noPass.err).toMatch(/a passphrase is needed.*\[ERR_NO_PASSPHRASE\]/);
    const noDevice = await run(['inbox', '--device', join(dir, 'nowhere'), '--json'], {
      BRYGGA_PASSPHRASE: 'x',
    });
    expect(noDevice.status).toBe(1);
    expect(JSON.parse(noDevice.out)).toMatchObject({ error: { code: 'ERR_NO_DEVICE', exitCode: 1 } });
  });

  it('shows progress on stderr only when it is a terminal, and clears it before the result', () => {
    const shown = (tty: boolean) => {
      let err = '';
      const p = progress({ out: () => {}, err: (t) => (err += t), env: {}, json: false, tty });
      p.update('syncing… 1 packet');
      p.update('syncing… 2 packets');
      p.done();
      return err;
    };
    expect(shown(false)).toBe('');
    expect(shown(true)).toBe('\rsyncing… 1 packet\x1b[K\rsyncing… 2 packets\x1b[K\r\x1b[K');
  });

  it('the binary passes its exit code to the shell', () => {
    expect(brygga(dir, ['--help']).status).toBe(0);
    const bad = brygga(dir, ['inbox', '--no-such-option']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--no-such-option'/);
  });
});
