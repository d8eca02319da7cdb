/**
 * The CLI's contract with scripts: `--help` on every command, exit code 2 for usage
 * errors, 1 for refusals, and no passphrase flag. Most checks call `runCli` in-process (they need no
 * relay); one runs the binary to check the exit code reaches the shell.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCommands } from '../../client-sdk/src/cli/_command-table.js';
import { progress } from '../../client-sdk/src/cli/_io.js';
import { runCli } from '../../client-sdk/src/cli/main.js';
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
    for (const c of await describeCommands()) {
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

  it("takes an option's value even when it begins with '-', as one packet hash in 64 does", async () => {
    const hash = '-Xq9v0aN3mJ2kL7pQ1rS5tU8wY4zB6cD0eF2gH3iJ5k';
    const missing = join(dir, 'no-such-answer.json');
    const r = await run(['child-notice', 'answer', 'case-1', '--notice', hash, '--file', missing]);
    // Past the parser: the refusal is about the file, not the arguments.
    expect(r.status, r.err).toBe(1);
    expect(r.err).toContain('no-such-answer.json');
    expect(r.err).not.toContain('ERR_USAGE');
    // A flag with nothing after it is still a usage error.
    const bare = await run(['child-notice', 'answer', 'case-1', '--file', missing, '--notice']);
    expect(bare.status, bare.err).toBe(2);
  });

  it("takes an argument that begins with '-' as an argument, as one id in 64 does, wherever it stands", async () => {
    const id = '-sXWlcxJGeSvq9v0aN3mJ2';
    const device = join(dir, 'no-device');
    for (const argv of [
      ['rivals', 'remove', id, '--device', device],
      ['rivals', 'remove', '--device', device, id],
      ['rivals', 'remove', '--device', device, '--', id],
    ]) {
      const r = await run(argv);
      // Past the parser: the refusal is about the device, not the arguments.
      expect(r.status, `${argv.join(' ')}: ${r.err}`).toBe(1);
      expect(r.err).toContain('no-device');
      expect(r.err).not.toContain('ERR_USAGE');
    }
    // One argument too many is still a usage error, whatever it begins with.
    const extra = await run(['rivals', 'remove', id, '-x', '--device', device]);
    expect(extra.status, extra.err).toBe(2);
    expect(extra.err).toContain('unexpected argument: -x');
  });

  it('refuses bad arguments to the report commands before it opens the device', async () => {
    const usageErrors: [string[], RegExp][] = [
      [['report', 'statistics'], /give --month or --year, one of them/],
      [['report', 'statistics', '--month', '2026-11', '--year', '2026'], /give --month or --year, one of/],
      [['report', 'statistics', '--month', '2026-13'], /--month 2026-13 is not a month/],
      [['report', 'statistics', '--year', '26'], /--year 26 is not a year/],
      [['report', 'statistics', '--month', '2026-11', '--format', 'xml'], /--format xml is not a format/],
      [['report', 'statistics', '--month', '2026-11', '--json', '--format', 'csv'], /ask for two formats/],
      [['report', 'statistics', '--month', '2026-11', '--since', '2026-01'], /Unknown option '--since'/],
      [['report', 'deviations', '--from', '2026-02-30'], /--from 2026-02-30 is not a day/],
      [['report', 'deviations', '--from', '2026-03-01', '--to', '2026-02-01'], /is after --to/],
      [['report', 'figures', '--send', 'yes'], /unexpected argument: yes/],
      [['report', 'evaluation'], /--out is required/],
      [['report', 'evaluation', '--out', 'r.html', '--lang', 'de'], /--lang de is not a language/],
      [['due', '--month', '2026-11'], /Unknown option '--month'/],
      [['purge', '--by', ' '], /--by must name who runs the purge/],
      [['deviation', 'AAAAAAAAAAAAAAAAAAAAAA'], /--file is required/],
    ];
    for (const [argv, message] of usageErrors) {
      const r = await run([...argv, '--device', join(dir, 'nowhere')]);
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(message);
      expect(r.err, argv.join(' ')).toMatch(/\[ERR_USAGE\]\n {2}What to do: /);
    }

    // An --out file that exists, and a deviation file that is not one, are refused before the device
    // is opened (there is none here: opening it would be ERR_NO_DEVICE), so nothing is fetched or sent.
    const existing = join(dir, 'existing.csv');
    writeFileSync(existing, 'kept');
    writeFileSync(join(dir, 'not-an-object.json'), '[]');
    writeFileSync(
      join(dir, 'deviation.json'),
      JSON.stringify({ date: '2026-01-01', reason: 'tired', guideline: 'x', description: 'y' }),
    );
    // Another part of the guideline, and no words naming it (the file may leave `guideline` out).
    writeFileSync(
      join(dir, 'unnamed.json'),
      JSON.stringify({
        date: '2026-01-01',
        reason: 'safety',
        rule: 'guideline',
        description: 'y',
        decidedBy: { name: 'N', role: 'enhetschef' },
      }),
    );
    const refusals: [string[], string, RegExp][] = [
      [['report', 'statistics', '--month', '2026-11', '--out', existing], 'ERR_EXISTS', /already exists/],
      [['report', 'deviations', '--format', 'csv', '--out', existing], 'ERR_EXISTS', /already exists/],
      [['report', 'evaluation', '--out', existing], 'ERR_EXISTS', /already exists/],
      [
        ['deviation', 'AAAAAAAAAAAAAAAAAAAAAA', '--file', join(dir, 'not-an-object.json')],
        'ERR_MALFORMED',
        /must hold a JSON object/,
      ],
      [
        ['deviation', 'AAAAAAAAAAAAAAAAAAAAAA', '--file', join(dir, 'deviation.json')],
        'ERR_MALFORMED',
        /the deviation file is not valid: deviation\.\w+/,
      ],
      [
        ['deviation', 'AAAAAAAAAAAAAAAAAAAAAA', '--file', join(dir, 'unnamed.json')],
        'ERR_MALFORMED',
        /the deviation file is not valid: deviation\.guideline must name the part of the guideline/,
      ],
    ];
    for (const [argv, code, message] of refusals) {
      const r = await run([...argv, '--device', join(dir, 'nowhere'), '--json'], { BRYGGA_PASSPHRASE: 'x' });
      expect(r.status, argv.join(' ')).toBe(1);
      expect(JSON.parse(r.out), argv.join(' ')).toMatchObject({ error: { code, exitCode: 1 } });
      expect(JSON.parse(r.out).error.hint, argv.join(' ')).toEqual(expect.any(String));
      expect(r.err, argv.join(' ')).toMatch(message);
    }
    expect(readFileSync(existing, 'utf8')).toBe('kept');
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
