/**
 * The OpenAPI document: served by the relay from schemas/openapi.json with the schema files it refers
 * to, its component schemas references into those files, and every documented operation routed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type TestRelay } from '../support/relay.js';

const schemas = join(import.meta.dirname, '..', '..', 'schemas');
const read = (file: string) => JSON.parse(readFileSync(join(schemas, file), 'utf8'));

/** Every `$ref` in `node`. */
function refsOf(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsOf);
  if (node && typeof node === 'object') {
    return Object.entries(node).flatMap(([k, v]) =>
      k === '$ref' && typeof v === 'string' ? [v] : refsOf(v),
    );
  }
  return [];
}

/** The schema files the document refers to, and the one thing of each a reference may name. */
const FILES = ['relay-api.schema.json', 'common.schema.json'] as const;

describe('OpenAPI document', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay('sqlite');
  });
  afterAll(async () => {
    await relay?.close();
  });

  it('is served unchanged from schemas/openapi.json, with the schema files it refers to', async () => {
    const res = await relay.request('/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.text()).toBe(readFileSync(join(schemas, 'openapi.json'), 'utf8'));
    for (const file of FILES) {
      const served = await relay.request(`/v1/${file}`);
      expect(served.headers.get('content-type')).toMatch(/^application\/schema\+json/);
      expect(await served.text()).toBe(readFileSync(join(schemas, file), 'utf8'));
    }
  });

  it('refers to the definitions of relay-api.schema.json and common.schema.json instead of copying them', () => {
    const doc = read('openapi.json');
    const api = read('relay-api.schema.json');
    const common = read('common.schema.json');
    expect(doc.openapi).toBe('3.1.0');
    const components = doc.components.schemas as Record<string, unknown>;
    // Every definition of the relay API is a component, by reference and under its own name.
    for (const name of Object.keys(api.$defs)) {
      expect(components[name], name).toEqual({ $ref: `relay-api.schema.json#/$defs/${name}` });
    }
    for (const [name, schema] of Object.entries(components)) {
      if (name in api.$defs) continue;
      expect(schema, `${name} must refer to common.schema.json`).toEqual({
        $ref: `common.schema.json#/$defs/${name}`,
      });
      expect(common.$defs[name], name).toBeDefined();
    }
    // Every reference resolves: within the document, or to a definition of a schema file beside it.
    const files: Record<string, { $defs: Record<string, unknown> }> = {
      'relay-api.schema.json': api,
      'common.schema.json': common,
    };
    for (const ref of refsOf(doc)) {
      const local = /^#\/components\/(schemas|responses)\/([A-Za-z0-9]+)$/.exec(ref);
      const file = /^([a-z-]+\.schema\.json)#\/\$defs\/([A-Za-z0-9]+)$/.exec(ref);
      if (local) expect(doc.components[local[1]!]?.[local[2]!], ref).toBeDefined();
      else if (file) expect(files[file[1]!]?.$defs[file[2]!], ref).toBeDefined();
      else expect.fail(`unresolvable reference ${ref}`);
    }
  });

  it('documents exactly the routes the relay serves', async () => {
    const doc = read('openapi.json');
    const documented: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) {
        documented.push(`${method.toUpperCase()} ${path}`);
        const res = await relay.request(path.replace('{id}', 'AAAAAAAAAAAAAAAAAAAAAA'), {
          method: method.toUpperCase(),
        });
        // Unauthenticated calls are refused by the route, not "no such resource".
        if (res.status === 404)
          expect((await res.json()).detail, `${method} ${path}`).not.toBe('no such resource');
        else await res.body?.cancel();
      }
    }
    const served = relay.app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    expect([...new Set(served)].sort()).toEqual(documented.sort());
  });
});
