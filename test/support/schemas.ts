/**
 * Loads every JSON Schema in schemas/ into one Ajv (draft 2020-12) instance, so tests can check that
 * what the SDK and the relay produce is exactly what the specification describes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';

const dir = join(import.meta.dirname, '..', '..', 'schemas');

/** An Ajv instance holding all of schemas/*.schema.json, by their `$id`. */
export function loadSchemas(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.schema.json'))) {
    ajv.addSchema(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  }
  return ajv;
}

/** Validate `value` against the schema `ref` (an `$id`, optionally with a JSON pointer); throws with Ajv's errors. */
export function assertValid(ajv: Ajv2020, ref: string, value: unknown): void {
  const validate = ajv.getSchema(ref);
  if (!validate) throw new Error(`no schema ${ref}`);
  if (!validate(value)) throw new Error(`${ref}: ${ajv.errorsText(validate.errors)}`);
}
