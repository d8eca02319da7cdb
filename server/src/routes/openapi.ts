/**
 * `GET /v1/openapi.json`: the OpenAPI 3.1 document. The file schemas/openapi.json is
 * the single source; the relay serves its bytes unchanged.
 */
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import type { RelayEnv } from './context.js';

/** Where the document lives in the repository. */
export const OPENAPI_PATH = new URL('../../../schemas/openapi.json', import.meta.url);

let cached: string | undefined;

/** The OpenAPI document's text (read once). */
export function openApiDocument(): string {
  cached ??= readFileSync(OPENAPI_PATH, 'utf8');
  return cached;
}

/** The OpenAPI route. */
export function openApiRoutes(): Hono<RelayEnv> {
  return new Hono<RelayEnv>().get('/openapi.json', (c) => {
    c.header('content-type', 'application/json; charset=utf-8');
    return c.body(openApiDocument());
  });
}
