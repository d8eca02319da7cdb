/**
 * The SQLite writer thread (see sqlite-writer.ts): owns the write connection to the database file and
 * executes each batch of prepared writes it is sent in one transaction, answering only after COMMIT
 * returned (with `synchronous=FULL`, after the fsync). It also runs the transparency log's integration
 * rounds (../transparency/integration-round.ts) on the same connection, through Kysely, so that a
 * round's SQL and its commit stay off the event loop too. One message at a time, in the order
 * received: a round's queries are asynchronous in form, so the next message waits for the round to
 * finish.
 *
 * Messages in: `{ id, ops }` (a batch), `{ id, round }` or `{ close: true }`. Out: `{ id, outcomes }`,
 * `{ id, round }` (the round's result) or `{ id, error }`, errors reduced to name, message and code (an
 * Error's own fields do not survive the thread boundary; the code is what the HTTP layer maps, e.g.
 * SQLITE_FULL to 503).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { TransparencyRoundRequest, TransparencyRoundResult } from '../database.js';
import type { RelaySchema } from '../schema.js';
import { runIntegrationRound, type TransparencyLogDatabase } from '../transparency/integration-round.js';
import { openSqliteConnection, withStatementCache } from './sqlite-connection.js';
import { type SqliteWriteOp, type SqliteWriteOutcome, SqliteWrites } from './sqlite-writes.js';
import { transactionKeepingCause } from './transaction-keeping-cause.js';

/** What the writer thread is started with. */
export interface WriterThreadData {
  location: string;
}

/** A message for the writer thread. */
export type WriterRequest =
  | { id: number; ops: SqliteWriteOp[] }
  | { id: number; round: TransparencyRoundRequest }
  | { close: true };

/** An error as it crosses the thread boundary. */
export interface ThreadError {
  name: string;
  message: string;
  code?: string;
}

/** The writer thread's answer to one message. */
export type WriterResponse =
  | {
      id: number;
      outcomes: (Extract<SqliteWriteOutcome, { ok: true }> | { ok: false; error: ThreadError })[];
    }
  | { id: number; round: TransparencyRoundResult }
  | { id: number; error: ThreadError };

function toThreadError(err: unknown): ThreadError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

const port = parentPort!;
const { location } = workerData as WriterThreadData;
// Opened at the first message, not as the thread starts: the relay starts the thread while it migrates
// the database (sqlite-database.ts), and the statements SqliteWrites prepares need the migrated tables.
let connection: { sqlite: BetterSqlite3.Database; writes: SqliteWrites } | undefined;
let transparencyLog: TransparencyLogDatabase | undefined;

function open(): { sqlite: BetterSqlite3.Database; writes: SqliteWrites } {
  if (!connection) {
    const sqlite = openSqliteConnection(location);
    connection = { sqlite, writes: new SqliteWrites(sqlite) };
  }
  return connection;
}

/** The transparency log's view of this thread's connection (made on the first round). */
function transparencyLogDatabase(): TransparencyLogDatabase {
  if (!transparencyLog) {
    const db = new Kysely<RelaySchema>({
      dialect: new SqliteDialect({ database: withStatementCache(open().sqlite) }),
    });
    transparencyLog = { engine: 'sqlite', db, write: (job) => transactionKeepingCause(db, job) };
  }
  return transparencyLog;
}

async function answer(request: Exclude<WriterRequest, { close: true }>): Promise<WriterResponse> {
  try {
    if ('round' in request)
      return { id: request.id, round: await runIntegrationRound(transparencyLogDatabase(), request.round) };
    const outcomes = open().writes.execute(request.ops);
    return {
      id: request.id,
      outcomes: outcomes.map((o) => (o.ok ? o : { ok: false, error: toThreadError(o.error) })),
    };
  } catch (err) {
    return { id: request.id, error: toThreadError(err) };
  }
}

let queue = Promise.resolve();
port.on('message', (request: WriterRequest) => {
  queue = queue
    .then(async () => {
      if ('close' in request) {
        connection?.sqlite.close();
        port.close();
        return;
      }
      port.postMessage(await answer(request));
    })
    // An answer that could not be sent is refused instead, so its caller hears and the queue goes on.
    .catch((err: unknown) => {
      if ('id' in request) port.postMessage({ id: request.id, error: toThreadError(err) });
    });
});
