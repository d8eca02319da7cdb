/**
 * The relay benchmark's load generator: HTTP/1.1 over keep-alive loopback connections, each request
 * written as bytes prepared before the clock starts and each answer read just far enough to know its
 * status and where it ends.
 *
 * Why not node:http: the generator shares the machine's two cores with the server it measures, and
 * node:http's client spent 0.16 ms of CPU on each 4 KiB submission (0.055 ms on a hello-world GET), as
 * much as a fifth of the relay's own cost. That charge fell unevenly on the two servers compared, so a
 * lean generator measures them, not itself. It understands only what the servers measured send: a
 * status line, headers, and a body framed by Content-Length or chunked encoding.
 */
import net from 'node:net';

/** What a load run counted. */
export interface LoadResult {
  /** Answers with the expected status. */
  requests: number;
  perSecond: number;
  /** Other answers and failed connections. */
  errors: number;
  /** The first unexpected answer's status line, to say what went wrong. */
  firstError?: string;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** The bytes of one request: request line, headers (with Host and Content-Length) and body. */
export function requestBytes(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', 'connection: keep-alive'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body) lines.push(`content-length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}

/** Where the answer at the start of `buf` ends, and its status; undefined while it is incomplete. */
function parseAnswer(buf: Buffer): { end: number; status: number; statusLine: string } | undefined {
  const headEnd = buf.indexOf(CRLF2);
  if (headEnd < 0) return undefined;
  const head = buf.toString('latin1', 0, headEnd);
  const nl = head.indexOf('\r\n');
  const firstLine = nl < 0 ? head : head.slice(0, nl);
  const status = Number(firstLine.slice(9, 12));
  const bodyStart = headEnd + 4;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) {
    const end = bodyStart + Number(length[1]);
    return end <= buf.length ? { end, status, statusLine: firstLine } : undefined;
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    let at = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = Number.parseInt(buf.toString('latin1', at, lineEnd), 16);
      if (size === 0) {
        const end = buf.indexOf(CRLF2, lineEnd);
        return end < 0 ? undefined : { end: end + 4, status, statusLine: firstLine };
      }
      at = lineEnd + 2 + size + 2;
      if (at > buf.length) return undefined;
    }
  }
  // No body (204, 304) or a body this generator cannot frame: the answer ends with its head.
  return { end: bodyStart, status, statusLine: firstLine };
}

/**
 * Keep `concurrency` requests in flight on as many connections to 127.0.0.1:`port` for `durationMs`,
 * one at a time per connection; `next(i)` gives request i's bytes, or undefined when there are no more.
 */
export async function load(
  port: number,
  next: (i: number) => Buffer | undefined,
  expectStatus: number,
  durationMs: number,
  concurrency: number,
): Promise<LoadResult> {
  let i = 0;
  let done = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const end = start + durationMs;

  const connection = () =>
    new Promise<void>((resolve) => {
      let socket: net.Socket;
      let pending: Buffer = Buffer.alloc(0);
      let busy = false;
      const send = () => {
        const bytes = performance.now() < end ? next(i++) : undefined;
        if (!bytes) {
          socket.end();
          resolve();
          return;
        }
        busy = true;
        socket.write(bytes);
      };
      const open = () => {
        socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
        pending = Buffer.alloc(0);
        socket.on('connect', send);
        socket.on('data', (chunk: Buffer) => {
          pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
          for (;;) {
            const answer = parseAnswer(pending);
            if (!answer) return;
            pending = pending.subarray(answer.end);
            busy = false;
            if (answer.status === expectStatus) done++;
            else {
              errors++;
              firstError ??= answer.statusLine;
            }
            send();
          }
        });
        socket.on('error', () => {});
        socket.on('close', () => {
          // A connection the server closed mid-request counts as an error; go on on a new one.
          if (!busy) return;
          errors++;
          firstError ??= 'connection closed';
          busy = false;
          if (performance.now() < end) open();
          else resolve();
        });
      };
      open();
    });

  await Promise.all(Array.from({ length: concurrency }, connection));
  const elapsed = (performance.now() - start) / 1000;
  return { requests: done, perSecond: done / elapsed, errors, ...(firstError ? { firstError } : {}) };
}
