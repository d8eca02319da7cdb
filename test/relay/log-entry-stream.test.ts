/**
 * The log's entry stream (PROTOCOL.md §18.5), the bulk form of `GET /v1/log/entries`, on both engines:
 * it carries the same entries as the JSON pages (kind, hash, statement, agreement document) from any
 * start, with the header the spec describes; past the end it carries none; bad ranges are 400 problems
 * in either form; a stream the relay cannot finish breaks off instead of ending.
 */
import {
  fromBase64url,
  LOG_ENTRIES_MEDIA_TYPE,
  LogEntryReader,
  type LogEntryStreamHeader,
  type RelayClient,
} from '@brygga/client-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { makeEnvelope, problemOf, startTestRelay, submit, type TestRelay } from '../support/relay.js';

const KIND_NAMES = { 1: 'agreement', 2: 'statement', 3: 'envelope' } as const;

/** Entries as both forms can say them: index, kind, hash (hex) and what the leaf names. */
interface Seen {
  index: number;
  kind: string;
  hash: string;
  jws?: unknown;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function streamed(
  client: RelayClient,
  start: number,
  limit?: number,
): Promise<{ header: LogEntryStreamHeader; entries: Seen[] }> {
  const entries: Seen[] = [];
  const reader = new LogEntryReader((leafData, data) => {
    const kind = KIND_NAMES[leafData[0] as 1 | 2 | 3];
    const text = data && new TextDecoder().decode(data);
    entries.push({
      index: start + entries.length,
      kind,
      hash: hex(leafData.subarray(1)),
      ...(text === undefined ? {} : { jws: kind === 'agreement' ? JSON.parse(text) : text }),
    });
  });
  for await (const chunk of await client.logEntryStream(start, limit)) reader.push(chunk);
  return { header: reader.end(), entries };
}

async function paged(client: RelayClient, start: number): Promise<Seen[]> {
  const out: Seen[] = [];
  for (;;) {
    const page = await client.logEntries(start + out.length, 1000);
    if (page.entries.length === 0) return out;
    for (const e of page.entries) {
      out.push({
        index: e.index,
        kind: e.kind,
        hash: hex(e.hash),
        ...(e.jws === undefined ? {} : { jws: e.jws }),
      });
    }
  }
}

describe.each(ENGINES)('the log entry stream on %s', (engine) => {
  let relay: TestRelay;
  beforeEach(async () => {
    relay = await startTestRelay(engine, { log: { mergeDelayMs: 60_000 } });
  });
  afterEach(async () => {
    await relay?.close();
  });

  it('carries the entries of the JSON pages, from any start, with the header of §18.5', async () => {
    const { malmo } = relay.world.devices;
    const stockholm = relay.world.devices['stockholm-jarva'];
    for (let i = 0; i < 5; i++) {
      relay.clock.advance(1000);
      expect((await submit(relay, stockholm, makeEnvelope(stockholm, [malmo]))).status).toBe(201);
    }
    const size = await relay.transparency.flush();
    const client = relay.client(malmo);
    const json = await paged(client, 0);
    expect(json.length).toBe(size);
    expect(json.map((e) => e.kind)).toEqual([
      'agreement',
      ...relay.world.statements.map(() => 'statement'),
      ...Array(5).fill('envelope'),
    ]);
    expect(json[0]!.hash).toBe(hex(fromBase64url(relay.world.agreement.digest)));

    const all = await streamed(client, 0);
    expect(all.header).toEqual({ start: 0, count: size, size });
    expect(all.entries).toEqual(json);
    for (const [start, limit] of [
      [1, 2],
      [3, undefined],
      [size - 1, 10],
      [2, size - 2],
    ] as const) {
      const part = await streamed(client, start, limit);
      const count = Math.min(limit ?? size, size - start);
      expect(part.header).toEqual({ start, count, size });
      expect(part.entries).toEqual(json.slice(start, start + count));
    }
    // Past the end: no entries, as the JSON form's empty page.
    expect(await streamed(client, size)).toEqual({ header: { start: size, count: 0, size }, entries: [] });
    expect(await streamed(client, size + 7)).toEqual({
      header: { start: size + 7, count: 0, size },
      entries: [],
    });
    const res = await relay.request('/v1/log/entries?limit=2', {
      headers: relay.auth(malmo, { accept: `application/json;q=0.5, ${LOG_ENTRIES_MEDIA_TYPE}` }),
    });
    expect(res.headers.get('content-type')).toBe(LOG_ENTRIES_MEDIA_TYPE);
    expect(res.headers.get('vary')).toBe('accept');
    const bytes = new Uint8Array(await res.arrayBuffer());
    // Version 1, start 0, count 2; then the agreement's record (kind 1).
    expect([bytes[0], new DataView(bytes.buffer).getUint32(9), bytes[21]]).toEqual([1, 2, 1]);
    // Asked not to stream (q=0), the relay answers JSON.
    const declined = await relay.request('/v1/log/entries?limit=2', {
      headers: relay.auth(malmo, { accept: `${LOG_ENTRIES_MEDIA_TYPE};q=0, application/json` }),
    });
    expect(declined.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('answers bad ranges with 400 malformed, before any byte of a stream', async () => {
    const { malmo } = relay.world.devices;
    await relay.transparency.flush();
    const cases: [string, number, string][] = [
      ['/v1/log/entries?start=x', 400, 'malformed'],
      ['/v1/log/entries?start=-1', 400, 'malformed'],
      ['/v1/log/entries?start=1.5', 400, 'malformed'],
      ['/v1/log/entries?start=9999999999999999', 400, 'malformed'],
      ['/v1/log/entries?limit=0', 400, 'malformed'],
      ['/v1/log/entries?limit=65537', 400, 'malformed'],
      ['/v1/log/entries?limit=', 400, 'malformed'],
    ];
    for (const [path, status, type] of cases) {
      const res = await relay.request(path, {
        headers: relay.auth(malmo, { accept: LOG_ENTRIES_MEDIA_TYPE }),
      });
      expect(await problemOf(res), path).toMatchObject({ status, type });
    }
    // The JSON form keeps its own, smaller limit.
    const json = await relay.request('/v1/log/entries?limit=1001', { headers: relay.auth(malmo) });
    expect(await problemOf(json)).toMatchObject({ status: 400, type: 'malformed' });
    const anonymous = await relay.request('/v1/log/entries', { headers: { accept: LOG_ENTRIES_MEDIA_TYPE } });
    expect(await problemOf(anonymous)).toMatchObject({ status: 401 });
  });
});

describe('an entry stream the relay cannot finish', () => {
  it('breaks off rather than end, so it never looks like a shorter answer', async () => {
    const logs: string[] = [];
    const relay = await startTestRelay('sqlite', { log: { mergeDelayMs: 60_000 }, logs });
    const { malmo } = relay.world.devices;
    try {
      await relay.transparency.flush();
      const res = await relay.request('/v1/log/entries', {
        headers: relay.auth(malmo, { accept: LOG_ENTRIES_MEDIA_TYPE }),
      });
      expect(res.status).toBe(200);
      // The database goes away after the count is fixed, before the first record is read (the header
      // is all the stream holds until it is read).
      await relay.db.database.close();
      const reader = res.body!.getReader();
      const header = await reader.read();
      expect(header.value?.[0]).toBe(1);
      await expect(
        (async () => {
          for (;;) if ((await reader.read()).done) return 'ended';
        })(),
      ).rejects.toThrow();
      expect(logs.some((l) => l.includes('log entry stream failed'))).toBe(true);
    } finally {
      await relay.close().catch(() => {});
    }
  });
});
