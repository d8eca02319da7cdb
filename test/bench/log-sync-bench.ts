/**
 * A new device's first sync against a large transparency log (PROTOCOL.md §19.5): the device replays
 * every entry, appends each leaf to its frontier and checks the root against the signed checkpoint.
 *
 * One relay database (a SQLite file) holds the three-city world, installed through a real relay
 * process (agreement, enrolments, HPKE keys), and then grows to 10^4, 10^5 and 10^6 leaves through the
 * real integrator path (unlogged submission rows taken in by rounds of BENCH_LOG_ROUND rows, each with
 * its signed checkpoint, as in log-bench.ts). At each size a fresh relay process serves the database on
 * 127.0.0.1 and a brand-new device of Stockholm (an empty store, nothing pinned) runs `sync()`, the
 * SDK's real code path. Printed: the sync's time, the CPU time the device's process and the relay's
 * used for it (what a busy machine does not inflate), the bytes it received and sent, its requests,
 * and the peak memory growth (RSS) of the device's process and of the relay's.
 *
 * Under each size, an auditor's `brygga log verify` (the CLI, a child process with a device directory
 * of its own) checks the same log from scratch against the same relay: its time and what it answered.
 *
 * BENCH_LOG_SYNC_MAX caps the largest size (default 10^6; growing it takes a minute or two).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BryggaClient, RelayClient, type SigningKeyPair } from '@brygga/client-sdk';
import { openSqliteStore } from '@brygga/client-sdk/node';
import { openDatabase, storedLogOrigin, TransparencyLogKey, TransparencyLogStore } from '@brygga/server';
import BetterSqlite3 from 'better-sqlite3';
import { writeCliDevice } from '../support/cli-device.js';
import { makeWorld, type World } from '../support/fixtures.js';
import { type RelayProcess, spawnRelay } from '../support/relay-process.js';
import { row } from './measure.js';

const AUDIENCE = 'https://brygga.bench';
const ADMIN = 'bench-admin-token-0123456789abcdefghijklmnop';
const SIZES = [1e4, 1e5, 1e6];
const MAX = Number(process.env.BENCH_LOG_SYNC_MAX ?? 1e6);
const ROUND = Number(process.env.BENCH_LOG_ROUND ?? 10_000);
const CLI = join(import.meta.dirname, '..', '..', 'client-sdk', 'bin', 'brygga.js');
const PASSPHRASE = 'bench auditor passphrase';

/** The digest of the i-th synthetic envelope, as a submission receipt names it. */
function digest(i: number): string {
  return createHash('sha256').update(`envelope ${i}`).digest('base64url');
}

/** Resident set size and its peak (bytes) of a process, from /proc (Linux); NaN elsewhere. */
function memory(pid: number | 'self'): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
    return { rss: kib('VmRSS'), peak: kib('VmHWM') };
  } catch {
    return { rss: Number.NaN, peak: Number.NaN };
  }
}

/** CPU time (user + system, seconds) a process has used, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Start measuring a process's peak RSS from now (Linux: clear_refs 5 resets VmHWM to the current RSS). */
function resetPeak(pid: number | 'self'): number {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not Linux: the peak then counts from the process's start.
  }
  return memory(pid).rss;
}

/** A fetch that counts requests and the bytes of request and response bodies. */
function countingFetch() {
  const counts = { requests: 0, received: 0, sent: 0 };
  const counted = async (input: string, init: RequestInit): Promise<Response> => {
    counts.requests++;
    const body = init.body;
    if (typeof body === 'string') counts.sent += Buffer.byteLength(body);
    else if (body instanceof Uint8Array) counts.sent += body.byteLength;
    const res = await fetch(input, init);
    if (!res.body) return res;
    const meter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        counts.received += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return new Response(res.body.pipeThrough(meter), {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  };
  return { counts, fetch: counted };
}

function startRelay(location: string): Promise<RelayProcess> {
  return spawnRelay({
    BRYGGA_DATABASE: location,
    BRYGGA_PUBLIC_URL: AUDIENCE,
    BRYGGA_ADMIN_TOKEN: ADMIN,
    BRYGGA_RATE_PER_MINUTE: '1000000',
    BRYGGA_LOG_LEVEL: 'error',
  });
}

/** Install the world through a relay process and wait until its log holds all of it. */
async function installWorld(location: string, world: World): Promise<void> {
  const relay = await startRelay(location);
  try {
    const admin = new RelayClient({ baseUrl: relay.url, audience: AUDIENCE });
    await admin.installAgreement(ADMIN, world.agreement);
    for (const jws of world.statements) await admin.submitStatement(jws);
    const device = new RelayClient({
      baseUrl: relay.url,
      audience: AUDIENCE,
      key: world.devices.malmo.key,
    });
    const logged = 1 + world.statements.length;
    for (;;) {
      const note = await device.checkpoint();
      if (Number(note.split('\n')[1]) >= logged) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await relay.stop();
  }
}

/** Grow the log at `location` to `target` leaves through the integrator, with the relay stopped. */
async function grow(location: string, from: number, target: number): Promise<{ seconds: number }> {
  const raw = new BetterSqlite3(location);
  raw.pragma('journal_mode = WAL');
  const insert = raw.prepare(
    'insert into submissions (id, digest, received_at, expires_at) values (?, ?, ?, ?)',
  );
  const now = Date.now();
  raw.transaction(() => {
    for (let i = from; i < target; i++) insert.run(`p${i}`, digest(i), now + i, now + i + 1e12);
  })();
  raw.close();
  const database = await openDatabase(location);
  try {
    const origin = await storedLogOrigin(database);
    if (!origin) throw new Error('the relay stored no log origin');
    const key = await TransparencyLogKey.load(database, { origin, now: Date.now() });
    const log = new TransparencyLogStore(database, { key, now: Date.now });
    const started = performance.now();
    for (;;) {
      const r = await log.integrate(ROUND);
      if (r.appended < ROUND) break;
    }
    return { seconds: (performance.now() - started) / 1000 };
  } finally {
    await database.close();
  }
}

/**
 * The bench reuses one device identity against relay processes started seconds apart, so its next token
 * can be at or below the ceiling the previous process raised for it: the relay answers
 * ERR_TOKEN_UNCERTAIN with Retry-After until the device's clock passes it (PROTOCOL.md §8). A really new
 * device has no ceiling; one authenticated request, before the clock starts, takes that wait out.
 */
async function pastTokenCeiling(relay: RelayProcess, key: SigningKeyPair): Promise<void> {
  await new RelayClient({ baseUrl: relay.url, audience: AUDIENCE, key }).checkpoint();
}

/** A brand-new Stockholm device's first sync against the relay process on `location`. */
async function firstSync(location: string, world: World): Promise<string[]> {
  const relay = await startRelay(location);
  const store = await openSqliteStore(':memory:');
  try {
    const device = world.devices['stockholm-jarva'];
    const meter = countingFetch();
    const client = await BryggaClient.open({
      identity: { unit: device.unit, key: device.key, hpkeKeys: device.hpke },
      agreement: world.agreement,
      store: store.store,
      relayUrl: relay.url,
      relayAudience: AUDIENCE,
      fetch: meter.fetch,
    });
    await pastTokenCeiling(relay, device.key);
    globalThis.gc?.();
    const base = resetPeak('self');
    const relayBase = resetPeak(relay.child.pid!);
    const relayCpu = cpuSeconds(relay.child.pid!);
    const cpu = process.cpuUsage();
    const started = performance.now();
    await client.sync();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const deviceCpu = (used.user + used.system) / 1e6;
    const relayUsed = cpuSeconds(relay.child.pid!) - relayCpu;
    const status = await client.logStatus();
    if (status.monitored !== status.latest?.size) throw new Error('the device did not replay the whole log');
    const mib = (n: number) => (n / 2 ** 20).toFixed(1);
    return [
      seconds.toFixed(2),
      deviceCpu.toFixed(2),
      relayUsed.toFixed(2),
      mib(meter.counts.received),
      (meter.counts.sent / 1024).toFixed(0),
      String(meter.counts.requests),
      mib(memory('self').peak - base),
      mib(memory(relay.child.pid!).peak - relayBase),
    ];
  } finally {
    await store.close();
    await relay.stop();
  }
}

/** `brygga log verify` from a fresh copy of the device directory `device`, against the relay on `location`. */
async function cliVerify(location: string, device: string, world: World): Promise<string[]> {
  const relay = await startRelay(location);
  const fresh = `${device}-${Date.now()}`;
  try {
    mkdirSync(fresh);
    for (const f of ['store.sqlite', 'device.json', 'agreement.json'])
      writeFileSync(join(fresh, f), readFileSync(join(device, f)));
    await pastTokenCeiling(relay, world.devices['stockholm-jarva'].key);
    const started = performance.now();
    const run = spawnSync(
      process.execPath,
      [CLI, 'log', 'verify', '--json', '--device', fresh, '--relay', relay.url],
      { env: { PATH: process.env.PATH ?? '', BRYGGA_PASSPHRASE: PASSPHRASE }, encoding: 'utf8' },
    );
    const seconds = (performance.now() - started) / 1000;
    const answer = JSON.parse(run.stdout || '{}') as { valid?: boolean; size?: number };
    const outcome = answer.valid ? `valid, ${answer.size} entries` : `refused: ${run.stderr.split('\n')[0]}`;
    return [seconds.toFixed(2), outcome];
  } finally {
    rmSync(fresh, { recursive: true, force: true });
    await relay.stop();
  }
}

export async function runLogSyncBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'brygga-log-sync-bench-'));
  try {
    const location = join(dir, 'relay.sqlite');
    const world = makeWorld(new Date());
    await installWorld(location, world);
    const auditor = await writeCliDevice(join(dir, 'auditor'), {
      device: world.devices['stockholm-jarva'],
      agreement: world.agreement,
      passphrase: PASSPHRASE,
      audience: AUDIENCE,
    });
    console.log(
      `\nA new device's first sync (SQLite relay process on 127.0.0.1; log grown in rounds of ${ROUND})`,
    );
    row(
      'leaves',
      'sync s',
      'device CPU s',
      'relay CPU s',
      'received MiB',
      'sent KiB',
      'requests',
      'device +MiB',
      'relay +MiB',
    );
    let envelopes = 0;
    for (const target of SIZES) {
      if (target > MAX) break;
      const { seconds } = await grow(location, envelopes, target);
      envelopes = target;
      const size = envelopes + 1 + world.statements.length;
      row(
        `${size.toLocaleString('en')} (grown in ${seconds.toFixed(0)} s)`,
        ...(await firstSync(location, world)),
      );
      const [verifySeconds, outcome] = await cliVerify(location, auditor, world);
      row('    brygga log verify, the whole log from scratch', `${verifySeconds} s`, outcome!);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
