/**
 * The reference point of the relay benchmark: a bare Hono "hello world" on @hono/node-server, started
 * the same way as the relay (a child process on a free loopback port, readiness line on stdout).
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.get('/', (c) => c.text('Hello Hono!'));
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
  console.log(JSON.stringify({ msg: 'listening', port: info.port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
