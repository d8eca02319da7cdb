/**
 * The `brygga` CLI where it must never lose a coordinator's work or attention, through the binary only,
 * against a real relay process (restarted on the same port and database): a second device enrolled
 * for Malmö and a Stockholm device enrolled again raise no alarm, so `brygga inbox` and an interactive
 * `brygga refer` go on (README "Setting up a deployment with the CLI"); answers confirmed at `brygga
 * refer` are kept in a file only their owner can read when sending fails, and `brygga refer --resume`
 * sends them; `brygga inbox --watch` stays connected over the relay's server-sent events, prints each
 * arrival once from now on (a JSON line each), reconnects after the relay is killed and restarted, and
 * stops at Ctrl-C with exit code 0; `brygga alerts` lists what waits for a person.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreementTerms, party, periodFromThisYear } from '../support/agreement-terms.js';
import { type RelayProcess, spawnRelay } from '../support/relay-process.js';
import { BIN, brygga, day, writeJson } from './cli-harness.js';

const UNITS = ['stockholm-jarva', 'malmo'] as const;
type Unit = (typeof UNITS)[number];
const AUDIENCE = 'https://brygga.test.invalid';
const PASS: Record<Unit, string> = {
  'stockholm-jarva': 'järva-lösenfras-2026',
  malmo: 'malmö-lösenfras-2026',
};

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

/** Answers to `brygga refer`'s questions, one a line, for a referral from Järva to Malmö. */
function answers(confirm: string): string {
  return [
    'malmo',
    'avhoppare',
    'high',
    'Anonym Avhoppare',
    '',
    '',
    'krisstod',
    day(-5),
    'Polis Ett',
    'avhopparsamordnare',
    'POL-1',
    'Inga invändningar.',
    day(-4),
    'Polis Två',
    'avhopparsamordnare',
    'POL-2',
    'Inga invändningar.',
    day(-5),
    'Polis Ett',
    'avhopparsamordnare',
    'POL-1',
    'y',
    day(-4),
    'Polis Två',
    'avhopparsamordnare',
    'POL-2',
    'y',
    'y',
    'concrete',
    'y',
    'n',
    day(-6),
    'Handläggare Hem',
    'socialsekreterare',
    'Motiverad.',
    'n',
    day(-6),
    'y',
    day(2),
    '',
    'Handläggare',
    'socialsekreterare',
    '',
    '',
    '',
    'oral',
    day(-1),
    'Vittne Vittnesson',
    'socialsekreterare',
    'Journalanteckning',
    day(-1),
    day(200),
    '',
    confirm,
    '',
  ].join('\n');
}

/** A running `brygga inbox --watch`, its output line by line. */
interface Watcher {
  child: ChildProcess;
  lines: string[];
  stderr: () => string;
  /** Wait until a stdout line matches. */
  waitFor(match: (line: string) => boolean, what: string): Promise<string>;
  /** Wait until stderr matches. */
  waitForStderr(match: RegExp): Promise<void>;
  exited: Promise<number | null>;
}

function watch(cwd: string, args: string[], env: Record<string, string>): Watcher {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let buffer = '';
  const waiting = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (t: string) => {
    buffer += t;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      lines.push(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
    }
    for (const w of waiting) w();
  });
  child.stderr!.setEncoding('utf8').on('data', (t: string) => {
    stderr += t;
    for (const w of waiting) w();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const until = (ready: () => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(check);
        reject(new Error(`nothing ${what} in time:\n${lines.join('\n')}\nstderr:\n${stderr}`));
      }, 60_000);
      const check = () => {
        if (!ready()) return;
        clearTimeout(timer);
        waiting.delete(check);
        resolve();
      };
      waiting.add(check);
      check();
    });
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    waitForStderr(match) {
      return until(() => match.test(stderr), `on stderr matching ${match}`);
    },
    waitFor(match, what) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`no line ${what} in time:\n${lines.join('\n')}\nstderr:\n${stderr}`));
        }, 60_000);
        const check = () => {
          const found = lines.find(match);
          if (found === undefined) return;
          clearTimeout(timer);
          waiting.delete(check);
          resolve(found);
        };
        waiting.add(check);
        check();
      });
    },
  };
}

describe('the brygga CLI keeps work and attention', { timeout: 300_000 }, () => {
  let dir: string;
  let relay: RelayProcess;
  let env: Record<string, string>;
  const adminToken = randomBytes(32).toString('base64url');
  const as = (u: Unit, device = `${u}-device`) => ({
    BRYGGA_PASSPHRASE: PASS[u],
    BRYGGA_DEVICE: join(dir, device),
  });
  const relayFlags = () => ['--relay', relay.url, '--audience', AUDIENCE];
  const enrol = (u: Unit, device: string, name: string) => {
    const run = brygga(
      dir,
      [
        'device',
        'enrol',
        '--unit-key',
        `${u}-root.json`,
        '--agreement',
        'agreement.json',
        '--name',
        name,
        ...relayFlags(),
        '--json',
      ],
      as(u, device),
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brygga-cli-watch-'));
    env = {
      BRYGGA_DATABASE: join(dir, 'relay.sqlite'),
      BRYGGA_ADMIN_TOKEN: adminToken,
      BRYGGA_PUBLIC_URL: AUDIENCE,
      BRYGGA_PORT: String(await freePort()),
      BRYGGA_HEARTBEAT_SECONDS: '1',
      BRYGGA_LOG_MERGE_DELAY: '50',
    };
    relay = await spawnRelay(env);
    const rootKeys = {} as Record<Unit, string>;
    for (const u of UNITS) {
      const run = brygga(dir, ['unit', 'init', '--unit', u, '--out', `${u}-root.json`, '--json'], as(u));
      expect(run.status).toBe(0);
      rootKeys[u] = run.json<{ rootKey: string }>().rootKey;
    }
    writeJson(
      dir,
      'terms.json',
      agreementTerms(
        UNITS.map((u) => party(u, rootKeys[u])),
        { period: periodFromThisYear() },
      ),
    );
    expect(
      brygga(dir, ['agreement', 'create', '--terms', 'terms.json', '--out', 'agreement.json']).status,
    ).toBe(0);
    for (const u of UNITS) {
      expect(
        brygga(dir, ['agreement', 'sign', 'agreement.json', '--key', `${u}-root.json`], as(u)).status,
      ).toBe(0);
    }
    const install = brygga(dir, ['relay', 'install-agreement', 'agreement.json', ...relayFlags()], {
      BRYGGA_ADMIN_TOKEN: adminToken,
    });
    expect(install.status).toBe(0);
    for (const u of UNITS) enrol(u, `${u}-device`, `${u} ärendesystem`);
  }, 300_000);
  afterAll(async () => {
    await relay?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a unit's second device, and one enrolled again, raise no alarm: inbox and refer go on", () => {
    expect(brygga(dir, ['inbox'], as('malmo')).status).toBe(0);
    // Malmö's administrator enrols a second device with Malmö's root key.
    enrol('malmo', 'malmo-device-2', 'Malmö samordnare');
    const inbox = brygga(dir, ['inbox', '--json'], as('malmo'));
    expect(inbox.stderr).toBe('');
    expect(inbox.status).toBe(0);
    expect(inbox.json()).toMatchObject({ alerts: 0 });
    // Stockholm's device is enrolled again (a new installation); the first one answers a whole referral.
    enrol('stockholm-jarva', 'stockholm-jarva-device-2', 'Järva ny installation');
    const sent = brygga(dir, ['refer', '--json'], as('stockholm-jarva'), { input: answers('y') });
    expect(sent.status).toBe(0);
    expect(sent.json()).toMatchObject({ submitted: true, status: 'submitted' });
    const alerts = brygga(dir, ['alerts'], as('stockholm-jarva'));
    expect(alerts.status).toBe(0);
    expect(alerts.stdout).toBe('No alerts wait for anyone.\n');
  });

  it('keeps confirmed answers when sending fails, in a file only their owner reads; --resume sends them', async () => {
    await relay.stop('SIGTERM');
    const failed = brygga(dir, ['refer'], as('stockholm-jarva'), { input: answers('y') });
    expect(failed.status).toBe(1);
    const kept = join(dir, 'stockholm-jarva-device', 'referral-answers.json');
    expect(failed.stderr).toMatch(/the relay could not be reached .*\[ERR_RELAY\]/);
    expect(failed.stderr).toContain(`your answers are kept in ${kept} (readable only by you)`);
    expect(failed.stderr).toContain('run `brygga refer --resume` to send them');
    expect(existsSync(kept)).toBe(true);
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    expect(failed.stderr).toContain(`${kept} holds personal data and is readable by you only (mode 600).`);
    expect(failed.stderr).toContain(
      'Keep it on an encrypted disk, and delete it once it is no longer needed.',
    );
    expect(JSON.parse(readFileSync(kept, 'utf8'))).toMatchObject({
      kind: 'brygga.referral-answers',
      referral: { to: 'malmo', person: { name: 'Anonym Avhoppare' } },
    });
    // While the relay is down, --resume fails too and keeps the file.
    const again = brygga(dir, ['refer', '--resume'], as('stockholm-jarva'));
    expect(again.status).toBe(1);
    expect(existsSync(kept)).toBe(true);
    relay = await spawnRelay(env);
    const resumed = brygga(dir, ['refer', '--resume', '--json'], as('stockholm-jarva'));
    expect(resumed.status).toBe(0);
    expect(resumed.json()).toMatchObject({ submitted: true });
    expect(existsSync(kept)).toBe(false);
    const caseId = resumed.json<{ caseId: string }>().caseId;
    const atMalmo = brygga(dir, ['inbox', '--json'], as('malmo'));
    expect(atMalmo.json<{ cases: { caseId: string }[] }>().cases.map((c) => c.caseId)).toContain(caseId);
    const nothingKept = brygga(dir, ['refer', '--resume'], as('stockholm-jarva'));
    expect(nothingKept.status).toBe(1);
    expect(nothingKept.stderr).toMatch(/no kept referral answers in .*\[ERR_FILE\]/);
  });

  it('inbox --watch prints each arrival once from now, across a relay restart, and stops at Ctrl-C', async () => {
    const before = brygga(dir, ['inbox', '--json'], as('malmo')).json<{ cases: { caseId: string }[] }>();
    const caseId = before.cases[0]!.caseId;
    const w = watch(dir, ['inbox', '--watch', '--json'], as('malmo'));
    try {
      const first = JSON.parse(await w.waitFor((l) => l.startsWith('{"summary"'), 'the summary')) as {
        summary: { cases: unknown[] };
      };
      expect(w.lines[0]).toBe(JSON.stringify(first));
      expect(first.summary.cases).toHaveLength(before.cases.length);
      // Järva withdraws the consent of a case: it arrives at once.
      writeJson(dir, 'withdrawal.json', { withdrawnOn: day(0), form: 'written', note: null });
      const withdrawn = brygga(
        dir,
        ['consent', 'withdraw', caseId, '--file', 'withdrawal.json'],
        as('stockholm-jarva'),
      );
      expect(withdrawn.status).toBe(0);
      await w.waitFor(
        (l) => l.includes('"packet.applied"') && l.includes('consent-withdrawal'),
        'for the withdrawal',
      );
      // The relay dies and comes back on the same port; the watch reconnects by itself.
      await relay.stop('SIGKILL');
      await w.waitForStderr(/the relay could not be reached; trying again in \d+ s/);
      relay = await spawnRelay(env);
      writeJson(dir, 'renewed.json', {
        form: 'written',
        written: { documentSha256: 'z9x8c7v6b5n4m3l2k1j0h9g8f7d6s5a4p3o2i1u0y9t', signedOn: day(0) },
        validFrom: day(0),
        validUntil: day(300),
      });
      const renewed = brygga(
        dir,
        ['consent', 'attest', caseId, '--file', 'renewed.json'],
        as('stockholm-jarva'),
      );
      expect(renewed.status).toBe(0);
      await w.waitFor(
        (l) => l.includes('"packet.applied"') && l.includes('"packetType":"consent"'),
        'for the renewed consent after the restart',
      );
      await w.waitForStderr(/connected to the relay again/);
      w.child.kill('SIGINT');
      expect(await w.exited).toBe(0);
      const events = w.lines
        .slice(1)
        .map((l) => JSON.parse(l) as { seq: number; type: string; data: Record<string, unknown> });
      // Each once, and from now: the arrivals since the watch began, none of the history before it.
      expect(new Set(events.map((e) => e.seq)).size).toBe(events.length);
      const arrivals = events.filter((e) => e.type === 'packet.applied').map((e) => e.data.packetType);
      expect(arrivals).toEqual(['consent-withdrawal', 'consent']);
    } finally {
      if (w.child.exitCode === null) w.child.kill('SIGKILL');
    }
    // --from-start prints what the device recorded before too, as lines for a person.
    const history = watch(dir, ['inbox', '--watch', '--from-start'], as('malmo'));
    try {
      await history.waitFor(
        (l) => / {2}case .*: referral from stockholm-jarva$/.test(l),
        'of an earlier referral',
      );
      history.child.kill('SIGINT');
      expect(await history.exited).toBe(0);
    } finally {
      if (history.child.exitCode === null) history.child.kill('SIGKILL');
    }
  });
});
