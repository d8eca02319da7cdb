import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeLogEntries,
  encodeLogEntryHeader,
  LOG_ENTRY_HEADER_SIZE,
  LogEntryReader,
  type LogEntryRecord,
  LogEntryStreamError,
  type LogEntryStreamHeader,
} from './log-entry-stream.js';
import { appendLeaves, leafHash, MerkleFrontier, rootFromLeaves } from './merkle.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Read `bytes` split at `cuts`; the records as (kind, hash hex, data hex) and the header. */
function read(bytes: Uint8Array, cuts: number[] = []) {
  const records: [number, string, string | undefined][] = [];
  const reader = new LogEntryReader((leafData, data) => {
    records.push([leafData[0]!, hex(leafData.subarray(1)), data && hex(data)]);
  });
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length)].sort((a, b) => a - b)) {
    reader.push(bytes.subarray(at, cut));
    at = cut;
  }
  reader.push(bytes.subarray(at));
  return { header: reader.end(), records };
}

function stream(header: LogEntryStreamHeader, records: LogEntryRecord[]): Uint8Array {
  const head = encodeLogEntryHeader(header);
  const body = encodeLogEntries(records);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

const hashOf = (n: number) => new Uint8Array(32).fill(n);

describe('the log entry stream (PROTOCOL.md §18.5)', () => {
  it('is byte for byte what the spec shows', () => {
    const bytes = stream({ start: 5, count: 2, size: 9 }, [
      { kind: 3, hash: hashOf(0xaa) },
      { kind: 2, hash: hashOf(0xbb), data: new TextEncoder().encode('a.b.c') },
    ]);
    expect(hex(bytes)).toBe(
      [
        '01',
        '0000000000000005',
        '00000002',
        '0000000000000009',
        `03${'aa'.repeat(32)}`,
        `02${'bb'.repeat(32)}`,
        '00000005',
        Buffer.from('a.b.c').toString('hex'),
      ].join(''),
    );
    expect(LOG_ENTRY_HEADER_SIZE).toBe(21);
    expect(read(bytes)).toEqual({
      header: { start: 5, count: 2, size: 9 },
      records: [
        [3, 'aa'.repeat(32), undefined],
        [2, 'bb'.repeat(32), Buffer.from('a.b.c').toString('hex')],
      ],
    });
  });

  const record = fc.oneof(
    fc.record({ kind: fc.constant(3), hash: fc.uint8Array({ minLength: 32, maxLength: 32 }) }),
    fc.record({
      kind: fc.constantFrom(1, 2),
      hash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      data: fc.uint8Array({ minLength: 1, maxLength: 300 }),
    }),
  );

  it('reads back what was written, however the chunks fall', () => {
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 40 }),
        fc.nat(2 ** 40),
        fc.array(fc.nat(20_000), { maxLength: 12 }),
        (records, start, cuts) => {
          const header = { start, count: records.length, size: start + records.length + 3 };
          const got = read(stream(header, records), cuts);
          expect(got.header).toEqual(header);
          expect(got.records).toEqual(
            records.map((r) => [r.kind, hex(r.hash), 'data' in r ? hex(r.data) : undefined]),
          );
        },
      ),
    );
  });

  it('refuses a stream cut short, with bytes beyond its count, or junk, with LogEntryStreamError only', () => {
    const bytes = stream({ start: 0, count: 3, size: 3 }, [
      { kind: 1, hash: hashOf(1), data: Uint8Array.of(123, 125) },
      { kind: 3, hash: hashOf(2) },
      { kind: 3, hash: hashOf(3) },
    ]);
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => read(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(LogEntryStreamError);
    }
    const extra = new Uint8Array(bytes.length + 33);
    extra.set(bytes);
    extra[bytes.length] = 3;
    expect(() => read(extra)).toThrow(/bytes after its 3 records/);
    const badKind = bytes.slice();
    badKind[LOG_ENTRY_HEADER_SIZE + 33 + 4 + 2] = 4;
    expect(() => read(badKind)).toThrow(/unknown kind 4/);
    const badVersion = bytes.slice();
    badVersion[0] = 2;
    expect(() => read(badVersion)).toThrow(/version 2/);
    const empty = stream({ start: 0, count: 1, size: 1 }, [
      { kind: 2, hash: hashOf(1), data: Uint8Array.of(1) },
    ]);
    new DataView(empty.buffer).setUint32(LOG_ENTRY_HEADER_SIZE + 33, 0);
    expect(() => read(empty)).toThrow(/a record of 0 bytes/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(400)), (junk, cuts) => {
        try {
          read(junk, cuts);
        } catch (err) {
          expect(err).toBeInstanceOf(LogEntryStreamError);
        }
      }),
    );
  });
});

describe('MerkleFrontier', () => {
  it('makes the root of RFC 9162 at every size, from any starting edge', () => {
    const leaves = Array.from({ length: 70 }, (_, i) => Uint8Array.of(3, ...hashOf(i)));
    const hashes = leaves.map((l) => leafHash(l));
    for (const from of [0, 1, 7, 32, 69]) {
      const edge = appendLeaves(0, [], hashes.slice(0, from));
      const tree = new MerkleFrontier(from, edge.frontier);
      for (let n = from; n < leaves.length; n++) {
        expect(hex(tree.appendLeafData(leaves[n]!))).toBe(hex(hashes[n]!));
        expect(hex(tree.root())).toBe(hex(rootFromLeaves(hashes.slice(0, n + 1))));
      }
      expect(tree.hashes().map(hex)).toEqual(appendLeaves(0, [], hashes).frontier.map(hex));
    }
    expect(() => new MerkleFrontier(3, [hashOf(1)])).toThrow(/frontier does not match/);
  });
});
