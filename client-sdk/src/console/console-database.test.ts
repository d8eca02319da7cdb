import { describe, expect, it } from 'vitest';
import { ConsoleDatabase } from './console-database.js';

const now = new Date('2026-03-02T09:00:00Z');

describe('the console database', () => {
  it('adds users once, removes them with their sessions and assignments', async () => {
    const db = await ConsoleDatabase.open(':memory:');
    const user = {
      username: 'anna',
      displayName: 'Anna Andersson',
      role: 'coordinator' as const,
      passHash: 'h',
      now,
    };
    expect(await db.addUser(user)).toBe(true);
    expect(await db.addUser({ ...user, displayName: 'Någon annan' })).toBe(false);
    expect((await db.getUser('anna'))?.displayName).toBe('Anna Andersson');
    await db.createSession({
      idHash: 's1',
      username: 'anna',
      csrf: 'c',
      lang: 'sv',
      createdAt: now.toISOString(),
      lastSeen: now.toISOString(),
    });
    await db.assign('case-1', 'anna', 'anna', now);
    expect(await db.removeUser('anna')).toBe(true);
    expect(await db.getSession('s1')).toBeUndefined();
    expect(await db.assignees('case-1')).toEqual([]);
    expect(await db.removeUser('anna')).toBe(false);
    await db.close();
  });

  it('counts failed logins and locks at the limit; a new passphrase unlocks and ends sessions', async () => {
    const db = await ConsoleDatabase.open(':memory:');
    await db.addUser({ username: 'lars', displayName: 'Lars', role: 'coordinator', passHash: 'old', now });
    const until = new Date(now.getTime() + 15 * 60_000);
    expect(await db.recordFailure('lars', 3, until)).toEqual({ failedCount: 1, locked: false });
    expect(await db.recordFailure('lars', 3, until)).toEqual({ failedCount: 2, locked: false });
    expect(await db.recordFailure('lars', 3, until)).toEqual({ failedCount: 3, locked: true });
    expect((await db.getUser('lars'))?.lockedUntil).toBe(until.toISOString());
    await db.createSession({
      idHash: 's',
      username: 'lars',
      csrf: 'c',
      lang: 'sv',
      createdAt: now.toISOString(),
      lastSeen: now.toISOString(),
    });
    expect(await db.setPassphrase('lars', 'new', now)).toBe(true);
    const lars = await db.getUser('lars');
    expect(lars).toMatchObject({ passHash: 'new', failedCount: 0, lockedUntil: null });
    expect(await db.getSession('s')).toBeUndefined();
    await db.close();
  });

  it('purges idle and old sessions, and keeps one-time messages until taken', async () => {
    const db = await ConsoleDatabase.open(':memory:');
    const at = (m: number) => new Date(now.getTime() + m * 60_000).toISOString();
    await db.createSession({
      idHash: 'idle',
      username: 'a',
      csrf: 'c',
      lang: 'sv',
      createdAt: at(0),
      lastSeen: at(0),
    });
    await db.createSession({
      idHash: 'active',
      username: 'a',
      csrf: 'c',
      lang: 'sv',
      createdAt: at(0),
      lastSeen: at(30),
    });
    await db.setFlash('active', 'Klart.');
    expect((await db.getSession('active'))?.flash).toBe('Klart.');
    await db.purgeSessions(new Date(at(20)), new Date(at(-60)));
    expect(await db.getSession('idle')).toBeUndefined();
    expect(await db.getSession('active')).toBeDefined();
    await db.purgeSessions(new Date(at(0)), new Date(at(1)));
    expect(await db.getSession('active')).toBeUndefined();
    await db.close();
  });

  it('keeps the access log newest first, per case when asked, with name and role copied', async () => {
    const db = await ConsoleDatabase.open(':memory:');
    const line = { username: 'mona', displayName: 'Mona', role: 'coordinator' as const, address: null };
    await db.logAccess({ ...line, at: now.toISOString(), action: 'login', caseId: null });
    await db.logAccess({ ...line, at: now.toISOString(), action: 'case.view', caseId: 'A' });
    await db.logAccess({ ...line, at: now.toISOString(), action: 'case.view', caseId: 'B' });
    expect((await db.listAccess()).map((r) => r.caseId)).toEqual(['B', 'A', null]);
    expect((await db.listAccess({ caseId: 'A' })).map((r) => [r.action, r.displayName])).toEqual([
      ['case.view', 'Mona'],
    ]);
    expect(await db.listAccess({ limit: 1 })).toHaveLength(1);
    await db.close();
  });

  it('keeps alerts until a person reviews them', async () => {
    const db = await ConsoleDatabase.open(':memory:');
    await db.addAlert({ at: now.toISOString(), type: 'log.alert', code: 'ERR_LOG_ROLLBACK', caseId: null });
    const [alert] = await db.listAlerts({ open: true });
    expect(alert).toMatchObject({ type: 'log.alert', code: 'ERR_LOG_ROLLBACK', reviewedBy: null });
    await db.reviewAlert(alert!.seq, 'leo', now);
    expect(await db.listAlerts({ open: true })).toEqual([]);
    expect((await db.listAlerts())[0]?.reviewedBy).toBe('leo');
    await db.close();
  });
});
