/**
 * Relay benchmark. Printed beside a bare Hono hello-world measured in the
 * same run, each server in its own process on loopback, the load generated from this process:
 * - sustained durable submissions of 4 KiB envelopes per second, on SQLite and on PostgreSQL;
 * - submit-to-notification latency: time from sending a packet until the recipient's server-sent event
 *   arrives (p50, p99).
 * Targets: durable submissions at >= 30% of hello-world requests per second on SQLite; p99
 * submit-to-notification under 50 ms on loopback.
 *
 * Under each engine's row, "the same writes alone" stores the same submissions through the relay's own
 * storage path (RelayStore.submit as the packet route calls it, each with a fresh token id: prepared
 * writes, group commit, the SQLite writer thread) from as many concurrent callers, with no HTTP, token
 * verification or log: the most that engine's writer takes on this machine, a ceiling for the row above
 * it; the relay's share of it is printed beside it, with the writes' own CPU time per submission and the
 * CPU time a submission could cost the relay, on this machine's cores shared with the load generator, for
 * the relay to take 70% of that rate: beside hello-world's HTTP, the token's verification and the writes
 * alone, which every submission carries, what that budget leaves for everything else the relay does.
 *
 * Beside hello-world, "plain Hono + better-sqlite3" is what an application gets without group commit: a
 * Hono route that inserts each 4 KiB body in its own `synchronous=FULL` transaction
 * (plain-sqlite-server.ts). It and the SQLite relay, both running, take the load in turns
 * (ROUNDS rounds each, in the order plain, relay, relay, plain, ...), because this machine's speed drifts
 * by 10 to 20% within a minute: one run of each, a minute apart, compares the moments more than the
 * servers. Both first take WARM_UP_MS of untimed load. Each row prints its median round; "against
 * plain" is the median of the rounds' ratios, each relay round set beside the plain round next to it.
 * The same turns are then taken from MANY_CONNECTIONS connections: the most each server takes here. The
 * plain route commits one request at a time, so more connections only queue; the relay's requests wait
 * for a commit shared by all that arrived meanwhile, so from CONCURRENCY connections it is held up by
 * that wait rather than by the machine, and more connections fill its pipeline.
 *
 * Beside requests per second, each row prints the server's CPU time per request (all its threads, from
 * /proc: robust against a busy machine, unlike the rates) and that of its event loop alone (the main
 * thread: what one process cannot spread over cores; the SQLite writer thread, libuv's pool running
 * WebCrypto and V8's GC helpers make up the rest). BENCH_THREADS=1 also prints every thread's share and
 * the load generator's own CPU per request, which competes for the same cores.
 *
 * Under each relay row, the CPU time one device token's Ed25519 verification takes on this machine
 * (node:crypto, measured in the bench's own process): a share of every submission's cost that the
 * plain route, which authenticates nothing, does not carry.
 *
 * The load comes from http-load.ts, a lean HTTP/1.1 generator, because it shares the cores with the
 * server it measures.
 * The relay never decrypts, so the load re-labels one genuinely sealed envelope with fresh packet ids;
 * tokens are signed up front (with node:crypto, which yields the same deterministic Ed25519 signatures
 * as the SDK) so the load generator measures the relay, not its own signing.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Envelope, RelayClient, type SigningKeyPair, sealPacket } from '@brygga/client-sdk';
import { createInboxNotifier, Logger, openDatabase, RelayStore } from '@brygga/server';
import { makeDevice, makeWorld, type World } from '../support/fixtures.js';
import {
  freshPostgresSchema,
  type RelayProcess,
  spawnListening,
  spawnRelay,
} from '../support/relay-process.js';
import { type LoadResult, load, requestBytes } from './http-load.js';
import { median, percentile, row } from './measure.js';

const AUDIENCE = 'https://brygga.bench';
const ADMIN = 'bench-admin-token-0123456789abcdefghijklmnop';
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 6) * 1000;
const CONCURRENCY = 32;

const b64u = (b: Uint8Array | Buffer) => Buffer.from(b).toString('base64url');

/** Bearer tokens for `key`, identical in form to the SDK's createRelayToken. */
function tokens(key: SigningKeyPair, count: number): string[] {
  const secret = key.exportSecret();
  const pk = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: b64u(secret), x: key.publicKey.serialize() },
    format: 'jwk',
  });
  secret.fill(0);
  const header = b64u(Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid: key.kid })));
  const iat = Math.floor(Date.now() / 1000);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const claims = { iss: key.kid, aud: AUDIENCE, iat, exp: iat + 300, jti: b64u(randomBytes(16)) };
    const input = `${header}.${b64u(Buffer.from(JSON.stringify(claims)))}`;
    out.push(`${input}.${b64u(sign(null, Buffer.from(input), pk))}`);
  }
  return out;
}

/**
 * CPU time (ms) of verifying one device token's Ed25519 signature with node:crypto, the equation the
 * relay computes for every request (on libuv's pool), measured in this process: what each submission
 * costs before the relay does anything of its own.
 */
function tokenVerifyMs(key: SigningKeyPair): number {
  const [token] = tokens(key, 1);
  const [header, payload, signature] = token!.split('.') as [string, string, string];
  const input = Buffer.from(`${header}.${payload}`);
  const sig = Buffer.from(signature, 'base64url');
  const pub = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: key.publicKey.serialize() },
    format: 'jwk',
  });
  const runs = 2000;
  const before = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    if (!verify(null, input, pub, sig)) throw new Error('the bench token does not verify');
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / runs;
}

/** `count` distinct envelopes: one sealed 4 KiB packet, re-labelled with fresh packet ids. */
function relabel(template: Envelope, count: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const header = { ...template.header, id: b64u(randomBytes(16)) };
    const env = new Envelope(
      new TextEncoder().encode(JSON.stringify(header)),
      template.keyEntries,
      template.ciphertext,
    );
    out.push(Buffer.from(env.serialize()));
  }
  return out;
}

/** CPU time (user + system, ms) used so far by a process, or by one thread (`/proc/<pid>/task/<tid>`). */
function cpuMs(pid: number | undefined, tid?: number): number {
  try {
    const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time of a process, in total and of its main thread (the event loop; its thread id is the process
 * id). The rest is the relay's other threads: the SQLite writer thread, libuv's pool (WebCrypto), GC.
 * The event loop is what one relay process cannot spread over cores, so its share is printed apart.
 */
function cpuSplit(pid: number | undefined): { total: number; main: number; threads: Map<number, number> } {
  const threads = new Map<number, number>();
  if (process.env.BENCH_THREADS) {
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) threads.set(Number(tid), cpuMs(pid, Number(tid)));
    } catch {
      // Not Linux, or the process is gone.
    }
  }
  return { total: cpuMs(pid), main: cpuMs(pid, pid), threads };
}

/** With BENCH_THREADS set: CPU per request of each thread that used any (`used`: ms per thread), busiest first. */
function printThreads(used: Map<number, number>, n: number): void {
  const perRequest = [...used]
    .map(([tid, ms]) => [tid, ms / n] as const)
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1]);
  for (const [tid, ms] of perRequest) row(`    thread ${tid}`, `${ms.toFixed(3)} ms`);
}

/** Submissions prepared per second of load: more than the relay could take. */
const PREPARED_PER_SECOND = 10_000;

/**
 * A relay on `database`, with submissions prepared for `seconds` of load. Nothing fetches what the load
 * stores, so the sender's quota of bytes waiting (PROTOCOL.md §9) is raised above what it can send.
 */
async function setUpRelay(
  database: string,
  seconds: number,
): Promise<{ relay: RelayProcess; world: World; requests: Buffer[]; template: Envelope }> {
  const relay = await spawnRelay({
    BRYGGA_DATABASE: database,
    BRYGGA_PUBLIC_URL: AUDIENCE,
    BRYGGA_ADMIN_TOKEN: ADMIN,
    BRYGGA_RATE_PER_MINUTE: '1000000',
    BRYGGA_MAX_QUEUED_BYTES_PER_DEVICE: '2000000000',
    BRYGGA_MAX_QUEUED_BYTES_PER_UNIT: '2000000000',
    BRYGGA_LOG_LEVEL: 'error',
  });
  const world = makeWorld(new Date());
  const client = new RelayClient({ baseUrl: relay.url, audience: AUDIENCE });
  await client.installAgreement(ADMIN, world.agreement);
  for (const jws of world.statements) await client.submitStatement(jws);
  const sealed = await sealPacket({
    sender: { unit: 'stockholm-jarva', key: world.devices['stockholm-jarva'].key },
    recipients: world.directory.recipientsFor(['malmo'], world.now),
    type: 'message',
    body: { text: 'x'.repeat(4096) },
    now: world.now,
  });
  const count = Math.ceil(PREPARED_PER_SECOND * seconds);
  const envelopes = relabel(sealed.envelope, count);
  const submitTokens = tokens(world.devices['stockholm-jarva'].key, count);
  const requests = envelopes.map((envelope, i) =>
    requestBytes(
      'POST',
      '/v1/packets',
      { authorization: `Bearer ${submitTokens[i]}`, 'content-type': 'application/vnd.brygga.envelope' },
      envelope,
    ),
  );
  return { relay, world, requests, template: sealed.envelope };
}

/**
 * The same durable writes without HTTP, tokens or the log: `CONCURRENCY` callers storing submissions of
 * `template` (fresh ids and token ids) through the relay's own storage path for as long as the load
 * ran, on a fresh database at `location`. What the engine's single writer can take at most, and the CPU
 * time (all of this process's threads: the callers, the writer thread) that each submission cost.
 */
async function storageAlone(
  location: string,
  template: Envelope,
): Promise<{ perSecond: number; cpuMs: number }> {
  const database = await openDatabase(location);
  const logger = new Logger({ level: 'silent' });
  const notifier = createInboxNotifier(database, logger);
  await notifier.start();
  const store = new RelayStore(database, notifier, { noticeTtlMs: 86_400_000, logger });
  const envelope = template.serialize();
  const digest = createHash('sha256').update(envelope).digest('base64url');
  const { sender, recipients } = template.header;
  let stored = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + DURATION_MS;
  const caller = async () => {
    while (performance.now() < end) {
      const now = Date.now();
      const result = await store.submit({
        id: b64u(randomBytes(16)),
        digest,
        sender,
        recipients,
        envelope,
        receivedAt: now,
        expiresAt: now + 86_400_000,
        token: {
          device: sender.device,
          jti: b64u(randomBytes(16)),
          expiresAt: now + 331_000,
          issuedAt: Math.floor(now / 1000),
        },
      });
      if (result.status === 'created') stored++;
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, caller));
    const perSecond = stored / ((performance.now() - start) / 1000);
    const used = process.cpuUsage(cpu);
    return { perSecond, cpuMs: (used.user + used.system) / 1000 / stored };
  } finally {
    await notifier.close();
    await database.close();
  }
}

/** The plain Hono + better-sqlite3 route (plain-sqlite-server.ts), running: one FULL-sync transaction per body. */
async function startPlainSqlite(): Promise<PlainServer & { stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'brygga-bench-plain-'));
  const server = await spawnListening(join(import.meta.dirname, 'plain-sqlite-server.ts'), {
    BENCH_PLAIN_DATABASE: join(dir, 'plain.sqlite'),
  });
  return {
    port: server.port,
    pid: server.child.pid,
    request: requestBytes(
      'POST',
      '/bodies',
      { 'content-type': 'application/octet-stream' },
      randomBytes(4096),
    ),
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Rounds each of the plain route and the SQLite relay, taking the load in turns (module header). */
const ROUNDS = 4;

/**
 * Untimed load each server takes before the turns: a server's first seconds are slower (V8 compiles its
 * hot paths, SQLite's pages come into memory), and would count against whichever runs first.
 */
const WARM_UP_MS = 1500;

/** Connections of the second set of turns: enough to keep the relay's pipeline full (module header). */
const MANY_CONNECTIONS = 128;

/** What one server did over its rounds: summed counts, the median round's rate, CPU summed per thread. */
interface Measured extends LoadResult {
  rounds: number[];
  cpu: { total: number; main: number; threads: Map<number, number> };
  /** CPU time of the load generator (this process), ms. */
  loadCpuMs: number;
}

/** Run the load `next` on `port` from `concurrency` connections for `durationMs`, adding what it did to `into`. */
async function measureRound(
  into: Measured,
  pid: number | undefined,
  port: number,
  next: (i: number) => Buffer | undefined,
  expectStatus: number,
  durationMs: number,
  concurrency: number,
): Promise<LoadResult> {
  const before = cpuSplit(pid);
  const loadCpu = process.cpuUsage();
  const result = await load(port, next, expectStatus, durationMs, concurrency);
  const after = cpuSplit(pid);
  const used = process.cpuUsage(loadCpu);
  into.requests += result.requests;
  into.errors += result.errors;
  if (result.firstError) into.firstError ??= result.firstError;
  into.rounds.push(result.perSecond);
  into.perSecond = median(into.rounds);
  into.cpu.total += after.total - before.total;
  into.cpu.main += after.main - before.main;
  for (const [tid, ms] of after.threads) {
    into.cpu.threads.set(tid, (into.cpu.threads.get(tid) ?? 0) + ms - (before.threads.get(tid) ?? 0));
  }
  into.loadCpuMs += (used.user + used.system) / 1000;
  return result;
}

/** Prepared submissions and how many of them were used: each goes to the relay once. */
interface Prepared {
  requests: Buffer[];
  sent: number;
}

/** The plain route while it runs, and the one request it is sent again and again. */
interface PlainServer {
  port: number;
  pid: number | undefined;
  request: Buffer;
}

/** `durationMs` of the relay's prepared submissions from `concurrency` connections, added to `into`. */
async function relayRound(
  into: Measured,
  relay: RelayProcess,
  prepared: Prepared,
  durationMs: number,
  concurrency: number,
): Promise<void> {
  const from = prepared.sent;
  const result = await measureRound(
    into,
    relay.child.pid,
    relay.port,
    (i) => prepared.requests[from + i],
    201,
    durationMs,
    concurrency,
  );
  // Every connection may have had one more request out when the time was up.
  prepared.sent += result.requests + result.errors + concurrency;
}

/** Both servers under untimed load for WARM_UP_MS (module header). */
async function warmUp(relay: RelayProcess, prepared: Prepared, plain: PlainServer): Promise<void> {
  await measureRound(measured(), plain.pid, plain.port, () => plain.request, 201, WARM_UP_MS, CONCURRENCY);
  await relayRound(measured(), relay, prepared, WARM_UP_MS, CONCURRENCY);
}

/** A table row of `m`: its median round, its share of hello-world (if given), errors and CPU per request. */
function measuredRow(label: string, m: Measured, share: string): void {
  row(
    label,
    m.perSecond.toFixed(0),
    share,
    String(m.errors),
    `${(m.cpu.total / m.requests).toFixed(3)} ms`,
    `${(m.cpu.main / m.requests).toFixed(3)} ms`,
  );
  if (m.rounds.length > 1) {
    row(
      `    rounds (${m.rounds.length} of ${DURATION_MS / 2000} s)`,
      m.rounds.map((r) => r.toFixed(0)).join(' '),
    );
  }
  if (m.firstError) row(`    first error: ${m.firstError}`);
}

function measured(): Measured {
  return {
    requests: 0,
    perSecond: 0,
    errors: 0,
    rounds: [],
    cpu: { total: 0, main: 0, threads: new Map() },
    loadCpuMs: 0,
  };
}

/**
 * The relay's durable submissions from `concurrency` connections: one run of DURATION_MS, or, with
 * `plain`, ROUNDS rounds of half that in turns with the plain route (module header); then what each did.
 */
async function submissions(
  relay: RelayProcess,
  prepared: Prepared,
  concurrency: number,
  plain?: PlainServer,
): Promise<{ relay: Measured; plain?: Measured; ratios: number[] }> {
  const ofRelay = measured();
  let ofPlain: Measured | undefined;
  const ratios: number[] = [];
  if (plain) {
    const turns = measured();
    ofPlain = turns;
    const plainTurn = () =>
      measureRound(turns, plain.pid, plain.port, () => plain.request, 201, DURATION_MS / 2, concurrency);
    const relayTurn = () => relayRound(ofRelay, relay, prepared, DURATION_MS / 2, concurrency);
    for (let r = 0; r < ROUNDS; r++) {
      const [first, second] = r % 2 === 0 ? [plainTurn, relayTurn] : [relayTurn, plainTurn];
      await first();
      await second();
      ratios.push(ofRelay.rounds.at(-1)! / turns.rounds.at(-1)!);
    }
  } else {
    await relayRound(ofRelay, relay, prepared, DURATION_MS, concurrency);
  }
  if (prepared.sent >= prepared.requests.length) {
    row('    (every prepared submission was sent before the time was up: the rate is a floor)');
  }
  return { relay: ofRelay, ...(ofPlain ? { plain: ofPlain } : {}), ratios };
}

/** Submit one packet at a time and time until the recipient's event stream names it. */
async function notificationLatency(relay: RelayProcess, world: World, samples: number): Promise<number[]> {
  const recipient = makeDevice('malmo', world.roots.malmo, world.now, 'Bench listener');
  const setup = new RelayClient({ baseUrl: relay.url, audience: AUDIENCE });
  for (const jws of [recipient.enrolment, ...recipient.publications]) await setup.submitStatement(jws);
  world.directory.applyAll([recipient.enrolment, ...recipient.publications]);
  const sealed = await sealPacket({
    sender: { unit: 'stockholm-jarva', key: world.devices['stockholm-jarva'].key },
    recipients: [{ unit: 'malmo', device: recipient.key.kid, hpkeKey: recipient.hpke[0]!.publicKey }],
    type: 'message',
    body: { text: 'x'.repeat(4096) },
    now: world.now,
  });
  const envelopes = relabel(sealed.envelope, samples);
  const submitTokens = tokens(world.devices['stockholm-jarva'].key, samples);
  const [listenToken] = tokens(recipient.key, 1);
  const waiting = new Map<string, (t: number) => void>();
  const agent = new http.Agent({ keepAlive: true });
  const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http
      .get(
        {
          host: '127.0.0.1',
          port: relay.port,
          path: '/v1/inbox/events',
          headers: { authorization: `Bearer ${listenToken}` },
        },
        resolve,
      )
      .on('error', reject);
  });
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    const t = performance.now();
    buffered += chunk.toString('utf8');
    for (const m of buffered.matchAll(/data: (\{[^\n]*\})/g)) {
      const id = (JSON.parse(m[1]!) as { id?: string }).id;
      if (id) waiting.get(id)?.(t);
    }
    buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
  });
  await new Promise((r) => setTimeout(r, 200));
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const id = JSON.parse(
      new TextDecoder().decode(envelopes[i]!.subarray(9, 9 + envelopes[i]!.readUInt32BE(5))),
    ).id as string;
    const arrived = new Promise<number>((resolve) => waiting.set(id, resolve));
    const start = performance.now();
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: relay.port,
          method: 'POST',
          path: '/v1/packets',
          agent,
          headers: {
            authorization: `Bearer ${submitTokens[i]}`,
            'content-type': 'application/vnd.brygga.envelope',
            'content-length': String(envelopes[i]!.length),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 201 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(envelopes[i]);
    });
    const t = await Promise.race([
      arrived,
      new Promise<number>((r) => setTimeout(() => r(Number.NaN), 2000)),
    ]);
    latencies.push(t - start);
    waiting.delete(id);
  }
  stream.destroy();
  agent.destroy();
  return latencies;
}

export async function runRelayBench(): Promise<void> {
  console.log(
    `\nRelay (server/): ${CONCURRENCY} concurrent requests for ${DURATION_MS / 1000} s each, loopback`,
  );
  const hello = await spawnListening(join(import.meta.dirname, 'hello-server.ts'), {});
  const helloCpu = cpuSplit(hello.child.pid);
  const helloLoadCpu = process.cpuUsage();
  const helloRequest = requestBytes('GET', '/');
  const helloResult = await load(hello.port, () => helloRequest, 200, DURATION_MS, CONCURRENCY);
  const helloCpuAfter = cpuSplit(hello.child.pid);
  const helloLoadCpuUsed = process.cpuUsage(helloLoadCpu);
  const helloCpuPerRequest = (helloCpuAfter.total - helloCpu.total) / helloResult.requests;
  const helloMainPerRequest = (helloCpuAfter.main - helloCpu.main) / helloResult.requests;
  await hello.stop();
  row('server', 'requests/s', 'share', 'errors', 'server CPU/req', 'event loop/req');
  row(
    'bare Hono hello-world (GET /)',
    helloResult.perSecond.toFixed(0),
    '100%',
    String(helloResult.errors),
    `${helloCpuPerRequest.toFixed(3)} ms`,
    `${helloMainPerRequest.toFixed(3)} ms`,
  );
  if (process.env.BENCH_THREADS) {
    const ms = (helloLoadCpuUsed.user + helloLoadCpuUsed.system) / 1000 / helloResult.requests;
    row('    load generator (this process)', `${ms.toFixed(3)} ms`);
  }

  const plain = await startPlainSqlite();

  const engines: {
    name: string;
    /** Measured in turns with the plain route (module header). */
    inTurns: boolean;
    /**
     * Whether all of the engine's work runs in the relay's process (SQLite), so that the CPU time per
     * submission of the writes alone and the budget for 70% of them are measured whole. A PostgreSQL
     * server's own CPU time is in other processes and is not.
     */
    inProcess: boolean;
    database: () => Promise<{ location: string; drop(): Promise<void> }>;
  }[] = [
    {
      name: 'SQLite (WAL, synchronous=FULL)',
      inTurns: true,
      inProcess: true,
      database: async () => {
        const dir = mkdtempSync(join(tmpdir(), 'brygga-bench-'));
        return {
          location: join(dir, 'relay.sqlite'),
          drop: async () => rmSync(dir, { recursive: true, force: true }),
        };
      },
    },
  ];
  const pgUrl = process.env.DATABASE_URL;
  if (pgUrl) {
    engines.push({
      name: 'PostgreSQL',
      inTurns: false,
      inProcess: false,
      database: async () => {
        const s = await freshPostgresSchema(pgUrl);
        return { location: s.url, drop: s.drop };
      },
    });
  }
  const latencyRows: [string, number[]][] = [];
  let plainRate = Number.NaN;
  for (const engine of engines) {
    const db = await engine.database();
    // In turns: a warm-up, ROUNDS / 2 runs' worth at CONCURRENCY and as much again at MANY_CONNECTIONS.
    const seconds = ((engine.inTurns ? ROUNDS : 1) * DURATION_MS + (engine.inTurns ? WARM_UP_MS : 0)) / 1000;
    const { relay, world, requests, template } = await setUpRelay(db.location, seconds);
    const prepared: Prepared = { requests, sent: 0 };
    const plainArgs = engine.inTurns ? plain : undefined;
    if (plainArgs) await warmUp(relay, prepared, plainArgs);
    const measuredRows = await submissions(relay, prepared, CONCURRENCY, plainArgs);
    const capacity = plainArgs && (await submissions(relay, prepared, MANY_CONNECTIONS, plainArgs));
    if (plainArgs) await plain.stop();
    if (measuredRows.plain) {
      const p = measuredRows.plain;
      plainRate = p.perSecond;
      measuredRow(
        'plain Hono + better-sqlite3 (4 KiB, FULL, 1 tx/req)',
        p,
        `${((p.perSecond / helloResult.perSecond) * 100).toFixed(0)}%`,
      );
    }
    const result = measuredRows.relay;
    measuredRow(
      `durable 4 KiB submissions, ${engine.name}`,
      result,
      `${((result.perSecond / helloResult.perSecond) * 100).toFixed(0)}%`,
    );
    row(
      "    of which a token's Ed25519 verification (node:crypto)",
      '',
      '',
      '',
      `${tokenVerifyMs(world.devices['stockholm-jarva'].key).toFixed(3)} ms`,
    );
    if (process.env.BENCH_THREADS) {
      printThreads(result.cpu.threads, result.requests);
      row('    load generator (this process)', `${(result.loadCpuMs / result.requests).toFixed(3)} ms`);
    }
    latencyRows.push([engine.name, await notificationLatency(relay, world, 300)]);
    await relay.stop();
    await db.drop();
    const alone = await engine.database();
    try {
      const writes = await storageAlone(alone.location, template);
      const rate = writes.perSecond;
      row(
        '    the same writes alone (no HTTP, token, log)',
        rate.toFixed(0),
        `${((rate / helloResult.perSecond) * 100).toFixed(0)}%`,
        '',
        engine.inProcess ? `${writes.cpuMs.toFixed(3)} ms` : '',
      );
      row(
        '    the relay, as a share of its writes alone',
        `${((result.perSecond / rate) * 100).toFixed(0)}%`,
      );
      if (engine.inProcess) {
        // What 70% of the writes alone would leave each submission: the cores' time at that rate,
        // less the load generator's share of the same cores. Hello-world's HTTP, the token's
        // verification and the writes alone (the columns above) already take most of it.
        const loadMs = result.loadCpuMs / result.requests;
        const budget = (availableParallelism() * 1000) / (0.7 * rate) - loadMs;
        row(
          `    CPU a submission may cost for 70% of them on ${availableParallelism()} cores (less the load's ${loadMs.toFixed(3)} ms)`,
          '',
          '',
          '',
          `${budget.toFixed(3)} ms`,
        );
      }
      if (measuredRows.ratios.length > 0) {
        row(
          '    the relay, against plain Hono + better-sqlite3 (median of the rounds)',
          `${median(measuredRows.ratios).toFixed(2)}x`,
          measuredRows.ratios.map((r) => r.toFixed(2)).join(' '),
        );
      } else if (!Number.isNaN(plainRate)) {
        row(
          '    the relay, against plain Hono + better-sqlite3 (measured in turns with SQLite)',
          `${(result.perSecond / plainRate).toFixed(2)}x`,
        );
      }
      if (capacity?.plain) {
        row(`  from ${MANY_CONNECTIONS} connections, in turns (the most each takes on this machine)`);
        measuredRow('    plain Hono + better-sqlite3', capacity.plain, '');
        measuredRow(`    durable 4 KiB submissions, ${engine.name}`, capacity.relay, '');
        row(
          '    the relay, against plain (median of the rounds)',
          `${median(capacity.ratios).toFixed(2)}x`,
          capacity.ratios.map((r) => r.toFixed(2)).join(' '),
        );
      }
    } finally {
      await alone.drop();
    }
  }
  if (!pgUrl) row('PostgreSQL', 'not measured: set DATABASE_URL');
  row('submit-to-notification (server-sent event)', 'p50 ms', 'p99 ms', 'lost');
  for (const [name, latencies] of latencyRows) {
    const ok = latencies.filter((l) => !Number.isNaN(l));
    row(
      `  ${name}`,
      percentile(ok, 50).toFixed(2),
      percentile(ok, 99).toFixed(2),
      String(latencies.length - ok.length),
    );
  }
}
