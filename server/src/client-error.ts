/**
 * Node's own refusals as problem documents (PROTOCOL.md §9.1). Before a request reaches the application,
 * Node's HTTP parser refuses what it cannot read: a malformed request line, a bad Host, request-smuggling
 * framings (Content-Length with Transfer-Encoding, two Content-Lengths), headers over its limit, and
 * requests whose headers or body stop arriving (`headersTimeout`, `requestTimeout`). Node's default answer
 * is a bare status line; this handler answers `application/problem+json` from the one error table
 * instead (`ERR_MALFORMED` 400, `ERR_HEADERS_TOO_LARGE` 431, `ERR_REQUEST_TIMEOUT` 408), when the socket
 * can still be written and no answer has begun on it, and then closes the connection: after a framing
 * error nothing else on it can be trusted.
 *
 * The Host header is judged here too (RFC 9112 §3.2: exactly one, a valid `host[:port]`), before the
 * application builds the request's URL from it: a missing, repeated or unreadable Host is a 400 problem
 * and the connection is closed (Node's own check would answer a bare 400).
 */
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { BryggaError, type ErrorCode } from '@brygga/client-sdk';
import { problemDocument } from './problem.js';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** The refusal for one of Node's client errors (its `code`: `HPE_*` from llhttp, or Node's own). */
function refusalOf(code: string | undefined): BryggaError {
  let errorCode: ErrorCode = 'ERR_MALFORMED';
  let detail = 'the request cannot be read as HTTP/1.1';
  if (code === 'HPE_HEADER_OVERFLOW') {
    errorCode = 'ERR_HEADERS_TOO_LARGE';
    detail = 'the request line and headers are too large';
  } else if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'HPE_HEADERS_TIMEOUT') {
    errorCode = 'ERR_REQUEST_TIMEOUT';
    detail = 'the request did not arrive in time';
  } else if (code === 'HPE_UNEXPECTED_CONTENT_LENGTH' || code === 'HPE_INVALID_TRANSFER_ENCODING') {
    detail = 'the request is framed ambiguously (Content-Length and Transfer-Encoding)';
  }
  return new BryggaError(errorCode, detail);
}

/** Whether an answer has begun on `socket` (then nothing more may be written to it). */
function answering(socket: Socket): boolean {
  const message = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  return message?.headersSent === true;
}

/**
 * Install the handler on `server`.
 *
 * @example const server = serve({ fetch: app.fetch, port }); answerClientErrors(server);
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable || answering(socket)) {
      socket.destroy();
      return;
    }
    const document = problemDocument(refusalOf(err.code));
    const body = JSON.stringify(document);
    socket.end(
      `HTTP/1.1 ${document.status} ${REASONS[document.status]}\r\n` +
        'Content-Type: application/problem+json\r\n' +
        'Cache-Control: no-store\r\n' +
        'X-Content-Type-Options: nosniff\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}

/** `host[:port]` (RFC 3986 §3.2.2): a registered name or IPv4 address, or an IPv6 literal in brackets. */
const HOST_PATTERN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** Whether `request` has exactly one Host header, and a valid one. */
function validHost(request: IncomingMessage): boolean {
  let count = 0;
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') count++;
  return count === 1 && HOST_PATTERN.test(request.headers.host ?? '');
}

function refuseHost(response: ServerResponse): void {
  const body = JSON.stringify(
    problemDocument(new BryggaError('ERR_MALFORMED', 'the request must have one valid Host header')),
  );
  response.writeHead(400, {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  response.end(body);
}

/**
 * `node:http`'s `createServer` with the Host check in front of `listener` (Node's own check, which
 * answers a bare 400, is turned off in favour of it), for @hono/node-server's `createServer` option.
 */
export const createCheckedServer = ((options: ServerOptions, listener: RequestListener): Server =>
  createServer({ ...options, requireHostHeader: false }, (request, response) => {
    if (validHost(request)) listener(request, response);
    else refuseHost(response);
  })) as typeof createServer;
