/**
 * The SQLite writer thread (see sqlite-writer.ts): owns the write connection to the database file and
 * executes the batches of prepared writes it is sent, answering each only after the COMMIT that holds it
 * returned (with `synchronous=FULL`, after the fsync). Every batch already waiting when the thread gets
 * to run joins one transaction, so the thread never waits for the event loop to send the next batch and
 * a burst shares one fsync. It also runs the transparency log's integration rounds
 * (../transparency/integration-round.ts) on the same connection, through Kysely, so that a round's SQL
 * and its commit stay off the event loop too. Messages are taken in the order received: a round takes in
 * every batch sent before it.
 *
 * Messages in: `{ id, ops }` (a batch), `{ id, round }` or `{ close: true }`. Out: `{ id, outcomes }`,
 * `{ id, round }` (the round's result) or `{ id, error }`, each with `tx`, the number of the
 * transaction that held the message (answers with the same `tx` shared one commit), and `overlapped`,
 * how many messages so far reached the thread while an earlier one was still unanswered (the pipeline at
 * work). Errors are reduced to name, message and code (an Error's own fields do not survive the thread
 * boundary; the code is what the HTTP layer maps, e.g. SQLITE_FULL to 503).
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { TransparencyRoundRequest, TransparencyRoundResult } from '../database.js';
import type { RelaySchema } from '../schema.js';
import { runIntegrationRound, type TransparencyLogDatabase } from '../transparency/integration-round.js';
import { openSqliteConnection, setWalBudget, withStatementCache } from './sqlite-connection.js';
import { sqliteLogRows } from './sqlite-log-rows.js';
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

/** What every answer says of the thread's pipeline (see the module header). */
interface AnswerCounts {
  tx: number;
  overlapped: number;
}

/** The answer to one message, before the counts are added. */
type Answer =
  | {
      id: number;
      outcomes: (Extract<SqliteWriteOutcome, { ok: true }> | { ok: false; error: ThreadError })[];
    }
  | { id: number; round: TransparencyRoundResult }
  | { id: number; error: ThreadError };

/** The writer thread's answer to one message. */
export type WriterResponse = AnswerCounts & Answer;

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

/** When the log's checkpoint budget was last set from the disk's free space (sqlite-connection.ts). */
let budgetSetAt = 0;

function open(): { sqlite: BetterSqlite3.Database; writes: SqliteWrites } {
  if (!connection) {
    const sqlite = openSqliteConnection(location);
    connection = { sqlite, writes: new SqliteWrites(sqlite) };
    budgetSetAt = Date.now();
  }
  return connection;
}

/**
 * This thread makes nearly every commit, so its connection is the one that checkpoints: its budget
 * follows the disk's free space, read again at most once a second.
 */
function followFreeSpace(): void {
  if (!connection || Date.now() - budgetSetAt < 1000) return;
  budgetSetAt = Date.now();
  setWalBudget(connection.sqlite, location);
}

/** The transparency log's view of this thread's connection (made on the first round). */
function transparencyLogDatabase(): TransparencyLogDatabase {
  if (!transparencyLog) {
    const db = new Kysely<RelaySchema>({
      dialect: new SqliteDialect({ database: withStatementCache(open().sqlite) }),
    });
    transparencyLog = {
      engine: 'sqlite',
      db,
      write: (job) => transactionKeepingCause(db, job),
      rows: sqliteLogRows(open().sqlite),
    };
  }
  return transparencyLog;
}

type Batch = Extract<WriterRequest, { ops: SqliteWriteOp[] }>;

/** Run `batches` in one transaction; one answer per batch, in order. */
function executeBatches(batches: readonly Batch[]): Answer[] {
  try {
    const outcomes = open().writes.execute(
      batches.length === 1 ? batches[0]!.ops : batches.flatMap((b) => b.ops),
    );
    let at = 0;
    return batches.map((b) => {
      const mine = outcomes.slice(at, (at += b.ops.length));
      return {
        id: b.id,
        outcomes: mine.map((o) => (o.ok ? o : { ok: false, error: toThreadError(o.error) })),
      };
    });
  } catch (err) {
    // The transaction as a whole failed: nothing of any of its batches is stored.
    const error = toThreadError(err);
    return batches.map((b) => ({ id: b.id, error }));
  }
}

async function runRound(
  request: Extract<WriterRequest, { round: TransparencyRoundRequest }>,
): Promise<Answer> {
  try {
    return { id: request.id, round: await runIntegrationRound(transparencyLogDatabase(), request.round) };
  } catch (err) {
    return { id: request.id, error: toThreadError(err) };
  }
}

/** Messages received and not yet taken up, in order. */
const waiting: WriterRequest[] = [];
let unanswered = 0;
let overlapped = 0;
let transactions = 0;
let working = false;

function receive(request: WriterRequest): void {
  if ('id' in request) {
    if (unanswered > 0) overlapped++;
    unanswered++;
  }
  waiting.push(request);
}

/** Take every message already sent, without waiting for the event loop to deliver them one by one. */
function drainPort(): void {
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port))
    receive(m.message as WriterRequest);
}

function reply(answer: Answer, tx: number): void {
  unanswered--;
  try {
    port.postMessage({ ...answer, tx, overlapped } as WriterResponse);
  } catch (err) {
    // An answer that could not be sent is refused instead, so its caller hears.
    port.postMessage({ id: answer.id, error: toThreadError(err), tx, overlapped } satisfies WriterResponse);
  }
}

async function work(): Promise<void> {
  if (working) return;
  working = true;
  try {
    while (waiting.length > 0) {
      const head = waiting[0]!;
      if ('close' in head) {
        waiting.length = 0;
        connection?.sqlite.close();
        port.close();
        return;
      }
      const tx = ++transactions;
      if ('round' in head) {
        waiting.shift();
        const answer = await runRound(head);
        // Anything sent meanwhile counts as waiting behind this round.
        drainPort();
        reply(answer, tx);
        continue;
      }
      let n = 1;
      while (n < waiting.length && 'ops' in waiting[n]!) n++;
      const answers = executeBatches(waiting.splice(0, n) as Batch[]);
      drainPort();
      for (const a of answers) reply(a, tx);
      followFreeSpace();
    }
  } finally {
    working = false;
  }
}

port.on('message', (request: WriterRequest) => {
  receive(request);
  drainPort();
  void work();
});
