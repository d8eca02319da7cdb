/**
 * A TCP proxy in front of a relay that closes idle keep-alive connections the way a server (or a load
 * balancer) does when its idle timeout passes while a request is already on its way: the client still
 * holds the connection in its pool, writes its next request on it, and the connection is closed under it
 * (a FIN; undici reports `UND_ERR_SOCKET`, "other side closed"). With `forward`, the request reaches the
 * relay first and only the answer is lost, as when the relay closed after reading it.
 */

import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A running proxy. */
export interface ClosingProxy {
  url: string;
  /** Connections closed under a request so far. */
  closed: number;
  /** Close a connection idle for longer than this (milliseconds) when its next request arrives. */
  idleMs: number;
  /** Let that request reach the relay and drop only the answer. */
  forward: boolean;
  close(): Promise<void>;
}

/** Start a proxy on 127.0.0.1 in front of `target` (`http://host:port`). */
export async function startClosingProxy(target: string, idleMs: number): Promise<ClosingProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: ClosingProxy = {
    url: '',
    closed: 0,
    idleMs,
    forward: false,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let last = Date.now();
    let exchanged = false;
    let doomed = false;
    const drop = () => {
      client.end();
      client.destroySoon();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (!doomed && exchanged && Date.now() - last > proxy.idleMs) {
        doomed = true;
        proxy.closed++;
        if (!proxy.forward) return drop();
      }
      last = Date.now();
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (doomed) return drop();
      exchanged = true;
      last = Date.now();
      client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
