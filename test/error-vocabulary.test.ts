/**
 * The one error vocabulary (PROTOCOL.md §9.1): the SDK's error table is what the specification says,
 * what the relay API's schemas list as problem types, and what the OpenAPI document lists.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, ERROR_TABLE, problemType } from '@brygga/client-sdk';
import { describe, expect, it } from 'vitest';
import { assertValid, loadSchemas } from './support/schemas.js';

const schemas = join(import.meta.dirname, '..', 'schemas');
const read = (file: string) => readFileSync(join(schemas, file), 'utf8');
const PROBLEM_TYPES = ERROR_CODES.map(problemType);

describe('the error vocabulary', () => {
  it('is the table of PROTOCOL.md §9.1, row for row', () => {
    const protocol = read('PROTOCOL.md');
    const section = protocol.slice(protocol.indexOf('### 9.1 Errors'), protocol.indexOf('## 10.'));
    const rows = [...section.matchAll(/^\| `(ERR_[A-Z_]+)` \| `([a-z-]+)` \| (\d{3}) \| (.+) \|$/gm)];
    expect(rows.map((r) => r[1]).sort()).toEqual([...ERROR_CODES].sort());
    for (const [, code, problem, status, meaning] of rows) {
      const row = ERROR_TABLE[code as keyof typeof ERROR_TABLE];
      expect({ problem, status: Number(status) }, code).toEqual({ problem: row.problem, status: row.status });
      expect(meaning!.trim(), code).not.toBe('');
    }
  });

  it('is the enum of problem types in relay-api.schema.json, which every relay problem matches', () => {
    const api = JSON.parse(read('relay-api.schema.json'));
    expect(api.$defs.ProblemType.enum).toEqual(PROBLEM_TYPES);
    expect(api.$defs.Problem.properties.type).toEqual({ $ref: '#/$defs/ProblemType' });
    const ajv = loadSchemas();
    for (const code of ERROR_CODES) {
      const { status, title } = ERROR_TABLE[code];
      assertValid(ajv, 'urn:brygga:schema:relay-api#/$defs/Problem', {
        type: problemType(code),
        title,
        status,
        detail: 'why',
      });
    }
    expect(() =>
      assertValid(ajv, 'urn:brygga:schema:relay-api#/$defs/Problem', {
        type: 'urn:brygga:problem:no-such-problem',
        title: 'x',
        status: 400,
        detail: 'x',
      }),
    ).toThrow(/must be equal to one of the allowed values/);
  });

  it('is the enum of problem types of openapi.json, by reference to relay-api.schema.json', () => {
    const doc = JSON.parse(read('openapi.json'));
    const api = JSON.parse(read('relay-api.schema.json'));
    expect(doc.components.schemas.ProblemType).toEqual({ $ref: 'relay-api.schema.json#/$defs/ProblemType' });
    expect(doc.components.schemas.Problem).toEqual({ $ref: 'relay-api.schema.json#/$defs/Problem' });
    expect(api.$defs.ProblemType.enum).toEqual(PROBLEM_TYPES);
    // Every problem response of the document is a Problem.
    const responses = doc.components.responses as Record<
      string,
      { content: Record<string, { schema: unknown }> }
    >;
    for (const [status, response] of Object.entries(responses)) {
      expect(response.content['application/problem+json']!.schema, status).toEqual({
        $ref: '#/components/schemas/Problem',
      });
    }
  });
});
