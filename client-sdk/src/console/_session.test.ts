import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { ConsoleConfig, ConsoleDeps, ConsoleEnv } from './_context.js';
import { csrfGuard, LoginChecker, requireUser, sessionLayer, startSession } from './_session.js';
import { ConsoleDatabase } from './console-database.js';
import { hashPassphrase } from './passphrase-hash.js';

const CONFIG: ConsoleConfig = {
  origins: ['http://127.0.0.1:8788'],
  hosts: ['127.0.0.1:8788'],
  secure: false,
  idleMs: 20 * 60_000,
  maxSessionMs: 12 * 3600_000,
  lockAfter: 3,
  lockMs: 15 * 60_000,
};

/** The session layer on a real (in-memory) console database, with a clock the test moves. */
async function setup() {
  const db = await ConsoleDatabase.open(':memory:');
  const clock = { now: Date.parse('2026-03-02T09:00:00Z') };
  const deps = {
    db,
    config: CONFIG,
    now: () => new Date(clock.now),
    drafts: new Map(),
  } as unknown as ConsoleDeps;
  await db.addUser({
    username: 'anna',
    displayName: 'Anna',
    role: 'coordinator',
    passHash: await hashPassphrase('rätt lösenfras', { logN: 10, r: 8, p: 1 }),
    now: deps.now(),
  });
  const app = new Hono<ConsoleEnv>();
  app.use(sessionLayer(deps));
  app.use(csrfGuard());
  app.post('/test-login', async (c) => {
    await startSession(c, deps, (await db.getUser('anna'))!);
    return c.text('in');
  });
  app.use(requireUser());
  app.get('/', (c) => c.text(`hej ${c.get('user')!.username} ${c.get('csrf')}`));
  app.post('/', (c) => c.text('ändrat'));
  return { db, clock, deps, app };
}

function cookies(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

describe('sessions and CSRF', () => {
  it('checks the CSRF token of every state change, before and after login', async () => {
    const { app } = await setup();
    const first = await app.request('/');
    expect(first.status).toBe(303);
    const loginCookie = cookies(first);
    const loginToken = /brygga-login=([^;]+)/.exec(loginCookie)![1]!;
    expect(
      (
        await app.request('/test-login', {
          ...form({}),
          headers: { ...form({}).headers, cookie: loginCookie },
        })
      ).status,
    ).toBe(403);
    const login = await app.request('/test-login', {
      ...form({ _csrf: loginToken }),
      headers: { ...form({}).headers, cookie: loginCookie },
    });
    expect(login.status).toBe(200);
    const session = cookies(login);
    expect(session).toMatch(/brygga-session=/);
    expect(login.headers.getSetCookie().join('\n')).toMatch(
      /brygga-session=[^;]+; Path=\/; HttpOnly; SameSite=Strict/,
    );
    const page = await (await app.request('/', { headers: { cookie: session } })).text();
    const [, , csrf] = page.split(' ');
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrf).not.toBe(loginToken);
    const headers = { ...form({}).headers, cookie: session };
    expect((await app.request('/', { ...form({}), headers })).status).toBe(403);
    expect((await app.request('/', { ...form({ _csrf: loginToken }), headers })).status).toBe(403);
    expect((await app.request('/', { ...form({ _csrf: csrf! }), headers })).status).toBe(200);
    expect(
      (
        await app.request('/', {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(415);
  });

  it('ends a session left idle, and keeps one in use', async () => {
    const { app, clock } = await setup();
    const first = await app.request('/');
    const loginCookie = cookies(first);
    const token = /brygga-login=([^;]+)/.exec(loginCookie)![1]!;
    const login = await app.request('/test-login', {
      ...form({ _csrf: token }),
      headers: { ...form({}).headers, cookie: loginCookie },
    });
    const session = cookies(login);
    clock.now += 19 * 60_000;
    expect((await app.request('/', { headers: { cookie: session } })).status).toBe(200);
    clock.now += 19 * 60_000;
    expect((await app.request('/', { headers: { cookie: session } })).status).toBe(200);
    // A live refresh of an open page does not count as the user being there.
    clock.now += 15 * 60_000;
    expect((await app.request('/', { headers: { cookie: session, 'x-brygga-live': '1' } })).status).toBe(200);
    clock.now += 6 * 60_000;
    const expired = await app.request('/', { headers: { cookie: session } });
    expect(expired.status).toBe(303);
    expect(expired.headers.get('location')).toBe('/logga-in?utloggad=inaktiv');
    expect((await app.request('/', { headers: { cookie: session } })).headers.get('location')).toBe(
      '/logga-in',
    );
  });
});

describe('logins', () => {
  it('slows each failure down, locks after the limit, and treats unknown names the same', async () => {
    const { deps, clock } = await setup();
    const waits: number[] = [];
    const checker = new LoginChecker(deps, async (ms) => {
      waits.push(ms);
    });
    expect(await checker.check('anna', 'fel')).toEqual({ ok: false, locked: false });
    expect(await checker.check('ANNA ', 'fel igen')).toEqual({ ok: false, locked: false });
    expect(await checker.check('anna', 'fel en tredje gång')).toEqual({ ok: false, locked: true });
    expect(waits).toEqual([250, 500, 1000]);
    // Locked: even the right passphrase is refused, without being checked.
    expect(await checker.check('anna', 'rätt lösenfras')).toEqual({ ok: false, locked: true });
    clock.now += 16 * 60_000;
    const ok = await checker.check('anna', 'rätt lösenfras');
    expect(ok.ok).toBe(true);
    expect((await deps.db.getUser('anna'))?.failedCount).toBe(0);

    for (let i = 0; i < 3; i++) await checker.check('ingen', 'x');
    expect(await checker.check('ingen', 'x')).toEqual({ ok: false, locked: true });
    expect(waits.slice(3)).toEqual([250, 500, 1000]);
  });
});
