/**
 * Ajv with every schema of schemas/ including the case packets (schemas/packets/) and the signed case
 * documents (schemas/documents/), PROTOCOL.md §12–17.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { loadSchemas } from './schemas.js';

const root = join(import.meta.dirname, '..', '..', 'schemas');

/** loadSchemas() plus schemas/packets and schemas/documents. */
export function loadCaseSchemas(): Ajv2020 {
  const ajv = loadSchemas();
  for (const sub of ['packets', 'documents']) {
    const dir = join(root, sub);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.schema.json'))) {
      ajv.addSchema(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    }
  }
  return ajv;
}

/** Whether `value` is valid against the schema `ref`. */
export function isValid(ajv: Ajv2020, ref: string, value: unknown): boolean {
  const validate = ajv.getSchema(ref);
  if (!validate) throw new Error(`no schema ${ref}`);
  return validate(value) as boolean;
}
