/**
 * Drive the real `brygga` binary (client-sdk/bin/brygga.js) as a child process, the way an
 * administrator or a script would, in a working directory of its own.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  encodeLogEntries,
  encodeLogEntryHeader,
  LEAF_KIND_NAMES,
  LEAF_KINDS,
  LOG_ENTRIES_MEDIA_TYPE,
  LogEntryReader,
  type LogEntryRecord,
} from '@brygga/client-sdk';

const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'client-sdk', 'bin', 'brygga.js');

/** The outcome of one run. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json` runs). */
  json<T = Record<string, unknown>>(): T;
}

/**
 * Run `brygga …args` in `cwd` with `env` on top of a minimal environment (no inherited secrets). With
 * `input`, standard input is a pipe holding it (answers to questions); without, it is empty.
 */
export function brygga(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
  options: { input?: string } = {},
): CliRun {
  const run = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    ...(options.input === undefined ? {} : { input: options.input }),
    timeout: 60_000,
  });
  return {
    status: run.status,
    stdout: run.stdout,
    stderr: run.stderr,
    json: <T>() => JSON.parse(run.stdout) as T,
  };
}

/**
 * {@link brygga} without blocking the test's event loop, for runs against a server the test itself
 * serves (a synchronous run would leave it unable to answer).
 */
export function bryggaAsync(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) =>
      resolve({ status, stdout, stderr, json: <T>() => JSON.parse(stdout) as T }),
    );
  });
}

/** Write `value` as JSON to `dir/name` and give the path. */
export function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value, null, 2));
  return path;
}

/** The date `days` from today (the relay runs on the real clock), as YYYY-MM-DD. */
export function day(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** An entry as a JSON page lists it (PROTOCOL.md §18.5), the form `tamperingProxy` hands to `tamper`. */
type EntryAsJson = Record<string, unknown>;

/**
 * `tamper` applied to each record of an entry stream (PROTOCOL.md §18.5), through the entries' JSON
 * form: the stream decoded, each record turned into what a JSON page would list, changed, and encoded
 * back.
 */
function tamperStream(body: Buffer, tamper: (entry: EntryAsJson) => void): Buffer {
  const records: LogEntryRecord[] = [];
  const reader = new LogEntryReader((leafData, data) => {
    const kind = LEAF_KIND_NAMES[leafData[0]!]!;
    const entry: EntryAsJson = {
      index: reader.header!.start + records.length,
      kind,
      hash: Buffer.from(leafData.subarray(1)).toString('base64url'),
    };
    if (data) {
      const text = Buffer.from(data).toString('utf8');
      entry.jws = kind === 'statement' ? text : JSON.parse(text);
    }
    tamper(entry);
    const jws = entry.jws;
    records.push({
      kind: LEAF_KINDS[entry.kind as keyof typeof LEAF_KINDS],
      hash: Buffer.from(entry.hash as string, 'base64url'),
      ...(jws === undefined
        ? {}
        : { data: Buffer.from(typeof jws === 'string' ? jws : JSON.stringify(jws), 'utf8') }),
    });
  });
  reader.push(body);
  reader.end();
  const header = { ...reader.header!, count: records.length };
  return Buffer.concat([encodeLogEntryHeader(header), encodeLogEntries(records)]);
}

/**
 * A relay in front of the relay that alters what `GET /v1/log/entries` serves, as a JSON page or as the
 * entry stream: `tamper` is called with each entry (in its JSON form) and changes it in place.
 * Everything else passes through unchanged, the device token included, so a CLI pointed at it with
 * `--relay` sees a relay whose log lies. `options.stream` then changes an entry stream's bytes as well.
 */
export async function tamperingProxy(
  target: string,
  tamper: (entry: EntryAsJson) => void,
  options: { stream?: (body: Buffer) => Buffer } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    void (async () => {
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'accept']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const upstream = await fetch(new URL(req.url ?? '/', target), { method: req.method ?? 'GET', headers });
      let body: Buffer = Buffer.from(await upstream.arrayBuffer());
      const type = upstream.headers.get('content-type') ?? '';
      if (upstream.ok && req.url?.startsWith('/v1/log/entries')) {
        if (type.startsWith(LOG_ENTRIES_MEDIA_TYPE)) {
          body = tamperStream(body, tamper);
          if (options.stream) body = options.stream(body);
        } else {
          const page = JSON.parse(body.toString('utf8')) as { entries: EntryAsJson[] };
          for (const entry of page.entries) tamper(entry);
          body = Buffer.from(JSON.stringify(page));
        }
      }
      res.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
      });
      res.end(body);
    })().catch(() => {
      res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
