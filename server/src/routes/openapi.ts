/**
 * The relay's description of itself (PROTOCOL.md §9): `GET /v1/openapi.json`, the OpenAPI 3.1 document,
 * and the JSON Schema files it refers to by relative reference, `GET /v1/relay-api.schema.json` and
 * `GET /v1/common.schema.json`, so that the document served resolves as the one in the repository does.
 * The files in schemas/ are the single source; the relay serves their bytes unchanged.
 */
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import type { RelayEnv } from './context.js';
import { RELAY_SCHEMA_FILES, SCHEMA_DIRECTORY } from './json-body.js';

/** The files served, by name: the OpenAPI document and the schema files it refers to. */
const SERVED = ['openapi.json', ...RELAY_SCHEMA_FILES] as const;

const cache = new Map<string, string>();

/** The text of a file of schemas/ (read once). */
function schemaFile(name: (typeof SERVED)[number]): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(name, SCHEMA_DIRECTORY), 'utf8');
    cache.set(name, text);
  }
  return text;
}

/** The OpenAPI route and the schema files' routes. */
export function openApiRoutes(): Hono<RelayEnv> {
  const app = new Hono<RelayEnv>();
  for (const name of SERVED) {
    app.get(`/${name}`, (c) => {
      const type = name.endsWith('.schema.json') ? 'application/schema+json' : 'application/json';
      c.header('content-type', `${type}; charset=utf-8`);
      return c.body(schemaFile(name));
    });
  }
  return app;
}
