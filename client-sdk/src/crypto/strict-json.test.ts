import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bryggaJsonValue as bryggaJson } from '../../../test/support/brygga-json.js';
import { codeOf } from '../../../test/support/error-code.js';
import { fastParse, MAX_JSON_DEPTH, parseJson, parseWithParser } from './strict-json.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

const indent = fc.constantFrom<string | number | undefined>(undefined, 0, 1, 2, '\t', '\r\n');

describe('parseJson against JSON.parse', () => {
  it('reads every Brygga JSON text exactly as JSON.parse does, from text and from UTF-8', () => {
    fc.assert(
      fc.property(bryggaJson, indent, (value, space) => {
        const text = JSON.stringify(value, null, space);
        const expected = JSON.parse(text);
        expect(parseJson(text)).toStrictEqual(expected);
        expect(parseJson(utf8(text))).toStrictEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts fast-check JSON exactly when every number in it is a safe integer', () => {
    const onlySafeIntegers = (v: unknown): boolean =>
      typeof v === 'number'
        ? Number.isSafeInteger(v)
        : Array.isArray(v)
          ? v.every(onlySafeIntegers)
          : v !== null && typeof v === 'object'
            ? Object.values(v).every(onlySafeIntegers)
            : true;
    fc.assert(
      fc.property(fc.json(), (text) => {
        const expected = JSON.parse(text);
        if (onlySafeIntegers(expected)) expect(parseJson(text)).toStrictEqual(expected);
        else expect(codeOf(() => parseJson(text))).toBe('ERR_MALFORMED');
      }),
      { numRuns: 500 },
    );
  });

  it('on junk, refuses with ERR_MALFORMED or agrees with JSON.parse; never throws anything else', () => {
    const junkChar = fc.constantFrom(
      ...'{}[]":,\\ \t\n\r0123456789-+.eEtrufalsn\u00e9\ud83d\ude00\ufeff\u2028ab',
    );
    const junk = fc.oneof(
      fc.string({ unit: junkChar, maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      // Near misses: valid JSON with one character inserted, deleted or replaced.
      fc
        .tuple(fc.json(), fc.nat(), junkChar, fc.constantFrom('insert', 'delete', 'replace'))
        .map(([text, at, c, how]) => {
          const i = at % (text.length + 1);
          if (how === 'insert') return text.slice(0, i) + c + text.slice(i);
          if (how === 'delete') return text.slice(0, i) + text.slice(i + 1);
          return text.slice(0, i) + c + text.slice(i + 1);
        }),
    );
    fc.assert(
      fc.property(junk, (text) => {
        let mine: unknown;
        try {
          mine = parseJson(text);
        } catch {
          expect(codeOf(() => parseJson(text))).toBe('ERR_MALFORMED');
          return;
        }
        expect(mine).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseJson refuses', () => {
  const refused = (text: string | Uint8Array) => expect(codeOf(() => parseJson(text))).toBe('ERR_MALFORMED');

  it('a member name twice, at any depth, also when one of them is escaped', () => {
    for (const text of [
      '{"sender":1,"sender":2}',
      '{"a":{"b":1,"c":2,"b":3}}',
      '[0,[{"x":[{"iss":"a","iss":"b"}]}]]',
      '{"a":1,"\\u0061":2}',
      '{"\\ud83d\\ude00":1,"\ud83d\ude00":2}',
      '{"__proto__":1,"__proto__":2}',
    ]) {
      expect(() => JSON.parse(text), text).not.toThrow();
      refused(text);
    }
    // The same name in two different objects is no duplicate.
    expect(parseJson('[{"a":1},{"a":2}]')).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('numbers other than safe integers in plain digits', () => {
    for (const text of [
      '1.0',
      '1e3',
      '1E3',
      '-0',
      '9007199254740992',
      '-9007199254740992',
      '1e400',
      '01',
      '+1',
      '-',
      '.5',
      '0x10',
      'NaN',
      'Infinity',
    ]) {
      refused(text);
      refused(`{"v":${text}}`);
    }
    expect(parseJson('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseJson('-9007199254740991')).toBe(Number.MIN_SAFE_INTEGER);
    expect(parseJson('0')).toBe(0);
  });

  it('what RFC 8259 refuses', () => {
    for (const text of [
      '',
      ' ',
      '{',
      '{"a":1,}',
      '[1,]',
      '[,1]',
      "{'a':1}",
      '{a:1}',
      '{"a" 1}',
      '"unterminated',
      '"tab\there"',
      '"nl\nhere"',
      '"\\x41"',
      '"\\u12"',
      '"\\u12G4"',
      'tru',
      'nul',
      'True',
      '1 2',
      '{} {}',
      '// comment\n1',
      '/* c */1',
      '\u00a01',
      '\u000b1',
      '\ufeff{}',
    ]) {
      refused(text);
    }
    refused(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d])); // a UTF-8 byte order mark
    refused(new Uint8Array([0x22, 0xc3, 0x28, 0x22])); // invalid UTF-8
    refused(new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22])); // a surrogate encoded in UTF-8
  });

  it('lone surrogates, escaped or not', () => {
    for (const text of [
      '"\\ud800"',
      '"\\udc00"',
      '"\\ud800\\u0041"',
      '"\\ud800x"',
      '"\ud800"',
      '"\udc00\ud800"',
    ]) {
      refused(text);
    }
    expect(parseJson('"\\ud83d\\ude00\ud83d\ude00"')).toBe('\u{1f600}\u{1f600}');
  });

  it('nesting deeper than MAX_JSON_DEPTH', () => {
    const nested = (n: number, open: string, close: string) => open.repeat(n) + close.repeat(n);
    expect(() => parseJson(nested(MAX_JSON_DEPTH, '[', ']'))).not.toThrow();
    refused(nested(MAX_JSON_DEPTH + 1, '[', ']'));
    const objects = (n: number) => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
    expect(() => parseJson(objects(MAX_JSON_DEPTH))).not.toThrow();
    refused(objects(MAX_JSON_DEPTH + 1));
    // Far deeper than any stack: refused, not a RangeError.
    refused(nested(100_000, '[', ']'));
  });

  it('anything that is neither text nor bytes', () => {
    for (const input of [undefined, null, 1, {}, [1]]) refused(input as unknown as string);
  });
});

describe('parseJson reads', () => {
  it('"__proto__" as an ordinary member, as JSON.parse does', () => {
    const value = parseJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('every escape, and members in text order', () => {
    expect(parseJson('{"z":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u0000","a":[true,false,null]}')).toStrictEqual({
      z: '"\\/\b\f\n\r\t\u00e9\u0000',
      a: [true, false, null],
    });
    expect(Object.keys(parseJson('{"b":1,"a":2}') as object)).toEqual(['b', 'a']);
  });
});

/**
 * parseJson takes a fast path (`fastParse`: `JSON.parse` and a scan) before the parser. The fast path
 * must never accept what the parser refuses, and must give the parser's value when it accepts: checked
 * here on the conformance vectors, every refusal above, and adversarial texts, for each path alone.
 */
describe('the fast path and the parser', () => {
  /** The parser's answer alone: the value, or 'refused'. */
  const byParser = (text: string): unknown => {
    try {
      return parseWithParser(text);
    } catch {
      expect(codeOf(() => parseWithParser(text))).toBe('ERR_MALFORMED');
      return 'refused';
    }
  };
  /** The fast path never disagrees with the parser; true when it decided. */
  const agrees = (text: string): boolean => {
    const fast = fastParse(text);
    if (fast === undefined) return false;
    expect(byParser(text), text).toStrictEqual(fast);
    return true;
  };

  it('agree on every conformance vector, and the fast path decides every valid one', () => {
    const vectors = JSON.parse(
      readFileSync(new URL('../../../test/vectors/brygga-json.json', import.meta.url), 'utf8'),
    ) as { cases: { name: string; hex: string; valid: boolean; valueJson?: string }[] };
    for (const c of vectors.cases) {
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.from(c.hex, 'hex'));
      } catch {
        continue; // not UTF-8: refused before either path
      }
      if (c.valid) {
        expect(fastParse(text), c.name).toStrictEqual(JSON.parse(c.valueJson!));
        expect(parseWithParser(text), c.name).toStrictEqual(JSON.parse(c.valueJson!));
      } else {
        expect(fastParse(text), c.name).toBeUndefined();
        expect(byParser(text), c.name).toBe('refused');
      }
    }
  });

  it('refuse duplicate names however they hide, where JSON.parse reads a value', () => {
    const texts = [
      '{"a":1,"a":1}',
      '{"a":{},"a":{"b":1}}',
      '{"a":{"x":1,"y":2},"a":{"b":1,"c":2,"d":3}}',
      '{"a":[1,{"k":2}],"b":0,"a":[{"k":1,"l":2,"m":3}]}',
      '[{"a":1},{"b":1,"b":{"c":{"d":1,"e":2}}}]',
      '{"\\u0061":1,"a":2}',
      '{"\\"":1,"\\u0022":2}',
      '{"1":1,"01":2,"1":3}',
      '{"__proto__":{},"__proto__":{"a":1}}',
      '{"a:b":1,"a":{"b":1,"b":2}}',
      '{"x":"::::","y":"\\":","x":1}',
    ];
    for (const text of texts) {
      expect(() => JSON.parse(text), text).not.toThrow();
      expect(fastParse(text), text).toBeUndefined();
      expect(byParser(text), text).toBe('refused');
    }
    // Colons in strings and names are not members; the same name in two objects is no duplicate.
    for (const text of ['{"a:b":"c:d","e":{"a":":"}}', '[{"a":1},{"a":{"a":{"a":[]}}}]', '{"1":1,"01":2}']) {
      expect(agrees(text), text).toBe(true);
    }
  });

  it('agree on random JSON, and on it with members doubled, numbers and strings changed', () => {
    const mutated = fc
      .tuple(
        fc.json({ maxDepth: 4 }),
        fc.nat(),
        fc.constantFrom(
          (t: string, i: number) => {
            // Double the member whose name starts at or after i.
            const m = /"(?:[^"\\]|\\.)*"\s*:\s*(?:-?\d+|"(?:[^"\\]|\\.)*"|true|false|null)/g;
            m.lastIndex = i;
            const hit = m.exec(t);
            return hit
              ? `${t.slice(0, hit.index)}${hit[0]},${hit[0]}${t.slice(hit.index + hit[0].length)}`
              : t;
          },
          (t: string, i: number) => t.slice(0, i).replace(/(\d)(?=\D*$)/, '$1.0') + t.slice(i),
          (t: string, i: number) => t.slice(0, i).replace(/(\d)(?=\D*$)/, '$1e1') + t.slice(i),
          (t: string, i: number) => `${t.slice(0, i)}"\\ud800"${t.slice(i)}`,
          (t: string, i: number) =>
            t
              .replace(/"([a-z])/, (_, c: string) => `"\\u00${c.charCodeAt(0).toString(16)}`)
              .slice(0, i + 1000),
          (t: string, i: number) => `${'['.repeat(60 + (i % 8))}${t}${']'.repeat(60 + (i % 8))}`,
          (t: string) => t.replace(/\d+/, '9007199254740993'),
          (t: string) => t.replace(/\d+/, '-0'),
        ),
      )
      .map(([t, i, f]) => f(t, i % (t.length + 1)));
    let decided = 0;
    fc.assert(
      fc.property(fc.oneof(fc.json(), mutated), (text) => {
        if (agrees(text)) decided++;
      }),
      { numRuns: 3000 },
    );
    expect(decided).toBeGreaterThan(500);
  });

  it('agree on junk', () => {
    const junkChar = fc.constantFrom(...'{}[]":,\\ \t\n0123456789-.eEu\ud800\udc00ab');
    fc.assert(
      fc.property(fc.string({ unit: junkChar, maxLength: 30 }), (text) => {
        agrees(text);
      }),
      { numRuns: 3000 },
    );
  });
});
