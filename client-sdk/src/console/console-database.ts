/**
 * The console's database (`console.sqlite` in the device directory; Kysely on better-sqlite3): the
 * named users and their roles, login sessions, the access log (who opened which case, and when), which
 * users a case is assigned to, and the alerts kept for people to review. No case content is stored here:
 * that stays in the device's store, encrypted keys and all.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { type Generated, Kysely, SqliteDialect } from 'kysely';
import { migrateConsole } from './_migrations.js';

/** A user's role: coordinator (samordnare), unit lead (enhetschef) or administrator. */
export type Role = 'coordinator' | 'lead' | 'admin';

/** Every role, in the order they are listed. */
export const ROLES: readonly Role[] = ['coordinator', 'lead', 'admin'];

/** A user name: lower-case letters, digits, dots, dashes and underscores, 2 to 64 characters. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,63}$/;

/** A user of the console. */
export interface ConsoleUser {
  username: string;
  displayName: string;
  role: Role;
  passHash: string;
  failedCount: number;
  /** ISO time until which logins are refused, or null. */
  lockedUntil: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A login session. The id itself is only in the user's cookie; the database keeps its SHA-256. */
export interface SessionRecord {
  idHash: string;
  username: string;
  csrf: string;
  lang: string;
  createdAt: string;
  lastSeen: string;
  flash: string | null;
}

/** One line of the access log. Name and role are copied, so the line outlives the user. */
export interface AccessRecord {
  seq: number;
  at: string;
  username: string;
  displayName: string;
  role: Role;
  action: string;
  caseId: string | null;
  address: string | null;
}

/** An alert kept for a person to review (a log alarm, a refused packet, an automatic decline). */
export interface AlertRecord {
  seq: number;
  at: string;
  type: string;
  code: string | null;
  caseId: string | null;
  reviewedBy: string | null;
  reviewedAt: string | null;
}

interface Tables {
  console_users: {
    username: string;
    display_name: string;
    role: string;
    pass_hash: string;
    failed_count: number;
    locked_until: string | null;
    created_at: string;
    updated_at: string;
  };
  console_sessions: {
    id_hash: string;
    username: string;
    csrf: string;
    lang: string;
    created_at: string;
    last_seen: string;
    flash: string | null;
  };
  console_access_log: {
    seq: Generated<number>;
    at: string;
    username: string;
    display_name: string;
    role: string;
    action: string;
    case_id: string | null;
    address: string | null;
  };
  console_case_access: { case_id: string; username: string; granted_by: string; granted_at: string };
  console_alerts: {
    seq: Generated<number>;
    at: string;
    type: string;
    code: string | null;
    case_id: string | null;
    reviewed_by: string | null;
    reviewed_at: string | null;
  };
}

function toUser(r: Tables['console_users']): ConsoleUser {
  return {
    username: r.username,
    displayName: r.display_name,
    role: r.role as Role,
    passHash: r.pass_hash,
    failedCount: Number(r.failed_count),
    lockedUntil: r.locked_until,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * The console database. Open it with {@link ConsoleDatabase.open}.
 *
 * @example
 * const db = await ConsoleDatabase.open('./brygga-device/console.sqlite');
 * await db.addUser({ username: 'anna', displayName: 'Anna Andersson', role: 'coordinator', passHash, now: new Date() });
 */
export class ConsoleDatabase {
  readonly #db: Kysely<Tables>;

  private constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  /** Open (creating and migrating) the database at `path`, or `:memory:`. The file is its owner's only. */
  static async open(path: string): Promise<ConsoleDatabase> {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      closeSync(openSync(path, 'a', 0o600));
    }
    const sqlite = new BetterSqlite3(path);
    if (path !== ':memory:') {
      sqlite.pragma('journal_mode = WAL');
      // The access log must survive a crash: social services answer for who read a record.
      sqlite.pragma('synchronous = FULL');
    }
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) });
    await migrateConsole(db);
    return new ConsoleDatabase(db);
  }

  close(): Promise<void> {
    return this.#db.destroy();
  }

  // Users ---------------------------------------------------------------------------------------------

  /** Add a user; false when the name is taken. */
  async addUser(u: {
    username: string;
    displayName: string;
    role: Role;
    passHash: string;
    now: Date;
  }): Promise<boolean> {
    const at = u.now.toISOString();
    const result = await this.#db
      .insertInto('console_users')
      .values({
        username: u.username,
        display_name: u.displayName,
        role: u.role,
        pass_hash: u.passHash,
        failed_count: 0,
        locked_until: null,
        created_at: at,
        updated_at: at,
      })
      .onConflict((c) => c.column('username').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async getUser(username: string): Promise<ConsoleUser | undefined> {
    const r = await this.#db
      .selectFrom('console_users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    return r ? toUser(r) : undefined;
  }

  async listUsers(): Promise<ConsoleUser[]> {
    return (await this.#db.selectFrom('console_users').selectAll().orderBy('username').execute()).map(toUser);
  }

  /** Remove a user with their sessions and case assignments; false when there was none. */
  async removeUser(username: string): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('console_sessions').where('username', '=', username).execute();
      await tx.deleteFrom('console_case_access').where('username', '=', username).execute();
      const r = await tx.deleteFrom('console_users').where('username', '=', username).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    });
  }

  /** Set a new passphrase hash, lift any lockout and end every session of the user. */
  async setPassphrase(username: string, passHash: string, now: Date): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('console_sessions').where('username', '=', username).execute();
      const r = await tx
        .updateTable('console_users')
        .set({ pass_hash: passHash, failed_count: 0, locked_until: null, updated_at: now.toISOString() })
        .where('username', '=', username)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    });
  }

  /** Count one failed login; at `lockAfter` consecutive failures the account is locked until `lockUntil`. */
  async recordFailure(
    username: string,
    lockAfter: number,
    lockUntil: Date,
  ): Promise<{ failedCount: number; locked: boolean }> {
    return this.#db.transaction().execute(async (tx) => {
      const r = await tx
        .selectFrom('console_users')
        .select('failed_count')
        .where('username', '=', username)
        .executeTakeFirst();
      if (!r) return { failedCount: 0, locked: false };
      const failedCount = Number(r.failed_count) + 1;
      const locked = failedCount >= lockAfter;
      await tx
        .updateTable('console_users')
        .set({ failed_count: failedCount, ...(locked ? { locked_until: lockUntil.toISOString() } : {}) })
        .where('username', '=', username)
        .execute();
      return { failedCount, locked };
    });
  }

  /** A successful login: the failure count starts again. */
  async clearFailures(username: string): Promise<void> {
    await this.#db
      .updateTable('console_users')
      .set({ failed_count: 0, locked_until: null })
      .where('username', '=', username)
      .execute();
  }

  // Sessions ------------------------------------------------------------------------------------------

  async createSession(s: Omit<SessionRecord, 'flash'>): Promise<void> {
    await this.#db
      .insertInto('console_sessions')
      .values({
        id_hash: s.idHash,
        username: s.username,
        csrf: s.csrf,
        lang: s.lang,
        created_at: s.createdAt,
        last_seen: s.lastSeen,
        flash: null,
      })
      .execute();
  }

  async getSession(idHash: string): Promise<SessionRecord | undefined> {
    const r = await this.#db
      .selectFrom('console_sessions')
      .selectAll()
      .where('id_hash', '=', idHash)
      .executeTakeFirst();
    return r
      ? {
          idHash: r.id_hash,
          username: r.username,
          csrf: r.csrf,
          lang: r.lang,
          createdAt: r.created_at,
          lastSeen: r.last_seen,
          flash: r.flash,
        }
      : undefined;
  }

  async touchSession(idHash: string, now: Date): Promise<void> {
    await this.#db
      .updateTable('console_sessions')
      .set({ last_seen: now.toISOString() })
      .where('id_hash', '=', idHash)
      .execute();
  }

  async setSessionLang(idHash: string, lang: string): Promise<void> {
    await this.#db.updateTable('console_sessions').set({ lang }).where('id_hash', '=', idHash).execute();
  }

  /** Keep a one-time message for the session's next page. */
  async setFlash(idHash: string, flash: string | null): Promise<void> {
    await this.#db.updateTable('console_sessions').set({ flash }).where('id_hash', '=', idHash).execute();
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.#db.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
  }

  /** Delete the sessions last used before `idleBefore` or created before `createdBefore`. */
  async purgeSessions(idleBefore: Date, createdBefore: Date): Promise<void> {
    await this.#db
      .deleteFrom('console_sessions')
      .where((eb) =>
        eb.or([
          eb('last_seen', '<', idleBefore.toISOString()),
          eb('created_at', '<', createdBefore.toISOString()),
        ]),
      )
      .execute();
  }

  // The access log ------------------------------------------------------------------------------------

  async logAccess(a: Omit<AccessRecord, 'seq'>): Promise<void> {
    await this.#db
      .insertInto('console_access_log')
      .values({
        at: a.at,
        username: a.username,
        display_name: a.displayName,
        role: a.role,
        action: a.action,
        case_id: a.caseId,
        address: a.address,
      })
      .execute();
  }

  /** Access log lines, newest first; only those of `caseId` when given. */
  async listAccess(filter: { caseId?: string; limit?: number } = {}): Promise<AccessRecord[]> {
    let q = this.#db.selectFrom('console_access_log').selectAll().orderBy('seq', 'desc');
    if (filter.caseId !== undefined) q = q.where('case_id', '=', filter.caseId);
    if (filter.limit !== undefined) q = q.limit(filter.limit);
    return (await q.execute()).map((r) => ({
      seq: Number(r.seq),
      at: r.at,
      username: r.username,
      displayName: r.display_name,
      role: r.role as Role,
      action: r.action,
      caseId: r.case_id,
      address: r.address,
    }));
  }

  // Case assignments ----------------------------------------------------------------------------------

  async assign(caseId: string, username: string, grantedBy: string, now: Date): Promise<void> {
    await this.#db
      .insertInto('console_case_access')
      .values({ case_id: caseId, username, granted_by: grantedBy, granted_at: now.toISOString() })
      .onConflict((c) => c.columns(['case_id', 'username']).doNothing())
      .execute();
  }

  async unassign(caseId: string, username: string): Promise<void> {
    await this.#db
      .deleteFrom('console_case_access')
      .where('case_id', '=', caseId)
      .where('username', '=', username)
      .execute();
  }

  /** The users each case is assigned to (cases without any are absent). */
  async assignments(): Promise<Map<string, string[]>> {
    const rows = await this.#db.selectFrom('console_case_access').selectAll().orderBy('username').execute();
    const map = new Map<string, string[]>();
    for (const r of rows) map.set(r.case_id, [...(map.get(r.case_id) ?? []), r.username]);
    return map;
  }

  async assignees(caseId: string): Promise<string[]> {
    return (
      await this.#db
        .selectFrom('console_case_access')
        .select('username')
        .where('case_id', '=', caseId)
        .orderBy('username')
        .execute()
    ).map((r) => r.username);
  }

  // Alerts --------------------------------------------------------------------------------------------

  async addAlert(a: { at: string; type: string; code: string | null; caseId: string | null }): Promise<void> {
    await this.#db
      .insertInto('console_alerts')
      .values({
        at: a.at,
        type: a.type,
        code: a.code,
        case_id: a.caseId,
        reviewed_by: null,
        reviewed_at: null,
      })
      .execute();
  }

  /** Alerts, newest first; only those nobody reviewed yet with `open`. */
  async listAlerts(filter: { open?: boolean } = {}): Promise<AlertRecord[]> {
    let q = this.#db.selectFrom('console_alerts').selectAll().orderBy('seq', 'desc');
    if (filter.open) q = q.where('reviewed_at', 'is', null);
    return (await q.execute()).map((r) => ({
      seq: Number(r.seq),
      at: r.at,
      type: r.type,
      code: r.code,
      caseId: r.case_id,
      reviewedBy: r.reviewed_by,
      reviewedAt: r.reviewed_at,
    }));
  }

  async reviewAlert(seq: number, by: string, now: Date): Promise<void> {
    await this.#db
      .updateTable('console_alerts')
      .set({ reviewed_by: by, reviewed_at: now.toISOString() })
      .where('seq', '=', seq)
      .where('reviewed_at', 'is', null)
      .execute();
  }
}
