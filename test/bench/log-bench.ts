/**
 * Transparency log benchmark (PROTOCOL.md §18; server/src/storage/transparency/). One log per engine is
 * grown to 10^3, 10^4, 10^5 and 10^6 leaves through the real integrator path (unlogged submission
 * rows, taken in by rounds of BENCH_LOG_ROUND rows, each one write transaction with its signed
 * checkpoint); at each size it prints appends per second of the step that reached it, and the median
 * time, element count and bytes of inclusion and consistency proofs (random leaves; random older sizes
 * against the current one). The point is the shape: proofs grow with log2 of the size, appends do not
 * slow down with it.
 *
 * SQLite (a file) always; PostgreSQL when DATABASE_URL is set, up to BENCH_LOG_PG_MAX leaves (default
 * 10^5: loading rows over the network is what takes time there, not the log).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Database,
  type Engine,
  logLeafHash,
  openDatabase,
  TransparencyLogKey,
  TransparencyLogStore,
} from '@brygga/server';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { median, row } from './measure.js';

const SIZES = [1e3, 1e4, 1e5, 1e6];
const ROUND = Number(process.env.BENCH_LOG_ROUND ?? 10_000);
const PG_MAX = Number(process.env.BENCH_LOG_PG_MAX ?? 1e5);
const PROOFS = 200;
const ORIGIN = 'brygga.bench/brygga-log';

/** The digest of the i-th synthetic envelope: distinct, 32 bytes, base64url like a real receipt's. */
function digest(i: number): string {
  return createHash('sha256').update(`envelope ${i}`).digest('base64url');
}

/** Rows `from`..`to`-1 as unlogged submissions, loaded outside the measurement. */
type Loader = (from: number, to: number) => Promise<void>;

function sqliteLoader(location: string): { load: Loader; close(): void } {
  const db = new BetterSqlite3(location);
  db.pragma('journal_mode = WAL');
  const insert = db.prepare(
    'insert into submissions (id, digest, received_at, expires_at) values (?, ?, ?, ?)',
  );
  const many = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert.run(`p${i}`, digest(i), i, i + 1e12);
  });
  return {
    load: async (from, to) => {
      many(from, to);
    },
    close: () => db.close(),
  };
}

function postgresLoader(database: Database): Loader {
  return async (from, to) => {
    for (let start = from; start < to; start += 20_000) {
      const end = Math.min(to, start + 20_000);
      const ids: string[] = [];
      const digests: string[] = [];
      const times: number[] = [];
      for (let i = start; i < end; i++) {
        ids.push(`p${i}`);
        digests.push(digest(i));
        times.push(i);
      }
      await sql`insert into submissions (id, digest, received_at, expires_at)
        select id, d, t, t + 1000000000000 from unnest(${ids}::text[], ${digests}::text[], ${times}::bigint[]) as v(id, d, t)`.execute(
        database.db,
      );
    }
  };
}

function randomInt(below: number): number {
  return Math.floor(Math.random() * below);
}

async function benchEngine(engine: Engine, database: Database, load: Loader, max: number): Promise<void> {
  const key = TransparencyLogKey.fromSeed(ORIGIN, new Uint8Array(32).fill(7));
  const log = new TransparencyLogStore(database, { key, now: Date.now });
  await log.integrate();
  console.log(
    `\nTransparency log on ${engine} (rounds of ${ROUND} rows; ${PROOFS} proofs per size, medians)`,
  );
  row(
    'leaves',
    'appends/s',
    'incl. µs',
    'incl. hashes',
    'incl. bytes',
    'cons. µs',
    'cons. hashes',
    'cons. bytes',
  );
  let size = 0;
  for (const target of SIZES) {
    if (target > max) break;
    await load(size, target);
    const started = performance.now();
    let rounds = 0;
    for (;;) {
      const r = await log.integrate(ROUND);
      rounds++;
      if (r.appended < ROUND) break;
    }
    const seconds = (performance.now() - started) / 1000;
    const appendsPerSecond = (target - size) / seconds;
    size = await log.size();

    const inclusionTimes: number[] = [];
    const inclusionLengths: number[] = [];
    for (let k = 0; k < PROOFS; k++) {
      const i = randomInt(size);
      const leaf = logLeafHash('envelope', Buffer.from(digest(i), 'base64url'));
      const t = performance.now();
      const p = await log.inclusionProof(leaf, size);
      inclusionTimes.push(performance.now() - t);
      inclusionLengths.push(p.proof.length);
    }
    const consistencyTimes: number[] = [];
    const consistencyLengths: number[] = [];
    for (let k = 0; k < PROOFS; k++) {
      const m = 1 + randomInt(size - 1);
      const t = performance.now();
      const p = await log.consistencyProof(m, size);
      consistencyTimes.push(performance.now() - t);
      consistencyLengths.push(p.proof.length);
    }
    const hashes = (lengths: number[]) => `${Math.min(...lengths)}–${Math.max(...lengths)}`;
    row(
      `${size.toLocaleString('en')} (${rounds} round${rounds === 1 ? '' : 's'} in ${seconds.toFixed(1)} s)`,
      appendsPerSecond.toFixed(0),
      (median(inclusionTimes) * 1000).toFixed(0),
      hashes(inclusionLengths),
      String(32 * median(inclusionLengths)),
      (median(consistencyTimes) * 1000).toFixed(0),
      hashes(consistencyLengths),
      String(32 * median(consistencyLengths)),
    );
  }
}

export async function runLogBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'brygga-log-bench-'));
  try {
    const location = join(dir, 'relay.sqlite');
    const database = await openDatabase(location);
    const loader = sqliteLoader(location);
    try {
      await benchEngine('sqlite', database, loader.load, Number.POSITIVE_INFINITY);
    } finally {
      loader.close();
      await database.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const url = process.env.DATABASE_URL;
  if (!url) {
    console.log('\n(PostgreSQL skipped: DATABASE_URL is not set)');
    return;
  }
  const schema = `brygga_log_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  try {
    const database = await openDatabase(url, { schema, poolSize: 2 });
    try {
      await benchEngine('postgres', database, postgresLoader(database), PG_MAX);
    } finally {
      await database.close();
    }
  } finally {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
}
