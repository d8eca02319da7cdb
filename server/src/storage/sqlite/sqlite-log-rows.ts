/**
 * A transparency-log round's rows (../transparency/integration-round.ts) on the SQLite writer thread's
 * connection (sqlite-write-worker.ts): each row through a statement prepared once on that connection,
 * inside the round's transaction.
 *
 * Through Kysely a round's rows go as one statement per chunk of rows, and the text of such a statement
 * changes with the round's row count: each round compiled its statements and had SQLite parse and plan
 * them anew, on the thread that also commits every submission. `npm run bench -- log` with rounds of
 * 500 rows, about what the relay's rounds take in under load, measured 33,029 and 35,616 appends a
 * second at 10^5 leaves this way against 26,468 and 29,015 through Kysely (24,398 and 25,182 against
 * 19,948 and 20,867 at 10^6); with its default rounds of 10,000, 53,991 against 40,867 at 10^5.
 */

import { toBase64url } from '@brygga/client-sdk/crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { LoggedTable, LogRowWriter } from '../transparency/integration-round.js';

function prepareAll(db: BetterSqlite3.Database) {
  const mark = (table: LoggedTable, column: string) =>
    db.prepare<[number, string | number]>(`update ${table} set log_index = ? where ${column} = ?`);
  return {
    known: db.prepare<[Uint8Array], number>('select idx from log_leaves where leaf_hash = ?').pluck(),
    leaf: db.prepare<[number, number, Uint8Array, Uint8Array, string | null]>(
      'insert into log_leaves (idx, kind, hash, leaf_hash, ref) values (?, ?, ?, ?, ?)',
    ),
    node: db.prepare<[number, number, Uint8Array]>(
      'insert into log_nodes (level, idx, hash) values (?, ?, ?)',
    ),
    mark: {
      agreements: mark('agreements', 'seq'),
      statements: mark('statements', 'seq'),
      submissions: mark('submissions', 'id'),
    } satisfies Record<LoggedTable, unknown>,
  };
}

/** A round's rows on `db`, the connection whose transaction the round runs in. */
export function sqliteLogRows(db: BetterSqlite3.Database): LogRowWriter {
  // Prepared at the first round: the log's tables exist only once migrations ran.
  let st: ReturnType<typeof prepareAll> | undefined;
  const statements = () => (st ??= prepareAll(db));
  return {
    async knownLeaves(leaves) {
      const { known: lookUp } = statements();
      const known = new Map<string, number>();
      for (const leaf of leaves) {
        const idx = lookUp.get(leaf);
        if (idx !== undefined) known.set(toBase64url(leaf), Number(idx));
      }
      return known;
    },
    async insertLeaves(rows) {
      const { leaf } = statements();
      for (const r of rows) leaf.run(r.idx, r.kind, r.hash, r.leaf_hash, r.ref);
    },
    async insertNodes(rows) {
      const { node } = statements();
      for (const r of rows) node.run(r.level, r.idx, r.hash);
    },
    async mark(table, marks) {
      const update = statements().mark[table];
      for (const m of marks) update.run(m.index, m.key);
    },
  };
}
