/**
 * The SQLite writer thread (see sqlite-writer.ts): owns the write connection to the database file and
 * executes each batch of prepared writes it is sent in one transaction, answering only after COMMIT
 * returned (with `synchronous=FULL`, after the fsync). One batch at a time, in the order received.
 *
 * Messages in: `{ id, ops }` (a batch) or `{ close: true }`. Out: `{ id, outcomes }` or
 * `{ id, error }`, errors reduced to name, message and code (an Error's own fields do not survive the
 * thread boundary; the code is what the HTTP layer maps, e.g. SQLITE_FULL to 503).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteConnection } from './sqlite-connection.js';
import { type SqliteWriteOp, type SqliteWriteOutcome, SqliteWrites } from './sqlite-writes.js';

/** What the writer thread is started with. */
export interface WriterThreadData {
  location: string;
}

/** A batch for the writer thread. */
export type WriterRequest = { id: number; ops: SqliteWriteOp[] } | { close: true };

/** An error as it crosses the thread boundary. */
export interface ThreadError {
  name: string;
  message: string;
  code?: string;
}

/** The writer thread's answer to one batch. */
export type WriterResponse =
  | {
      id: number;
      outcomes: (Extract<SqliteWriteOutcome, { ok: true }> | { ok: false; error: ThreadError })[];
    }
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
const sqlite = openSqliteConnection(location);
const writes = new SqliteWrites(sqlite);

port.on('message', (request: WriterRequest) => {
  if ('close' in request) {
    sqlite.close();
    port.close();
    return;
  }
  let response: WriterResponse;
  try {
    const outcomes = writes.execute(request.ops);
    response = {
      id: request.id,
      outcomes: outcomes.map((o) => (o.ok ? o : { ok: false, error: toThreadError(o.error) })),
    };
  } catch (err) {
    response = { id: request.id, error: toThreadError(err) };
  }
  port.postMessage(response);
});
