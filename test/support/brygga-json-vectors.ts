/**
 * Brygga JSON vectors (PROTOCOL.md §1.1), test/vectors/brygga-json.json: UTF-8 texts (as hex, so a byte
 * order mark or invalid UTF-8 can be written down) with `valid`, the rule that refuses each invalid one,
 * and for valid ones the value (as compact JSON text, so the file itself nests shallowly). `npx tsx test/support/brygga-json-vectors.ts` rewrites the file;
 * test/conformance.test.ts checks `parseJson` against it. The outcomes are the specification's, written
 * by hand here.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Case = { name: string; text?: string; hex?: string; rule: string | null; value?: unknown };

const ok = (name: string, text: string, value: unknown): Case => ({ name, text, rule: null, value });
const bad = (name: string, rule: string, text: string): Case => ({ name, text, rule });
const badBytes = (name: string, rule: string, hex: string): Case => ({ name, hex, rule });

/** Every case, in file order. */
export function bryggaJsonCases(): Case[] {
  let deep64 = '0';
  for (let i = 0; i < 64; i++) deep64 = `[${deep64}]`;
  return [
    ok('object', '{"v":1,"kind":"brygga.device","ok":true,"none":null}', {
      v: 1,
      kind: 'brygga.device',
      ok: true,
      none: null,
    }),
    ok('whitespace', ' \t\r\n{ "a" : [ 1 , 2 ] }\n', { a: [1, 2] }),
    ok('scalar', '"text"', 'text'),
    ok('same name in two objects', '[{"a":1},{"a":2}]', [{ a: 1 }, { a: 2 }]),
    ok('escapes', '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u0000"', '"\\/\b\f\n\r\t\u00e9\u0000'),
    ok('surrogate pair escaped', '"\\ud83d\\ude00"', '\u{1f600}'),
    ok('non-ASCII in UTF-8', '"Malmö 😀"', 'Malmö 😀'),
    ok('largest integer', '9007199254740991', 9007199254740991),
    ok('smallest integer', '-9007199254740991', -9007199254740991),
    ok('zero', '0', 0),
    ok('__proto__ is a member', '{"__proto__":1}', JSON.parse('{"__proto__":1}')),
    ok('64 levels', deep64, JSON.parse(deep64)),
    bad('duplicate name', 'duplicate', '{"sender":1,"sender":2}'),
    bad('duplicate name, nested', 'duplicate', '{"a":[{"iss":"x","iss":"y"}]}'),
    bad('duplicate name, escaped', 'duplicate', '{"a":1,"\\u0061":2}'),
    bad('fraction', 'integer', '1.0'),
    bad('exponent', 'integer', '1e3'),
    bad('negative zero', 'integer', '-0'),
    bad('beyond 2^53 - 1', 'integer', '9007199254740992'),
    bad('below -(2^53 - 1)', 'integer', '-9007199254740992'),
    bad('leading zero', 'rfc8259', '01'),
    bad('plus sign', 'rfc8259', '+1'),
    bad('lone high surrogate', 'surrogate', '"\\ud800"'),
    bad('lone low surrogate', 'surrogate', '"\\udc00"'),
    bad('high surrogate, then a letter', 'surrogate', '"\\ud800\\u0041"'),
    bad('65 levels', 'depth', `[${deep64}]`),
    bad('empty', 'rfc8259', ''),
    bad('trailing comma in object', 'rfc8259', '{"a":1,}'),
    bad('trailing comma in array', 'rfc8259', '[1,]'),
    bad('single quotes', 'rfc8259', "{'a':1}"),
    bad('bare name', 'rfc8259', '{a:1}'),
    bad('tab in a string', 'rfc8259', '"a\tb"'),
    bad('invalid escape', 'rfc8259', '"\\x41"'),
    bad('short \\u escape', 'rfc8259', '"\\u12"'),
    bad('comment', 'rfc8259', '/* c */ 1'),
    bad('two values', 'rfc8259', '{} {}'),
    bad('no-break space as whitespace', 'rfc8259', '\u00a01'),
    bad('literal in capitals', 'rfc8259', 'True'),
    badBytes('UTF-8 byte order mark', 'rfc8259', 'efbbbf7b7d'),
    badBytes('invalid UTF-8', 'utf8', '22c32822'),
    badBytes('overlong UTF-8', 'utf8', '22c0af22'),
    badBytes('surrogate in UTF-8', 'utf8', '22eda08022'),
  ];
}

if (process.argv[1]?.endsWith('brygga-json-vectors.ts')) {
  const file = join(import.meta.dirname, '..', 'vectors', 'brygga-json.json');
  const cases = bryggaJsonCases().map((c) => ({
    name: c.name,
    hex: c.hex ?? Buffer.from(c.text!, 'utf8').toString('hex'),
    valid: c.rule === null,
    ...(c.rule === null ? { valueJson: JSON.stringify(c.value) } : { rule: c.rule }),
  }));
  const doc = {
    description:
      'Brygga JSON (PROTOCOL.md §1.1): each `hex` is a UTF-8 text; a parser accepts it exactly when `valid`, giving the value that `valueJson` (compact JSON text) denotes. `rule` names what refuses an invalid one: rfc8259, utf8, duplicate (§1.1 rule 2), surrogate (3), integer (4), depth (5).',
    numberOfCases: cases.length,
    cases,
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
