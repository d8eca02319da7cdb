/**
 * A reference point of the relay benchmark: a plain Hono route on better-sqlite3 that stores each
 * request body in its own `synchronous=FULL` transaction (WAL), as an application would without group
 * commit, a writer thread, tokens or a log. Started like the relay (a child process on a free loopback
 * port, readiness line on stdout); the database file is `BENCH_PLAIN_DATABASE`.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import BetterSqlite3 from 'better-sqlite3';
import { Hono } from 'hono';

const db = new BetterSqlite3(process.env.BENCH_PLAIN_DATABASE ?? ':memory:');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(
  'create table if not exists bodies (id text primary key, body blob not null, received_at integer not null)',
);
const insert = db.prepare('insert into bodies (id, body, received_at) values (?, ?, ?)');

const app = new Hono();
app.post('/bodies', async (c) => {
  const body = Buffer.from(await c.req.arrayBuffer());
  const id = randomUUID();
  // better-sqlite3 runs a lone statement in its own transaction: one commit, one fsync, per request.
  insert.run(id, body, Date.now());
  return c.json({ id }, 201);
});
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
  console.log(JSON.stringify({ msg: 'listening', port: info.port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
