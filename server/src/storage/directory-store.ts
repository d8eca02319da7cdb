/**
 * The relay's directory (PROTOCOL.md §5–6): installed agreements and accepted
 * statements in the database, and a verified SDK {@link Directory} built from them in memory.
 *
 * The relay verifies nothing itself: every agreement and statement goes through the SDK's `Agreement`
 * and `Directory`, exactly as a client will verify it again. The in-memory directory is brought up to
 * date from the database before every use (one cheap query when nothing changed), so several relay
 * processes agree, and a revocation accepted by one process is enforced by all of them at once.
 *
 * Appends are serialised: on PostgreSQL under a transaction-scoped advisory lock, on SQLite by the single
 * writer. Under that lock the directory is refreshed, the new statement verified against it and stored
 * with the next sequence number, so sequence order is commit order and every statement was verified
 * against all the statements before it.
 */
import { createHash } from 'node:crypto';
import {
  Agreement,
  BryggaError,
  Directory,
  decodeCompact,
  type GeneralJws,
  HPKE_KEY_TYP,
  isBryggaError,
  parseJson,
} from '@brygga/client-sdk';
import { type Kysely, sql } from 'kysely';
import type { Logger } from '../logging/index.js';
import type { Database, DirectoryHead } from './database.js';
import type { RelaySchema } from './schema.js';

/** Longest statement accepted (characters of compact JWS). */
const MAX_STATEMENT_LENGTH = 16 * 1024;

/** Unexpired HPKE keys a device may have, unless configured otherwise (PROTOCOL.md §6.2). */
const DEFAULT_MAX_HPKE_KEYS = 4;

/** Statements per page of the directory listing. */
const DIRECTORY_PAGE = 1000;

/** A page of the public directory. */
export interface DirectoryListing {
  agreements: GeneralJws[];
  statements: { seq: number; jws: string }[];
  latest: number;
}

function hashOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

/** Whether `err` says a document cannot be read: malformed, or of a version this side does not speak. */
function unreadable(err: unknown): err is BryggaError {
  return isBryggaError(err, 'ERR_MALFORMED') || isBryggaError(err, 'ERR_UNSUPPORTED_VERSION');
}

/**
 * A statement the directory refuses. One that cannot be read arrived inside a well-formed body, so it
 * is a malformed statement (`ERR_MALFORMED_STATEMENT`), not a malformed request; every other refusal
 * (signature, chain, revoked or unknown device) keeps the directory's code.
 */
function statementRefusal(err: unknown): unknown {
  return unreadable(err) ? new BryggaError('ERR_MALFORMED_STATEMENT', err.message, { cause: err }) : err;
}

/** An agreement document the directory refuses: one that cannot be read is an invalid agreement. */
function agreementRefusal(err: unknown): unknown {
  return unreadable(err) ? new BryggaError('ERR_AGREEMENT_INVALID', err.message, { cause: err }) : err;
}

function agreementMissing(): BryggaError {
  return new BryggaError('ERR_AGREEMENT_MISSING', 'no agreement has been installed on this relay');
}

/** Stored directory plus its verified in-memory form. */
export class DirectoryStore {
  readonly #database: Database;
  readonly #now: () => number;
  readonly #logger: Logger;
  #directory: Directory | undefined;
  #agreementSeq = 0;
  #statementSeq = 0;
  #mutex: Promise<unknown> = Promise.resolve();
  #inflight: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  readonly #maxHpkeKeys: number;

  constructor(
    database: Database,
    options: { now: () => number; logger: Logger; maxHpkeKeysPerDevice?: number },
  ) {
    this.#database = database;
    this.#now = options.now;
    this.#logger = options.logger;
    this.#maxHpkeKeys = options.maxHpkeKeysPerDevice ?? DEFAULT_MAX_HPKE_KEYS;
  }

  /** The directory as of now (refreshed from the database), or undefined before any agreement. */
  async current(): Promise<Directory | undefined> {
    await this.#refresh();
    return this.#directory;
  }

  /** The directory as of now; `ERR_AGREEMENT_MISSING` before any agreement is installed. */
  async require(): Promise<Directory> {
    const directory = await this.current();
    if (!directory) throw agreementMissing();
    return directory;
  }

  /**
   * Install an agreement document: the first must be signed by every party; each later one must be a
   * valid successor of the current one. Installing one already installed is a no-op (`created: false`).
   */
  async installAgreement(document: unknown): Promise<{ created: boolean; digest: string; sequence: number }> {
    let agreement: Agreement;
    try {
      agreement = Agreement.deserialize(document as GeneralJws);
    } catch (err) {
      throw agreementRefusal(err);
    }
    const answer = { digest: agreement.digest, sequence: agreement.terms.sequence };
    return this.#exclusive(async () => {
      let changed = false;
      try {
        return await this.#database.write(async (trx) => {
          await this.#lock(trx);
          await this.#catchUp(trx);
          const existing = await trx
            .selectFrom('agreements')
            .select('seq')
            .where('digest', '=', agreement.digest)
            .executeTakeFirst();
          if (existing) return { created: false, ...answer };
          try {
            if (this.#directory) {
              this.#directory.addAgreement(agreement);
            } else {
              this.#directory = new Directory(agreement);
            }
          } catch (err) {
            throw agreementRefusal(err);
          }
          changed = true;
          const seq = this.#agreementSeq + 1;
          await trx
            .insertInto('agreements')
            .values({
              seq,
              digest: agreement.digest,
              sequence: agreement.terms.sequence,
              document: JSON.stringify(agreement.jws),
              installed_at: this.#now(),
            })
            .execute();
          this.#agreementSeq = seq;
          return { created: true, ...answer };
        });
      } catch (err) {
        if (changed) this.#invalidate();
        throw err;
      }
    });
  }

  /**
   * Verify and store a statement (enrolment, HPKE key, revocation). A statement already stored is a
   * no-op (`created: false`). Refusals carry the directory's code (see {@link statementRefusal}).
   */
  async addStatement(jws: string): Promise<{ created: boolean; seq: number }> {
    if (typeof jws !== 'string' || jws.length === 0 || jws.length > MAX_STATEMENT_LENGTH) {
      throw new BryggaError(
        'ERR_MALFORMED',
        `jws must be a compact JWS of at most ${MAX_STATEMENT_LENGTH} characters`,
      );
    }
    const hash = hashOf(jws);
    const stored = await this.#database.db
      .selectFrom('statements')
      .select('seq')
      .where('hash', '=', hash)
      .executeTakeFirst();
    if (stored) return { created: false, seq: stored.seq };
    return this.#exclusive(async () => {
      let changed = false;
      try {
        return await this.#database.write(async (trx) => {
          await this.#lock(trx);
          await this.#catchUp(trx);
          const existing = await trx
            .selectFrom('statements')
            .select('seq')
            .where('hash', '=', hash)
            .executeTakeFirst();
          if (existing) return { created: false, seq: existing.seq };
          if (!this.#directory) throw agreementMissing();
          this.#checkKeyRoom(this.#directory, jws);
          try {
            this.#directory.apply(jws);
          } catch (err) {
            throw statementRefusal(err);
          }
          changed = true;
          const seq = this.#statementSeq + 1;
          await trx.insertInto('statements').values({ seq, hash, jws, accepted_at: this.#now() }).execute();
          this.#statementSeq = seq;
          return { created: true, seq };
        });
      } catch (err) {
        if (changed) this.#invalidate();
        throw err;
      }
    });
  }

  /**
   * Refuse an HPKE key publication by a device that already has {@link #maxHpkeKeys} unexpired keys
   * (PROTOCOL.md §6.2): rotation needs two or three at a time, and nothing needs dozens. Only the header
   * is read (the signer's kid, which the directory verifies next); a statement that is not an HPKE key,
   * or cannot be decoded, is left to the directory. Judged on admission only, so a directory rebuilt
   * from the database reads every statement stored before, whatever the setting is now.
   */
  #checkKeyRoom(directory: Directory, jws: string): void {
    let header: { typ: string; kid: string };
    try {
      header = decodeCompact(jws).header;
    } catch {
      return;
    }
    if (header.typ !== HPKE_KEY_TYP) return;
    const now = Math.floor(this.#now() / 1000);
    const live = directory.hpkeKeysOf(header.kid).filter((k) => k.exp > now).length;
    if (live >= this.#maxHpkeKeys) {
      throw new BryggaError(
        'ERR_TOO_MANY_KEYS',
        `the device has ${live} unexpired encryption keys, the most this relay admits`,
      );
    }
  }

  /** The public directory: every agreement, and up to {@link DIRECTORY_PAGE} statements after `after`. */
  async listing(after: number): Promise<DirectoryListing> {
    const db = this.#database.db;
    const agreements = await db.selectFrom('agreements').select('document').orderBy('seq').execute();
    const statements = await db
      .selectFrom('statements')
      .select(['seq', 'jws'])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(DIRECTORY_PAGE)
      .execute();
    const top = await db
      .selectFrom('statements')
      .select((eb) => eb.fn.max('seq').as('latest'))
      .executeTakeFirst();
    return {
      agreements: agreements.map((a) => parseJson(a.document) as unknown as GeneralJws),
      statements,
      latest: Number(top?.latest ?? 0),
    };
  }

  /**
   * Bring the in-memory directory up to date. Concurrent callers share one refresh, but every caller
   * waits for a refresh that started after it asked, so nothing committed before the call is missed.
   */
  #refresh(): Promise<void> {
    if (!this.#inflight) {
      this.#inflight = this.#exclusive(async () => {
        const head = await this.#database.directoryHead();
        // The common case: nothing changed since the last request (one prepared query, no more).
        if (head.agreements === this.#agreementSeq && head.statements === this.#statementSeq) return;
        await this.#catchUp(this.#database.db, head);
      }).finally(() => {
        this.#inflight = undefined;
      });
      return this.#inflight;
    }
    this.#queued ??= this.#inflight
      .catch(() => {})
      .then(() => {
        this.#queued = undefined;
        return this.#refresh();
      });
    return this.#queued;
  }

  /** Run `fn` with the in-memory directory to itself (within this process). */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#mutex.then(fn, fn);
    this.#mutex = run.catch(() => {});
    return run;
  }

  async #lock(trx: Kysely<RelaySchema>): Promise<void> {
    if (this.#database.engine !== 'postgres') return;
    await sql`select pg_advisory_xact_lock(hashtextextended('brygga:directory:' || current_schema(), 0))`.execute(
      trx,
    );
  }

  #invalidate(): void {
    this.#directory = undefined;
    this.#agreementSeq = 0;
    this.#statementSeq = 0;
  }

  /**
   * Apply what the database holds beyond what memory has. Must run exclusively. `head`: the sequence
   * numbers already read; otherwise they are read through `db` (inside an append's transaction).
   */
  async #catchUp(db: Kysely<RelaySchema>, head?: DirectoryHead): Promise<void> {
    if (!head) {
      const top = await sql<{ a: number | null; s: number | null }>`select
          (select max(seq) from agreements) as a,
          (select max(seq) from statements) as s`.execute(db);
      head = { agreements: Number(top.rows[0]?.a ?? 0), statements: Number(top.rows[0]?.s ?? 0) };
    }
    const { agreements: a, statements: s } = head;
    if (a < this.#agreementSeq || s < this.#statementSeq) this.#invalidate();
    if (a > this.#agreementSeq) {
      const rows = await db
        .selectFrom('agreements')
        .select(['seq', 'document'])
        .where('seq', '>', this.#agreementSeq)
        .orderBy('seq')
        .execute();
      for (const row of rows) {
        try {
          const agreement = Agreement.deserialize(row.document);
          if (this.#directory) this.#directory.addAgreement(agreement);
          else this.#directory = new Directory(agreement);
        } catch (err) {
          // Stored agreements were verified when installed: this is a damaged or altered database.
          this.#logger.error('stored agreement does not verify', { seq: row.seq });
          this.#invalidate();
          throw new BryggaError('ERR_UNAVAILABLE', 'the relay directory is damaged', { cause: err });
        }
        this.#agreementSeq = row.seq;
      }
    }
    if (!this.#directory || s <= this.#statementSeq) return;
    const rows = await db
      .selectFrom('statements')
      .select(['seq', 'jws'])
      .where('seq', '>', this.#statementSeq)
      .orderBy('seq')
      .execute();
    for (const row of rows) {
      try {
        this.#directory.apply(row.jws);
      } catch (err) {
        // Possible only after an agreement extension dropped a party whose statements came before it;
        // such a statement no longer counts, exactly as for a client rebuilding its directory.
        this.#logger.warn('stored statement no longer applies', {
          seq: row.seq,
          reason: isBryggaError(err) ? err.code : 'error',
        });
      }
      this.#statementSeq = row.seq;
    }
  }
}
