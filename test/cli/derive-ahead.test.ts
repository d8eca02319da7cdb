/**
 * The device passphrase derived ahead (client-sdk/src/node/derivation-ahead.ts, PROTOCOL.md §3.4): a
 * command that opens the device with BRYGGA_PASSPHRASE starts the one scrypt derivation of its key files
 * before its modules load, and the SDK uses it rather than deriving again. Proved on what the process
 * does, in order (the derivations it starts on node:crypto, test/cli/trace-scrypt.mjs, and the modules it
 * resolves, test/support/trace-modules.mjs, the bundle's files read as their modules: bundle-modules.ts),
 * never on a time; and on DerivationAhead itself.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BryggaError, loadIdentity, SCRYPT_LIMITS } from '../../client-sdk/src/index.js';
import { AHEAD_SCRYPT_LIMITS, DerivationAhead } from '../../client-sdk/src/node/derivation-ahead.js';
import { openSqliteStore } from '../../client-sdk/src/node/index.js';
import { writeCliDevice } from '../support/cli-device.js';
import { makeWorld } from '../support/fixtures.js';
import { unbundled } from './bundle-modules.js';
import { BIN } from './cli-harness.js';

const TRACE_MODULES = join(import.meta.dirname, '..', 'support', 'trace-modules.mjs');
const TRACE_SCRYPT = join(import.meta.dirname, 'trace-scrypt.mjs');
const PASS = 'korrekt häst batteri häftklammer';
/** The cost writeCliDevice seals the keys at: the lowest PROTOCOL.md §3.4 admits. */
const N = SCRYPT_LIMITS.minN;

const top = mkdtempSync(join(tmpdir(), 'brygga-derive-ahead-'));
afterAll(() => rmSync(top, { recursive: true, force: true }));
let made = 0;

/** A device directory as `brygga device enrol` leaves it (Malmö's device of a three-city world). */
async function deviceDirectory(): Promise<string> {
  const world = makeWorld(new Date());
  return writeCliDevice(join(top, `device-${made++}`), {
    device: world.devices.malmo,
    agreement: world.agreement,
    passphrase: PASS,
    audience: 'brygga-relay',
  });
}

/** Run `brygga …args`; its status, stderr and the trace: `scrypt N=…` lines and module URLs, in order. */
function traced(args: string[], env: Record<string, string>) {
  const file = join(top, `trace-${made++}.txt`);
  writeFileSync(file, '');
  const run = spawnSync(
    process.execPath,
    ['--import', TRACE_MODULES, '--import', TRACE_SCRYPT, BIN, ...args],
    {
      cwd: top,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', TRACE_MODULES: file, ...env },
      timeout: 60_000,
    },
  );
  const trace = unbundled(readFileSync(file, 'utf8').split('\n').filter(Boolean));
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, trace };
}

const SCRYPT = /^scrypt /;
const index = (trace: string[], pattern: RegExp) => trace.findIndex((line) => pattern.test(line));

describe('a command that opens the device', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await deviceDirectory();
  });

  it('derives the passphrase once, before its command module and Kysely load, and opens the device with it', () => {
    const run = traced(['alerts', '--device', dir], { BRYGGA_PASSPHRASE: PASS });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('No alerts wait for anyone.');
    expect(run.trace.filter((l) => SCRYPT.test(l))).toEqual([`scrypt N=${N}`]);
    const derived = index(run.trace, SCRYPT);
    expect(derived).toBeLessThan(index(run.trace, /\/cli\/_alert-commands\.(js|ts)$/));
    expect(derived).toBeLessThan(index(run.trace, /\/node_modules\/kysely\//));
  });

  it('refuses a wrong passphrase with the same error as ever', () => {
    const run = traced(['alerts', '--device', dir], { BRYGGA_PASSPHRASE: `${PASS} fel` });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('[ERR_WRONG_PASSPHRASE]');
    expect(run.trace.filter((l) => SCRYPT.test(l))).toHaveLength(1);
  });

  it('derives nothing ahead without BRYGGA_PASSPHRASE (a prompt, refused without a terminal)', () => {
    const run = traced(['alerts', '--device', dir], {});
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('[ERR_NO_PASSPHRASE]');
    expect(run.trace.filter((l) => SCRYPT.test(l))).toEqual([]);
  });

  it('derives nothing ahead under BRYGGA_CRYPTO=noble, whose scrypt is its own', () => {
    const run = traced(['alerts', '--device', dir], { BRYGGA_PASSPHRASE: PASS, BRYGGA_CRYPTO: 'noble' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.trace.filter((l) => SCRYPT.test(l))).toEqual([]);
  });

  it('derives nothing for a cost outside the limits; the SDK refuses the key file', async () => {
    const bad = await deviceDirectory();
    const db = new BetterSqlite3(join(bad, 'store.sqlite'));
    const row = db.prepare("SELECT signing_key FROM brygga_identity WHERE id = 'device'").get() as {
      signing_key: string;
    };
    const file = JSON.parse(row.signing_key);
    file.kdf.N = 2 ** 21;
    db.prepare("UPDATE brygga_identity SET signing_key = ? WHERE id = 'device'").run(JSON.stringify(file));
    db.close();
    const run = traced(['alerts', '--device', bad], { BRYGGA_PASSPHRASE: PASS });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('[ERR_MALFORMED]');
    expect(run.trace.filter((l) => SCRYPT.test(l))).toHaveLength(1);
    expect(run.trace.filter((l) => l === `scrypt N=${2 ** 21}`)).toEqual([]);
  });
});

describe('a command that does not open the device', () => {
  it('derives nothing, whatever the environment holds', () => {
    for (const args of [['--help'], ['alerts', '--help'], ['agreement', 'show', join(top, 'missing.json')]]) {
      const run = traced(args, { BRYGGA_PASSPHRASE: PASS });
      expect(
        run.trace.filter((l) => SCRYPT.test(l)),
        args.join(' '),
      ).toEqual([]);
    }
  });
});

describe('DerivationAhead', () => {
  it('starts scrypt only within the limits the SDK itself accepts (PROTOCOL.md §3.4)', () => {
    // derivation-ahead.ts keeps its own copy so that it loads nothing of the SDK; the copies must agree.
    expect(AHEAD_SCRYPT_LIMITS).toEqual(SCRYPT_LIMITS);
  });

  it("hands its derivation over once, to the same passphrase and the key files' own salt and cost", async () => {
    const dir = await deviceDirectory();
    const path = join(dir, 'store.sqlite');
    const store = await openSqliteStore(path);
    try {
      const plain = await loadIdentity(store.store, PASS);
      const ahead = await DerivationAhead.start(path, PASS);
      expect(ahead).toBeDefined();
      const taken = await loadIdentity(store.store, PASS, { derived: ahead! });
      expect(taken.key.kid).toBe(plain.key.kid);
      expect(taken.hpkeKeys.map((k) => k.kid)).toEqual(plain.hpkeKeys.map((k) => k.kid));
      // Taken once: a second load derives on its own, and the thing ahead has nothing left to give.
      const kdf = JSON.parse((await store.store.loadIdentity())!.signingKey).kdf;
      expect(ahead!.take(PASS, kdf)).toBeUndefined();
      // Another passphrase is not handed the derivation of this one.
      const other = await DerivationAhead.start(path, PASS);
      expect(other!.take(`${PASS}!`, kdf)).toBeUndefined();
      other!.discard();
      expect(other!.take(PASS, kdf)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('a derivation under another passphrase opens nothing: ERR_WRONG_PASSPHRASE', async () => {
    const dir = await deviceDirectory();
    const path = join(dir, 'store.sqlite');
    const ahead = await DerivationAhead.start(path, 'en helt annan lösenfras');
    const store = await openSqliteStore(path);
    try {
      // A `DerivedKeys` that hands over whatever it holds, whoever asks.
      const careless = {
        take: (_: string, kdf: Parameters<DerivationAhead['take']>[1]) =>
          ahead!.take('en helt annan lösenfras', kdf),
      };
      const err = await loadIdentity(store.store, PASS, { derived: careless }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BryggaError);
      expect((err as BryggaError).code).toBe('ERR_WRONG_PASSPHRASE');
    } finally {
      await store.close();
    }
  });

  it('starts nothing for a missing store (and creates none), an empty passphrase or a store without keys', async () => {
    const missing = join(top, 'nowhere', 'store.sqlite');
    expect(await DerivationAhead.start(missing, PASS)).toBeUndefined();
    expect(existsSync(missing)).toBe(false);
    const dir = await deviceDirectory();
    expect(await DerivationAhead.start(join(dir, 'store.sqlite'), '')).toBeUndefined();
    const empty = join(top, 'empty.sqlite');
    await (await openSqliteStore(empty)).close();
    expect(await DerivationAhead.start(empty, PASS)).toBeUndefined();
  });
});
