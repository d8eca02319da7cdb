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
    const t = this.#text;
    const start = this.#at;
    let i = start;
    if (t.charCodeAt(i) === 0x2d) i++;
    const first = t.charCodeAt(i);
    if (first === 0x30) {
      i++;
    } else if (first >= 0x31 && first <= 0x39) {
      while (i < t.length && t.charCodeAt(i) >= 0x30 && t.charCodeAt(i) <= 0x39) i++;
    } else {
      this.fail('a number needs a digit');
    }
    const next = t.charCodeAt(i);
    if (next === 0x2e || next === 0x65 || next === 0x45) {
      this.fail('numbers are integers: no fraction or exponent');
    }
    const digits = t.slice(start, i);
    if (digits === '-0') this.fail('negative zero');
    if (digits.length - (digits.charCodeAt(0) === 0x2d ? 1 : 0) > MAX_INTEGER_DIGITS) {
      this.fail('integer out of range');
    }
    const value = Number(digits);
    if (!Number.isSafeInteger(value)) this.fail('integer out of range');
    this.#at = i;
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
  return new Parser(text).parseDocument();
}
