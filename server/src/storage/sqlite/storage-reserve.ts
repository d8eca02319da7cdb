/**
 * Room kept for acknowledgements on a full disk (README "What faults look like"). SQLite in WAL mode
 * writes even a delete as new frames at the end of its write-ahead log, so on a disk with no free byte
 * an acknowledgement, the very write that frees space, would fail like a submission. The relay therefore
 * holds a reserve file of {@link RESERVE_BYTES} beside its database. When a write that frees space finds
 * the disk full, the reserve is deleted and the write tried again; once a packet has been stored again,
 * the relay tries (at most once a minute) to take the reserve back.
 */
import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';

/** The reserve's size: room for a few hundred acknowledgements' log frames. */
export const RESERVE_BYTES = 4 * 1024 * 1024;

/** How often the relay tries to take the reserve back after releasing it, in milliseconds. */
const RETAKE_INTERVAL_MS = 60_000;

/** A reserve file (see the module header). */
export class StorageReserve {
  readonly path: string;
  readonly bytes: number;
  #held = false;
  #lastAttempt = Number.NEGATIVE_INFINITY;

  constructor(path: string, bytes = RESERVE_BYTES) {
    this.path = path;
    this.bytes = bytes;
  }

  /** Whether the reserve file is in place. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Write the reserve file (or complete it); false, leaving none, when the disk has no room for it. The
   * blocks are taken when written; the file's contents need not survive a crash, so it is not synced.
   */
  hold(): boolean {
    if (this.#held) return true;
    try {
      if (statSync(this.path).size >= this.bytes) return (this.#held = true);
    } catch {
      // Not there yet.
    }
    let fd: number | undefined;
    try {
      fd = openSync(this.path, 'w', 0o600);
      const chunk = Buffer.alloc(64 * 1024);
      for (let written = 0; written < this.bytes; written += chunk.length) writeSync(fd, chunk);
      this.#held = true;
    } catch {
      rmSync(this.path, { force: true });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return this.#held;
  }

  /** Delete the reserve so a write that frees space has room; false when there was none to release. */
  release(): boolean {
    if (!this.#held) return false;
    rmSync(this.path, { force: true });
    this.#held = false;
    return true;
  }

  /** After a packet was stored: take the reserve back, at most once a minute; true when it is held. */
  retake(now: number): boolean {
    if (this.#held) return true;
    if (now - this.#lastAttempt < RETAKE_INTERVAL_MS) return false;
    this.#lastAttempt = now;
    return this.hold();
  }
}
