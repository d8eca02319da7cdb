import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bryggaJsonValue as bryggaJson } from '../../../test/support/brygga-json.js';
import { codeOf } from '../../../test/support/error-code.js';
import { MAX_JSON_DEPTH, parseJson } from './strict-json.js';

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
