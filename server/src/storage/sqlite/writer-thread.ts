/**
 * Starting the SQLite writer thread (sqlite-write-worker.ts; sqlite-writer.ts says what it does). Kept
 * apart from the writer, with nothing but node:worker_threads, so that the relay's entry (main.ts) can
 * start the thread before it loads the rest of the relay: the thread then loads its modules while the
 * relay loads its own and migrates, instead of after. The first {@link ThreadExecutor} for the same
 * database file adopts the thread started early; the thread opens its connection at its first message.
 */
import { Worker } from 'node:worker_threads';
import type { WriterThreadData } from './sqlite-write-worker.js';

/**
 * Where the writer thread starts. Compiled (server/dist), the thread's module is the .js file beside this
 * one. From the sources (tests through vitest, scripts through tsx) it is the .ts file, which plain Node
 * 20 cannot load in a thread: `module.register` hooks do not reach workers, so the thread starts from
 * sqlite-write-worker-from-source.cjs, which registers tsx's CommonJS hooks (they do work inside a
 * thread) and then loads the .ts module, resolving `@brygga/client-sdk` to its sources as the caller
 * does.
 */
function workerStart(): { url: URL; execArgv: string[] | undefined } {
  if (import.meta.url.endsWith('.js')) {
    return { url: new URL('./sqlite-write-worker.js', import.meta.url), execArgv: undefined };
  }
  return {
    url: new URL('./sqlite-write-worker-from-source.cjs', import.meta.url),
    execArgv: [...process.execArgv, '--conditions=source'],
  };
}

/** A new writer thread for the database file `location`, not keeping the process alive. */
function newWriterThread(location: string): Worker {
  const { url, execArgv } = workerStart();
  const workerData: WriterThreadData = { location };
  const worker = new Worker(url, execArgv ? { workerData, execArgv } : { workerData });
  worker.unref();
  return worker;
}

/** Threads started early, by database file, until adopted. */
const early = new Map<string, Worker>();

/**
 * Start the writer thread for the SQLite file `location` now (the relay's entry, before it loads the
 * relay). A thread that fails before it is adopted is dropped, and the writer starts another.
 */
export function startWriterThreadEarly(location: string): void {
  if (early.has(location)) return;
  const worker = newWriterThread(location);
  const drop = () => {
    if (early.get(location) === worker) early.delete(location);
  };
  worker.once('error', drop);
  worker.once('exit', drop);
  early.set(location, worker);
}

/** The writer thread for `location`: the one started early for it if there is one, else a new one. */
export function writerThread(location: string): Worker {
  const worker = early.get(location);
  if (!worker) return newWriterThread(location);
  early.delete(location);
  worker.removeAllListeners('error');
  worker.removeAllListeners('exit');
  return worker;
}
