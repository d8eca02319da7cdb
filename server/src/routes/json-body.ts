/**
 * JSON request bodies, checked against the specification (PROTOCOL.md §9): the JSON Schemas in
 * schemas/ (relay-api.schema.json and the common.schema.json it refers to), the same files the
 * OpenAPI document refers to and a Java or .NET peer reads, are the single source of what a body may
 * be. They are read when the relay builds its app, and each is compiled with Ajv (JSON Schema 2020-12)
 * on its first use, so the relay's start does not wait for Ajv's code generation. The files are not
 * checked against the 2020-12 meta-schema here (compiling the meta-schema cost more than the rest of the
 * relay's start): the test suite checks them against it (test/support/schemas.ts).
 *
 * A route takes a body in two steps: {@link readJsonBody} reads it defensively (body.ts: media type,
 * size while streaming, strict UTF-8, nesting depth, then JSON) and {@link validJson}, Hono's validator,
 * checks it against its schema; a body that does not match is `ERR_MALFORMED` naming the field. The
 * handler gets the typed value from `c.req.valid('json')`.
 */
import { readFileSync } from 'node:fs';
import { BryggaError, type GeneralJws } from '@brygga/client-sdk';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { createMiddleware } from 'hono/factory';
import { validator } from 'hono/validator';
import { parseJson, readRequestBody, requireMediaType } from './body.js';
import type { RelayEnv } from './context.js';

/** Where the relay API's schemas live in the repository. */
export const SCHEMA_DIRECTORY = new URL('../../../schemas/', import.meta.url);

/** The schema files the relay validates with: the relay API's, and what it refers to. */
export const RELAY_SCHEMA_FILES = ['relay-api.schema.json', 'common.schema.json'] as const;

const RELAY_API = 'urn:brygga:schema:relay-api';

/** `POST /v1/directory/statements` (relay-api.schema.json#/$defs/StatementSubmission). */
export interface StatementSubmission {
  jws: string;
}

/** `POST /v1/admin/root-changes` (relay-api.schema.json#/$defs/RootChangeSubmission). */
export interface RootChangeSubmission {
  jws: string;
}

/** `POST /v1/log/cosignatures` (relay-api.schema.json#/$defs/CosignatureSubmission). */
export interface CosignatureSubmission {
  size: number;
  signature: string;
}

/** A request body's schema, typed by what a valid body is. */
export interface BodySchema<T> {
  /** The definition's name in relay-api.schema.json. */
  readonly name: string;
  /** The compiled validator (compiled on first use). */
  readonly validate: ValidateFunction<T>;
}

/** The request bodies' schemas. */
export interface RequestSchemas {
  statement: BodySchema<StatementSubmission>;
  agreement: BodySchema<GeneralJws>;
  rootChange: BodySchema<RootChangeSubmission>;
  cosignature: BodySchema<CosignatureSubmission>;
}

let loaded: RequestSchemas | undefined;

/** The request bodies' schemas: the files read on the first call, each schema compiled on its first use. */
export function requestSchemas(): RequestSchemas {
  if (loaded) return loaded;
  const ajv = new Ajv2020({ strict: true, allErrors: false, validateSchema: false });
  for (const file of RELAY_SCHEMA_FILES) {
    ajv.addSchema(JSON.parse(readFileSync(new URL(file, SCHEMA_DIRECTORY), 'utf8')));
  }
  const schema = <T>(name: string): BodySchema<T> => {
    let validate: ValidateFunction<T> | undefined;
    return {
      name,
      get validate() {
        validate ??= ajv.getSchema<T>(`${RELAY_API}#/$defs/${name}`);
        if (!validate) throw new Error(`relay-api.schema.json has no definition ${name}`);
        return validate;
      },
    };
  };
  loaded = {
    statement: schema<StatementSubmission>('StatementSubmission'),
    agreement: schema<GeneralJws>('GeneralJws'),
    rootChange: schema<RootChangeSubmission>('RootChangeSubmission'),
    cosignature: schema<CosignatureSubmission>('CosignatureSubmission'),
  };
  return loaded;
}

/** Longest member name quoted back in a refusal. */
const MAX_QUOTED_NAME = 64;

function quoted(name: unknown): string {
  return JSON.stringify(String(name).slice(0, MAX_QUOTED_NAME));
}

/** A schema refusal in words, naming the field: `signatures.0.protected must match pattern …`. */
function describeSchemaError(error: ErrorObject | undefined): string {
  if (!error) return 'the body does not match its schema';
  const path = error.instancePath.slice(1).split('/').join('.');
  const at = path === '' ? 'the body' : path;
  switch (error.keyword) {
    case 'required':
      return `${at} must have ${quoted(error.params.missingProperty)}`;
    case 'additionalProperties':
      return `${at} must not have ${quoted(error.params.additionalProperty)}`;
    default:
      return `${at} ${error.message ?? 'is not valid'}`;
  }
}

/**
 * Read a JSON body of at most `limit` bytes: media type, size, UTF-8, depth and JSON checked before
 * anything else (body.ts). The text is left for {@link validJson} to take through Hono's body cache.
 */
export function readJsonBody(limit: number) {
  return createMiddleware<RelayEnv>(async (c, next) => {
    requireMediaType(c.req.header('content-type'), 'application/json');
    const { text } = parseJson(await readRequestBody(c, limit));
    // Hono keeps each body it has read as a promise in bodyCache, whatever its declared type says, and
    // `c.req.json()` (what its validator calls) parses the cached text instead of reading the request.
    (c.req.bodyCache as unknown as { text: Promise<string> }).text = Promise.resolve(text);
    await next();
  });
}

/** Hono's JSON validator with `schema`: the handler gets the body as `c.req.valid('json')`. */
export function validJson<T>(schema: BodySchema<T>) {
  return validator('json', (value): T => {
    if (!schema.validate(value)) {
      throw new BryggaError('ERR_MALFORMED', describeSchemaError(schema.validate.errors?.[0]));
    }
    return value;
  });
}
