/**
 * Brygga JSON (PROTOCOL.md §1.1): the one parser for every protocol object the SDK reads (envelope
 * headers, JWS headers and payloads, agreements, key files, signed documents, evidence bundles, the
 * relay's answers). It accepts a subset of RFC 8259 chosen so that parsers in every language read the
 * same text to the same value, or all refuse it:
 *
 * - RFC 8259 grammar, strictly: no byte order mark, no comments, no trailing commas, no single quotes,
 *   no unescaped control characters, whitespace only SP, HT, LF, CR, one value and nothing after it;
 * - no two members of one object with the same name (after unescaping), at any depth: `JSON.parse`
 *   silently keeps the last copy, other parsers the first;
 * - no escaped lone surrogate (`"\ud800"`): it names no Unicode character (RFC 7493 §2.1);
 * - numbers are integers written as digits, optionally after `-`: no fraction, no exponent, no `-0`,
 *   and between -(2^53 - 1) and 2^53 - 1, so every number is exact in an IEEE double and in a 64-bit
 *   integer alike (RFC 7493 §2.2 asks no more precision than a double);
 * - nesting at most {@link MAX_JSON_DEPTH} arrays and objects deep.
 *
 * On every text it accepts, the result equals `JSON.parse`'s (members in text order; `__proto__` is an
 * ordinary member). Every refusal is ERR_MALFORMED with a message that names the offset, never content.
 *
 * `parseJson` first tries {@link fastParse} (`JSON.parse` and one scan of the text, about half the
 * parser's time on an envelope header); what that cannot accept, the parser below decides.
 */
import { BryggaError } from '../errors.js';
import { fromUtf8 } from './bytes.js';

/** Deepest nesting of arrays and objects accepted (the outermost value counts as 1). */
export const MAX_JSON_DEPTH = 64;

/** A JSON value as this parser returns it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [member: string]: JsonValue };

const MAX_INTEGER_DIGITS = 16; // 2^53 - 1 = 9007199254740991 has 16 digits

class Parser {
  readonly #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  fail(what: string): never {
    throw new BryggaError('ERR_MALFORMED', `JSON: ${what} at offset ${this.#at}`);
  }

  parseDocument(): JsonValue {
    this.#space();
    const value = this.#value(1);
    this.#space();
    if (this.#at !== this.#text.length) this.fail('unexpected text after the value');
    return value;
  }

  #space(): void {
    const t = this.#text;
    let i = this.#at;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.#at = i;
  }

  #value(depth: number): JsonValue {
    const c = this.#text.charCodeAt(this.#at);
    switch (c) {
      case 0x7b: // {
        return this.#object(depth);
      case 0x5b: // [
        return this.#array(depth);
      case 0x22: // "
        return this.#string();
      case 0x74: // t
        return this.#literal('true', true);
      case 0x66: // f
        return this.#literal('false', false);
      case 0x6e: // n
        return this.#literal('null', null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.#number();
        return this.fail(Number.isNaN(c) ? 'unexpected end' : 'unexpected character');
    }
  }

  #literal<T extends JsonValue>(word: string, value: T): T {
    if (!this.#text.startsWith(word, this.#at)) this.fail('unexpected character');
    this.#at += word.length;
    return value;
  }

  #number(): number {
    const end = integerEnd(this.#text, this.#at);
    if (end < 0) this.fail(INTEGER_FAULTS[-end]!);
    const value = Number(this.#text.slice(this.#at, end));
    this.#at = end;
    return value;
  }

  #string(): string {
    const t = this.#text;
    let i = this.#at + 1;
    let out = '';
    let chunk = i;
    for (;;) {
      if (i >= t.length) {
        this.#at = i;
        this.fail('unterminated string');
      }
      const c = t.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) {
        this.#at = i;
        this.fail('control character in a string');
      }
      if (c !== 0x5c) {
        if (c >= 0xd800 && c <= 0xdfff) {
          // Text given as a JavaScript string can hold a lone surrogate unescaped; UTF-8 cannot.
          const low = t.charCodeAt(i + 1);
          if (c > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) {
            this.#at = i;
            this.fail('lone surrogate');
          }
          i += 2;
          continue;
        }
        i++;
        continue;
      }
      out += t.slice(chunk, i);
      const e = t.charCodeAt(i + 1);
      i += 2;
      switch (e) {
        case 0x22:
          out += '"';
          break;
        case 0x5c:
          out += '\\';
          break;
        case 0x2f:
          out += '/';
          break;
        case 0x62:
          out += '\b';
          break;
        case 0x66:
          out += '\f';
          break;
        case 0x6e:
          out += '\n';
          break;
        case 0x72:
          out += '\r';
          break;
        case 0x74:
          out += '\t';
          break;
        case 0x75: {
          const unit = this.#hex4(i);
          i += 4;
          if (unit >= 0xd800 && unit <= 0xdbff) {
            // A high surrogate must be followed by an escaped low surrogate.
            if (t.charCodeAt(i) !== 0x5c || t.charCodeAt(i + 1) !== 0x75) {
              this.#at = i;
              this.fail('lone surrogate');
            }
            const low = this.#hex4(i + 2);
            if (low < 0xdc00 || low > 0xdfff) {
              this.#at = i;
              this.fail('lone surrogate');
            }
            i += 6;
            out += String.fromCharCode(unit, low);
          } else if (unit >= 0xdc00 && unit <= 0xdfff) {
            this.#at = i - 6;
            this.fail('lone surrogate');
          } else {
            out += String.fromCharCode(unit);
          }
          break;
        }
        default:
          this.#at = i - 2;
          this.fail('invalid escape');
      }
      chunk = i;
    }
    out += t.slice(chunk, i);
    this.#at = i + 1;
    return out;
  }

  #hex4(at: number): number {
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.#text.charCodeAt(at + k);
      let d: number;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      else {
        this.#at = at;
        return this.fail('invalid \\u escape');
      }
      n = n * 16 + d;
    }
    return n;
  }

  #array(depth: number): JsonValue[] {
    if (depth > MAX_JSON_DEPTH) this.fail('nested too deeply');
    this.#at++;
    const out: JsonValue[] = [];
    this.#space();
    if (this.#text.charCodeAt(this.#at) === 0x5d) {
      this.#at++;
      return out;
    }
    for (;;) {
      this.#space();
      out.push(this.#value(depth + 1));
      this.#space();
      const c = this.#text.charCodeAt(this.#at);
      this.#at++;
      if (c === 0x5d) return out;
      if (c !== 0x2c) {
        this.#at--;
        this.fail("expected ',' or ']'");
      }
    }
  }

  #object(depth: number): { [member: string]: JsonValue } {
    if (depth > MAX_JSON_DEPTH) this.fail('nested too deeply');
    this.#at++;
    const out: { [member: string]: JsonValue } = {};
    const names = new Set<string>();
    this.#space();
    if (this.#text.charCodeAt(this.#at) === 0x7d) {
      this.#at++;
      return out;
    }
    for (;;) {
      this.#space();
      if (this.#text.charCodeAt(this.#at) !== 0x22) this.fail('expected a member name');
      const nameAt = this.#at;
      const name = this.#string();
      if (names.has(name)) {
        this.#at = nameAt;
        this.fail('duplicate member name');
      }
      names.add(name);
      this.#space();
      if (this.#text.charCodeAt(this.#at) !== 0x3a) this.fail("expected ':'");
      this.#at++;
      this.#space();
      const value = this.#value(depth + 1);
      // defineProperty, not assignment: a member named "__proto__" is data, as JSON.parse makes it.
      Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      this.#space();
      const c = this.#text.charCodeAt(this.#at);
      this.#at++;
      if (c === 0x7d) return out;
      if (c !== 0x2c) {
        this.#at--;
        this.fail("expected ',' or '}'");
      }
    }
  }
}

/**
 * Parse Brygga JSON (see the module header) from text or from UTF-8 bytes (decoded strictly: invalid
 * UTF-8 and a leading byte order mark are refused). Throws ERR_MALFORMED for anything else.
 *
 * @example
 * import { parseJson } from '@brygga/client-sdk';
 * parseJson('{"v":1,"v":2}'); // throws BryggaError ERR_MALFORMED (duplicate member name)
 */
export function parseJson(input: string | Uint8Array): JsonValue {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new BryggaError('ERR_MALFORMED', 'JSON: not text');
  }
  const text = typeof input === 'string' ? input : fromUtf8(input);
  return fastParse(text) ?? new Parser(text).parseDocument();
}

/** The parser alone, without {@link fastParse} in front. Exported for the tests; not part of the API. */
export function parseWithParser(text: string): JsonValue {
  return new Parser(text).parseDocument();
}

/**
 * The value of `text` when it is Brygga JSON, decided with `JSON.parse` and one scan of the text;
 * undefined when it is not, or when the scan cannot tell (the parser above then decides, and names the
 * fault). Exported for the tests that hold both paths to the same answers; not part of the API.
 *
 * Why this accepts exactly what the parser accepts, with the same value:
 * - grammar: `JSON.parse` reads ECMA-404 JSON, which is RFC 8259's grammar (the same whitespace, escapes
 *   and literals; control characters in strings refused; a byte order mark is not whitespace), and
 *   the parser above reads the same grammar; so both refuse the same ungrammatical texts, and on a
 *   grammatical one the scan below sees every token where `JSON.parse` did;
 * - numbers, lone surrogates and depth: the scan applies the parser's own rules to every number token,
 *   every `\u` escape and every unescaped surrogate in a string, and every `[` and `{`;
 * - duplicate names: outside strings a `:` appears once per member and nowhere else, so the scan counts
 *   the text's members. `JSON.parse` keeps one member per name of an object and drops the values it
 *   replaced, with whatever they held, so the parsed value has as many members in all exactly when no
 *   object of the text names a member twice (names compared after unescaping, as both do);
 * - the value: on a text both accept, the parser returns what `JSON.parse` does (module header).
 */
export function fastParse(text: string): JsonValue | undefined {
  const members = scan(text);
  if (members < 0) return undefined;
  let value: JsonValue;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return countMembers(value) === members ? value : undefined;
}

/** Members of every object in `value`: its depth is at most {@link MAX_JSON_DEPTH}, the scan saw to that. */
function countMembers(value: JsonValue): number {
  if (value === null || typeof value !== 'object') return 0;
  let n = 0;
  if (Array.isArray(value)) {
    for (const item of value) n += countMembers(item);
    return n;
  }
  // Own names only (Object.keys): an enumerable name added to Object.prototype must not count.
  const names = Object.keys(value);
  n = names.length;
  for (const name of names) n += countMembers(value[name]!);
  return n;
}

/**
 * One pass over `text`: the number of `:` outside strings, or -1 at the first thing the parser would
 * refuse that `JSON.parse` accepts (a number that is not a safe integer written as digits, a lone
 * surrogate, nesting deeper than {@link MAX_JSON_DEPTH}), or that the scan does not expect.
 */
function scan(text: string): number {
  const end = text.length;
  let colons = 0;
  let depth = 0;
  let i = 0;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = scanString(text, i + 1);
      if (i < 0) return -1;
    } else if (c === 0x3a) {
      colons++;
      i++;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) return -1;
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      i++;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      i = integerEnd(text, i);
      if (i < 0) return -1;
    } else {
      i++;
    }
  }
  return colons;
}

/** The index after the string whose content starts at `i`, or -1 (unterminated, lone surrogate). */
function scanString(text: string, i: number): number {
  const end = text.length;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      if (text.charCodeAt(i + 1) !== 0x75) {
        i += 2;
        continue;
      }
      const unit = hex4(text, i + 2);
      if (unit < 0) return -1;
      i += 6;
      if (unit >= 0xdc00 && unit <= 0xdfff) return -1;
      if (unit >= 0xd800 && unit <= 0xdbff) {
        if (text.charCodeAt(i) !== 0x5c || text.charCodeAt(i + 1) !== 0x75) return -1;
        const low = hex4(text, i + 2);
        if (low < 0xdc00 || low > 0xdfff) return -1;
        i += 6;
      }
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const low = text.charCodeAt(i + 1);
      if (c > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return -1;
      i += 2;
      continue;
    }
    i++;
  }
  return -1;
}

/** The four hex digits at `at` as a number, or -1. */
function hex4(text: string, at: number): number {
  let n = 0;
  for (let k = 0; k < 4; k++) {
    const c = text.charCodeAt(at + k);
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else return -1;
    n = n * 16 + d;
  }
  return n;
}

/** Why an integer token is refused, by the negative code {@link integerEnd} returns. */
const INTEGER_FAULTS = [
  '',
  'a number needs a digit',
  'numbers are integers: no fraction or exponent',
  'negative zero',
  'integer out of range',
] as const;

/**
 * The index after the number token at `start` when it is what Brygga JSON admits (an integer written as
 * digits, not `-0`, within ±(2^53 - 1)); otherwise minus the index of its fault in
 * {@link INTEGER_FAULTS}. The one rule of both the parser and {@link scan}.
 */
function integerEnd(text: string, start: number): number {
  let i = start;
  if (text.charCodeAt(i) === 0x2d) i++;
  const first = text.charCodeAt(i);
  if (first === 0x30) {
    i++;
  } else if (first >= 0x31 && first <= 0x39) {
    i++;
    while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
  } else {
    return -1;
  }
  const next = text.charCodeAt(i);
  if (next === 0x2e || next === 0x65 || next === 0x45) return -2;
  const digits = i - start - (text.charCodeAt(start) === 0x2d ? 1 : 0);
  if (digits === 1 && i - start === 2 && text.charCodeAt(start + 1) === 0x30) return -3;
  if (digits > MAX_INTEGER_DIGITS) return -4;
  if (digits === MAX_INTEGER_DIGITS && !Number.isSafeInteger(Number(text.slice(start, i)))) return -4;
  return i;
}
