/**
 * The OpenAPI document: served by the relay from schemas/openapi.json, its component
 * schemas identical to the JSON Schemas in schemas/, and every documented operation routed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type TestRelay } from '../support/relay.js';

const schemas = join(import.meta.dirname, '..', '..', 'schemas');
const read = (file: string) => JSON.parse(readFileSync(join(schemas, file), 'utf8'));

/** Rewrite every `$ref` with `map`. */
function mapRefs(node: unknown, map: (ref: string) => string): unknown {
  if (Array.isArray(node)) return node.map((n) => mapRefs(n, map));
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' ? map(v) : mapRefs(v, map),
      ]),
    );
  }
  return node;
}

describe('OpenAPI document', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay('sqlite');
  });
  afterAll(async () => {
    await relay?.close();
  });

  it('is served unchanged from schemas/openapi.json', async () => {
    const res = await relay.request('/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.text()).toBe(readFileSync(join(schemas, 'openapi.json'), 'utf8'));
  });

  it('has the component schemas of relay-api.schema.json and common.schema.json, exactly', () => {
    const doc = read('openapi.json');
    const api = read('relay-api.schema.json');
    const common = read('common.schema.json');
    expect(doc.openapi).toBe('3.1.0');
    const components = doc.components.schemas as Record<string, unknown>;
    const toComponent = (ref: string) =>
      ref
        .replace(/^#\/\$defs\//, '#/components/schemas/')
        .replace(/^urn:brygga:schema:common#\/\$defs\//, '#/components/schemas/');
    for (const [name, schema] of Object.entries(api.$defs)) {
      expect(components[name], name).toEqual(mapRefs(schema, toComponent));
    }
    for (const [name, schema] of Object.entries(components)) {
      if (name in api.$defs) continue;
      expect(common.$defs[name], `${name} must come from common.schema.json`).toEqual(schema);
    }
    // Every reference resolves.
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const [, kind, name] = /#\/components\/(schemas|responses)\/([A-Za-z0-9]+)/.exec(ref) ?? [];
      expect(doc.components[kind!]?.[name!], ref).toBeDefined();
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
