/**
 * An online backup of the relay's SQLite database (README "Backup and restore"), taken by
 * `brygga-relay backup <file>` while relays keep serving on it.
 *
 * The source is opened read-only in this process, and SQLite's online backup API (better-sqlite3's
 * `backup()`) copies every page in one step: one step is one read transaction, and in WAL mode a read
 * transaction sees one committed snapshot without blocking the relay's writer (SQLite's "Write-Ahead
 * Logging", §2.2 "Concurrency"). The copy is therefore the database as it was at one commit: every
 * packet acknowledged (201, PROTOCOL.md §9) before the backup started is in it, and the transparency
 * log's tables are those of one integration round (PROTOCOL.md §18.2).
 *
 * The copy is written to a new file beside the target (mode 0600: it holds everything the relay holds,
 * THREAT-MODEL.md), checked with `pragma quick_check`, then moved to its name: a reader never sees a
 * half-written backup, and an existing file is replaced only when `force` is given.
 */
import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/** What {@link backupSqliteDatabase} wrote. */
export interface SqliteBackupResult {
  file: string;
  bytes: number;
  pages: number;
  /** The transparency log's size in the copy: what a restore brings back (PROTOCOL.md §18). */
  logSize: number;
}

/** Why a backup was not written, for the operator. */
export class BackupRefused extends Error {
  override readonly name = 'BackupRefused';
}

/** Every remaining page in the next step: one read transaction, one snapshot. */
const ALL_PAGES = 0x7fffffff;

/**
 * Copy the SQLite database at `source` to `target` while it is in use.
 *
 * @example
 * await backupSqliteDatabase('./data/brygga.sqlite', '/backup/brygga-2026-12-06.sqlite');
 */
export async function backupSqliteDatabase(
  source: string,
  target: string,
  options: { force?: boolean } = {},
): Promise<SqliteBackupResult> {
  if (!options.force && exists(target)) {
    throw new BackupRefused(`${target} exists: choose another name, or add --force to replace it`);
  }
  if (!exists(source)) throw new BackupRefused(`no database at ${source}`);
  const partial = join(dirname(target), `.${basename(target)}.${process.pid}.partial`);
  // Created here with mode 0600 so that the copy is never readable by others, not even for a moment.
  closeSync(openSync(partial, 'wx', 0o600));
  try {
    const db = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
    let pages = 0;
    try {
      db.pragma('busy_timeout = 5000');
      const done = await db.backup(partial, { progress: () => ALL_PAGES });
      pages = done.totalPages;
    } finally {
      db.close();
    }
    const copy = new BetterSqlite3(partial, { readonly: true, fileMustExist: true });
    let logSize: number;
    try {
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new BackupRefused(`the copy failed its integrity check: ${String(check)}`);
      logSize = logSizeOf(copy);
    } finally {
      copy.close();
    }
    const fd = openSync(partial, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.force) renameSync(partial, target);
    else {
      // link() fails if the target appeared meanwhile: never replace a file without --force.
      try {
        linkSync(partial, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new BackupRefused(`${target} exists: choose another name, or add --force to replace it`);
        }
        throw err;
      }
      rmSync(partial);
    }
    syncDirectory(dirname(target));
    return { file: target, bytes: statSync(target).size, pages, logSize };
  } finally {
    // The copy is a WAL database too: checking it left an empty write-ahead log and index beside it.
    for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function logSizeOf(db: BetterSqlite3.Database): number {
  const row = db.prepare('select max(size) as size from log_checkpoints').get() as { size: number | null };
  return row.size ?? 0;
}

/** Make the new directory entry durable too (a rename is in the directory, not the file). */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
