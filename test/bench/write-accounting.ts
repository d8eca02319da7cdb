/**
 * What one submission writes (README "What one submission writes"): `npm run bench -- accounting`.
 * Stores BENCH_ACCOUNTING_N submissions of a 4 KiB envelope to two recipient devices through the
 * relay's own storage path (RelayStore, as the packet route calls it, each with a fresh token id), from
 * as many concurrent callers as the relay benchmark's load, then lets the transparency log take them
 * in; after each step it prints, per submission and per table, the rows, the index entries and the bytes
 * the database grew by. SQLite (a file) always, PostgreSQL when DATABASE_URL is set; on PostgreSQL also
 * the write-ahead log written per submission.
 *
 * SQLite's figures come from its `dbstat` table (entries: the cells of an index's b-tree; bytes: the
 * pages of a table or index); PostgreSQL's from `pg_table_size` / `pg_indexes_size` and counts.
 *
 * On SQLite it also prints what reaches the disk: a commit appends every page it changed to the
 * write-ahead log as a whole frame, so a row that changes a few bytes of a page still writes the page.
 * A read transaction held open from the start keeps SQLite from reusing the log file meanwhile, so every
 * frame appended stays in it; each frame names its page, and `dbstat` names the table or index that owns
 * the page. The checkpoint later copies each changed page once more into the database file: a last
 * SQLite step, with no read held, counts every byte this process then writes to files (write-ahead log
 * and checkpoints, the writer thread's included: `wchar` of /proc/self/io) over
 * BENCH_ACCOUNTING_SUSTAINED submissions, enough to cross several of the relay's checkpoints
 * (sqlite-connection.ts, walBudgetPages).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createInboxNotifier,
  type Database,
  Logger,
  openDatabase,
  RelayStore,
  TransparencyLogKey,
  TransparencyLogStore,
} from '@brygga/server';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { freshPostgresSchema } from '../support/relay-process.js';
import { row } from './measure.js';

const N = Number(process.env.BENCH_ACCOUNTING_N ?? 2000);
/**
 * Submissions the relay already holds when the count starts. A key that arrives in random order (a
 * packet id) lands on a random page of its index, so how many pages a transaction changes depends on
 * how many pages the index spans: measured on an empty database, it would look cheaper than on a relay
 * holding a day's packets.
 */
const HELD = Number(process.env.BENCH_ACCOUNTING_HELD ?? 20_000);
/** Concurrent callers, as in the relay benchmark: the writer's transactions hold about as many writes. */
const CONCURRENCY = 32;
/** Submissions of the sustained SQLite step: about five checkpoints at the relay's budget. */
const SUSTAINED = Number(process.env.BENCH_ACCOUNTING_SUSTAINED ?? 10_000);
const TABLES = [
  'packets',
  'submissions',
  'inbox',
  'tokens',
  'token_ceilings',
  'queued_bytes',
  'log_leaves',
  'log_nodes',
];

/** Per table: rows, index entries (every index, partial ones by what they hold) and bytes. */
interface Footprint {
  rows: number;
  indexes: number;
  entries: number;
  bytes: number;
}

async function sqliteFootprint(database: Database): Promise<Map<string, Footprint>> {
  const out = new Map<string, Footprint>();
  const objects = await sql<{ name: string; tbl_name: string; type: string }>`
    select name, tbl_name, type from sqlite_master where type in ('table', 'index')`.execute(database.db);
  const stat = await sql<{ name: string; cells: number; bytes: number; leaves: number }>`
    select name, sum(ncell) as cells, sum(pgsize) as bytes,
      sum(case when pagetype = 'leaf' then ncell else 0 end) as leaves
    from dbstat group by name`.execute(database.db);
  const byName = new Map(stat.rows.map((r) => [r.name, r]));
  for (const table of TABLES) {
    const own = byName.get(table);
    const f = { rows: Number(own?.leaves ?? 0), indexes: 0, entries: 0, bytes: Number(own?.bytes ?? 0) };
    for (const o of objects.rows) {
      if (o.type !== 'index' || o.tbl_name !== table) continue;
      const s = byName.get(o.name);
      f.indexes++;
      f.entries += Number(s?.cells ?? 0);
      f.bytes += Number(s?.bytes ?? 0);
    }
    out.set(table, f);
  }
  return out;
}

async function postgresFootprint(database: Database): Promise<Map<string, Footprint>> {
  const out = new Map<string, Footprint>();
  for (const table of TABLES) {
    const exists = await sql<{ t: string | null }>`select to_regclass(${table})::text as t`.execute(
      database.db,
    );
    if (!exists.rows[0]?.t) {
      out.set(table, { rows: 0, indexes: 0, entries: 0, bytes: 0 });
      continue;
    }
    const count = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(
      database.db,
    );
    const sizes = await sql<{ t: string; i: string }>`
      select pg_table_size(${table}::regclass) as t, pg_indexes_size(${table}::regclass) as i`.execute(
      database.db,
    );
    const indexes = await sql<{ indexdef: string }>`
      select indexdef from pg_indexes where tablename = ${table} and schemaname = current_schema()`.execute(
      database.db,
    );
    let entries = 0;
    for (const { indexdef } of indexes.rows) {
      const where = indexdef.split(' WHERE ')[1];
      if (!where) {
        entries += Number(count.rows[0]!.n);
        continue;
      }
      const partial = await sql<{
        n: string;
      }>`select count(*) as n from ${sql.table(table)} where ${sql.raw(where)}`.execute(database.db);
      entries += Number(partial.rows[0]!.n);
    }
    out.set(table, {
      rows: Number(count.rows[0]!.n),
      indexes: indexes.rows.length,
      entries,
      bytes: Number(sizes.rows[0]!.t) + Number(sizes.rows[0]!.i),
    });
  }
  return out;
}

async function walBytes(database: Database): Promise<bigint | undefined> {
  if (database.engine !== 'postgres') return undefined;
  const r = await sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(database.db);
  const [hi, lo] = r.rows[0]!.lsn.split('/').map((h) => BigInt(`0x${h}`));
  return (hi! << 32n) + lo!;
}

/** The frames of a SQLite write-ahead log file: each one's page and whether it ends a transaction. */
function walFrames(location: string): { page: number; commit: boolean }[] {
  let file: Buffer;
  try {
    file = readFileSync(`${location}-wal`);
  } catch {
    return [];
  }
  if (file.length < 32) return [];
  const pageSize = file.readUInt32BE(8);
  const salt = file.subarray(16, 24);
  const frames: { page: number; commit: boolean }[] = [];
  // Frames of an earlier use of the file carry other salts: the log ends at the first of them.
  for (let at = 32; at + 24 + pageSize <= file.length; at += 24 + pageSize) {
    if (!file.subarray(at + 8, at + 16).equals(salt)) break;
    frames.push({ page: file.readUInt32BE(at), commit: file.readUInt32BE(at + 4) !== 0 });
  }
  return frames;
}

/** Frames per submission by the table or index owning their page, and transactions, for `frames`. */
function printFrames(location: string, frames: { page: number; commit: boolean }[]): void {
  const reader = new BetterSqlite3(location, { readonly: true });
  const owner = new Map<number, string>();
  const pageSize = reader.pragma('page_size', { simple: true }) as number;
  for (const r of reader.prepare('select name, pageno from dbstat').all() as {
    name: string;
    pageno: number;
  }[])
    owner.set(r.pageno, r.name);
  reader.close();
  const counts = new Map<string, number>();
  for (const f of frames) {
    const name = owner.get(f.page) ?? '(free pages)';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const transactions = frames.filter((f) => f.commit).length;
  row(
    `    write-ahead log: ${transactions} transactions, pages of ${pageSize} bytes`,
    'pages',
    '',
    '',
    'bytes',
  );
  for (const [name, count] of [...counts].sort((a, b) => b[1] - a[1])) {
    if (count / N < 0.01) continue;
    row(`      ${name}`, (count / N).toFixed(2), '', '', ((count * (pageSize + 24)) / N).toFixed(0));
  }
  row(
    '      total per submission',
    (frames.length / N).toFixed(2),
    '',
    '',
    ((frames.length * (pageSize + 24)) / N).toFixed(0),
  );
}

function printStep(
  label: string,
  before: Map<string, Footprint>,
  after: Map<string, Footprint>,
  wal: bigint | undefined,
): void {
  row(label, 'rows', 'indexes', 'index entries', 'bytes');
  const total = { rows: 0, entries: 0, bytes: 0 };
  for (const table of TABLES) {
    const a = after.get(table)!;
    const b = before.get(table)!;
    const d = {
      rows: (a.rows - b.rows) / N,
      entries: (a.entries - b.entries) / N,
      bytes: (a.bytes - b.bytes) / N,
    };
    if (d.rows === 0 && d.entries === 0 && d.bytes === 0) continue;
    total.rows += d.rows;
    total.entries += d.entries;
    total.bytes += d.bytes;
    row(`    ${table}`, d.rows.toFixed(2), String(a.indexes), d.entries.toFixed(2), d.bytes.toFixed(0));
  }
  row(
    '    total per submission',
    total.rows.toFixed(2),
    '',
    total.entries.toFixed(2),
    total.bytes.toFixed(0),
  );
  if (wal !== undefined) row('    write-ahead log per submission', '', '', '', (Number(wal) / N).toFixed(0));
}

async function account(name: string, location: string): Promise<void> {
  const database = await openDatabase(location);
  const logger = new Logger({ level: 'silent' });
  const notifier = createInboxNotifier(database, logger);
  await notifier.start();
  const store = new RelayStore(database, notifier, { noticeTtlMs: 86_400_000, logger });
  const footprint = database.engine === 'sqlite' ? sqliteFootprint : postgresFootprint;
  try {
    const sender = { unit: 'stockholm-jarva', device: 'S'.repeat(43) };
    const recipients = [
      { unit: 'malmo', device: 'M'.repeat(43) },
      { unit: 'malmo', device: 'N'.repeat(43) },
    ];
    const envelope = randomBytes(4096);
    const iat = Math.floor(Date.now() / 1000);
    const submitOne = (i: number) => {
      const now = Date.now();
      const bytes = Buffer.concat([envelope, Buffer.from(String(i))]);
      return store.submit({
        id: randomBytes(16).toString('base64url'),
        digest: createHash('sha256').update(bytes).digest('base64url'),
        sender,
        recipients,
        envelope: bytes,
        receivedAt: now,
        expiresAt: now + 86_400_000,
        token: {
          device: sender.device,
          jti: randomBytes(16).toString('base64url'),
          expiresAt: now + 331_000,
          issuedAt: iat,
        },
      });
    };
    // Submissions numbered `from` up: every envelope differs, so each is a new leaf of the log.
    const submitMany = async (from: number, count: number, callers: number) => {
      let next = from;
      await Promise.all(
        Array.from({ length: callers }, async () => {
          while (next < from + count) await submitOne(next++);
        }),
      );
    };
    const log = new TransparencyLogStore(database, {
      key: TransparencyLogKey.fromSeed('brygga.bench/brygga-log', new Uint8Array(32)),
      now: Date.now,
    });
    await submitMany(0, HELD, 512);
    while ((await log.integrate()).appended > 0) {}
    const start = await footprint(database);
    const wal0 = await walBytes(database);
    // SQLite: a read transaction from here on keeps every frame appended in the log file (see above).
    const holder = database.engine === 'sqlite' ? new BetterSqlite3(location, { readonly: true }) : undefined;
    holder?.prepare('begin').run();
    holder?.prepare('select count(*) from sqlite_schema').get();
    const frames0 = walFrames(location).length;
    await submitMany(HELD, N, CONCURRENCY);
    const submissionFrames = holder ? walFrames(location).slice(frames0) : [];
    const frames1 = frames0 + submissionFrames.length;
    const submitted = await footprint(database);
    const wal1 = await walBytes(database);
    console.log(
      `\n${name}: ${N} submissions of 4 KiB to 2 recipient devices, ${CONCURRENCY} at a time, ` +
        `to a relay holding ${HELD}`,
    );
    printStep('  the submission', start, submitted, wal1 !== undefined ? wal1 - wal0! : undefined);
    while ((await log.integrate()).appended > 0) {}
    const roundFrames = holder ? walFrames(location).slice(frames1) : [];
    const logged = await footprint(database);
    const wal2 = await walBytes(database);
    if (holder) printFrames(location, submissionFrames);
    printStep(
      '  then the transparency log takes it in',
      submitted,
      logged,
      wal2 !== undefined ? wal2 - wal1! : undefined,
    );
    if (holder) {
      holder.prepare('commit').run();
      holder.close();
      printFrames(location, roundFrames);
      await sustained(() => submitMany(HELD + N, SUSTAINED, CONCURRENCY), log);
    }
  } finally {
    await notifier.close();
    await database.close();
  }
}

/** Bytes this process has written to files and sockets so far (`wchar`), or undefined off Linux. */
function bytesWritten(): number | undefined {
  try {
    const line = readFileSync('/proc/self/io', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('wchar:'));
    return line === undefined ? undefined : Number(line.slice('wchar:'.length));
  } catch {
    return undefined;
  }
}

/**
 * The sustained SQLite step (module header): `submit` stores SUSTAINED submissions, then the log takes
 * them in; prints the bytes written per submission.
 */
async function sustained(submit: () => Promise<void>, log: TransparencyLogStore): Promise<void> {
  const before = bytesWritten();
  await submit();
  while ((await log.integrate()).appended > 0) {}
  const after = bytesWritten();
  if (before === undefined || after === undefined) return;
  row(
    `  then ${SUSTAINED} more, and the log's rounds, with no read held: written to disk`,
    '',
    '',
    '',
    'bytes',
  );
  row(
    '    per submission, write-ahead log and checkpoints',
    '',
    '',
    '',
    ((after - before) / SUSTAINED).toFixed(0),
  );
}

export async function runWriteAccounting(): Promise<void> {
  console.log('\nWhat one submission writes (rows, index entries and bytes per submission)');
  const dir = mkdtempSync(join(tmpdir(), 'brygga-accounting-'));
  try {
    await account('SQLite', join(dir, 'relay.sqlite'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const url = process.env.DATABASE_URL;
  if (!url) {
    row('PostgreSQL', 'not measured: set DATABASE_URL');
    return;
  }
  const schema = await freshPostgresSchema(url);
  try {
    await account('PostgreSQL', schema.url);
  } finally {
    await schema.drop();
  }
}
