/**
 * A misbehaving relay for the key transparency tests (PROTOCOL.md §19): a small HTTP server on
 * 127.0.0.1 in front of one or more real relays. It forwards every request to the relay `route` picks
 * (by default the first) and lets a test answer a request itself (`intercept`) or change the real
 * relay's answer (`tamper`): what a compromised relay could do, with real relays behind it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the proxy saw it. */
export interface ProxiedRequest {
  method: string;
  /** Path and query, e.g. `/v1/log/proof/inclusion?leaf=…&size=9`. */
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  /** The device kid of the request's token, when it carries one. */
  device: string | undefined;
}

/** An answer, the real relay's or the proxy's own. */
export interface ProxiedResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A running proxy. Its hooks can be changed while it runs. */
export interface LogProxy {
  url: string;
  /** Which upstream (base URL) serves a request. */
  route: (req: ProxiedRequest) => string;
  /** Answer a request without the relay (undefined: forward it). */
  intercept: (req: ProxiedRequest) => ProxiedResponse | undefined | Promise<ProxiedResponse | undefined>;
  /** Change the relay's answer (undefined: pass it on). */
  tamper: (req: ProxiedRequest, res: ProxiedResponse) => ProxiedResponse | undefined;
  close(): Promise<void>;
}

/** The device kid in a request's bearer token (its JOSE header), without verifying anything. */
function deviceOf(authorization: string | undefined): string | undefined {
  const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
  const header = token?.split('.')[0];
  if (!header) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof parsed.kid === 'string' ? parsed.kid : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/** A JSON answer. */
export function jsonResponse(status: number, value: unknown): ProxiedResponse {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: new TextEncoder().encode(JSON.stringify(value)),
  };
}

/** The body of an answer as JSON. */
export function jsonOf<T>(res: ProxiedResponse): T {
  return JSON.parse(new TextDecoder().decode(res.body)) as T;
}

/** Start a proxy in front of `upstreams` (base URLs; the first serves everything unless routed). */
export async function startLogProxy(upstreams: readonly string[]): Promise<LogProxy> {
  const proxy: LogProxy = {
    url: '',
    route: () => upstreams[0]!,
    intercept: () => undefined,
    tamper: () => undefined,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && k !== 'host' && k !== 'connection' && k !== 'content-length')
          headers[k] = v;
      }
      const request: ProxiedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers,
        body: await readBody(req),
        device: deviceOf(headers.authorization),
      };
      let answer = await proxy.intercept(request);
      if (!answer) {
        const upstream = await fetch(`${proxy.route(request)}${request.path}`, {
          method: request.method,
          headers,
          ...(request.body.length > 0 ? { body: request.body as Uint8Array<ArrayBuffer> } : {}),
        });
        const out: Record<string, string> = {};
        upstream.headers.forEach((v, k) => {
          if (
            k !== 'content-length' &&
            k !== 'transfer-encoding' &&
            k !== 'connection' &&
            k !== 'content-encoding'
          )
            out[k] = v;
        });
        const relayed: ProxiedResponse = {
          status: upstream.status,
          headers: out,
          body: new Uint8Array(await upstream.arrayBuffer()),
        };
        answer = proxy.tamper(request, relayed) ?? relayed;
      }
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
      res.end(answer.body);
    })().catch((err: unknown) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  proxy.url = `http://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
