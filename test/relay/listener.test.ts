/**
 * The relay as `startRelay` runs it, over real sockets: what it reads at start (the agreement file,
 * PROTOCOL.md §1.1) and what Node's HTTP server answers before the application sees a request (README,
 * configuration).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, Logger, type RelayConfig, type RunningRelay, startRelay } from '@brygga/server';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRelayWorld } from '../support/relay.js';

const silent = new Logger({ level: 'silent' });

function config(overrides: Partial<RelayConfig> = {}): RelayConfig {
  return { ...DEFAULT_CONFIG, port: 0, database: ':memory:', logLevel: 'silent', ...overrides };
}

describe('the agreement file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function file(text: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'brygga-agreement-'));
    dirs.push(dir);
    const path = join(dir, 'agreement.json');
    writeFileSync(path, text);
    return path;
  }

  it('is read as Brygga JSON: a duplicate member refuses the start, the same document once is installed', async () => {
    const world = makeRelayWorld();
    const doc = JSON.parse(world.agreement.serialize()) as { payload: string; signatures: unknown[] };
    const twice = `{"payload":"AAAA","signatures":[],"payload":${JSON.stringify(doc.payload)},"signatures":${JSON.stringify(doc.signatures)}}`;
    await expect(startRelay(config({ agreementFile: file(twice) }), { logger: silent })).rejects.toThrow(
      /duplicate member name/,
    );
    const relay: RunningRelay = await startRelay(
      config({ agreementFile: file(world.agreement.serialize()) }),
      {
        logger: silent,
      },
    );
    try {
      expect((await relay.directory.require()).agreement.digest).toBe(world.agreement.digest);
    } finally {
      await relay.close();
    }
  });
});

/** Send `data` (pieces written `gapMs` apart) on a raw socket; resolves with all it got back once closed. */
function raw(port: number, pieces: string[], gapMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.on('connect', () => {
      let i = 0;
      const next = () => {
        if (i >= pieces.length || socket.destroyed) return;
        socket.write(pieces[i++]!);
        timer = setTimeout(next, gapMs);
      };
      next();
    });
    socket.setTimeout(20_000, () => {
      socket.destroy();
      reject(new Error(`the relay kept the connection open; got: ${Buffer.concat(chunks).toString('utf8')}`));
    });
  });
}

/** Status and problem document of a raw answer (which must be problem+json, and close the connection). */
function answer(text: string): { status: number; type: string; headers: string } {
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split);
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1]);
  expect(head.toLowerCase()).toContain('content-type: application/problem+json');
  expect(head.toLowerCase()).toContain('connection: close');
  const document = JSON.parse(text.slice(split + 4)) as { type: string; status: number };
  expect(document.status).toBe(status);
  return { status, type: document.type.replace('urn:brygga:problem:', ''), headers: head };
}

describe("Node's own refusals, over a raw socket", () => {
  let relay: RunningRelay | undefined;
  afterEach(async () => {
    await relay?.close();
    relay = undefined;
  });

  it('answers unreadable requests, smuggling framings and header overflow as problems, and closes', async () => {
    relay = await startRelay(config(), { logger: silent });
    const { port } = relay;
    const cases: [string, string, number, string][] = [
      ['a malformed request line', 'GARBAGE\r\n\r\n', 400, 'malformed'],
      ['a request line with a bad version', 'GET /v1/health HTTP/9.x\r\nHost: x\r\n\r\n', 400, 'malformed'],
      [
        'a header without a colon',
        'GET /v1/health HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n',
        400,
        'malformed',
      ],
      [
        'Content-Length with Transfer-Encoding',
        'POST /v1/directory/statements HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        400,
        'malformed',
      ],
      [
        'two different Content-Lengths',
        'POST /v1/directory/statements HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
        400,
        'malformed',
      ],
      [
        'a transfer coding that is not chunked last',
        'POST /v1/directory/statements HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
        400,
        'malformed',
      ],
      ['no Host', 'GET /v1/health HTTP/1.1\r\n\r\n', 400, 'malformed'],
      ['a Host with a space', 'GET /v1/health HTTP/1.1\r\nHost: a b\r\n\r\n', 400, 'malformed'],
      ['an unclosed IPv6 Host', 'GET /v1/health HTTP/1.1\r\nHost: [::1\r\n\r\n', 400, 'malformed'],
      ['two Hosts', 'GET /v1/health HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n', 400, 'malformed'],
      [
        'headers over the limit',
        `GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(20_000)}\r\n\r\n`,
        431,
        'headers-too-large',
      ],
    ];
    for (const [what, request, status, type] of cases) {
      const got = answer(await raw(port, [request]));
      expect({ what, status: got.status, type: got.type }).toEqual({ what, status, type });
    }
    // A good request on a fresh connection is answered as before.
    for (const host of ['x', '127.0.0.1:8787', '[::1]:8787', 'brygga.example.se']) {
      expect(
        await raw(port, [`GET /v1/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`]),
      ).toMatch(/^HTTP\/1\.1 200 /);
    }
  });

  it('cuts off a client that dribbles its headers, or stops half-way through a body', async () => {
    relay = await startRelay(config({ headersTimeoutSeconds: 1, requestTimeoutSeconds: 2 }), {
      logger: silent,
    });
    const { port } = relay;
    // One header byte every 200 ms: never done, never idle.
    const dribble = ['GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ', ...'a'.repeat(200)];
    expect(answer(await raw(port, dribble, 200))).toMatchObject({ status: 408, type: 'request-timeout' });
    // A body that promises 100 bytes and sends 10.
    const halfway = [
      'POST /v1/directory/statements HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n',
      '{"jws":"ab',
    ];
    expect(answer(await raw(port, halfway))).toMatchObject({ status: 408, type: 'request-timeout' });
  }, 30_000);
});
