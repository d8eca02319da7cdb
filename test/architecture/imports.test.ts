/**
 * The SDK's architecture, checked on its import graph (test/support/import-graph.ts): no import cycle,
 * and every layer imports only the layers below it. The order, lowest first:
 *
 *     errors ← crypto ← directory ← envelope ← cases ← client ← index ← console ← cli
 *                                  store, transport, transparency ← client
 *
 * `cases/` is the pure workflow (packet bodies, signed documents, the case log, the rules): it does no
 * I/O, so it may not import the store, the relay transport, the transparency log, the client or
 * anything Node. The command line uses the SDK as any case system would, through the public index.
 * The relay (server/src) is held to the same checker: no cycle, and its storage engines stay in their
 * folders behind the `Database` interface.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  describeCycle,
  findCycles,
  type ImportGraph,
  importGraph,
  type LayerRules,
  layerViolations,
  topFolder,
} from '../support/import-graph.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The SDK's layers: what each may import besides itself (a layer, or one file of another layer). */
const SDK_LAYERS: LayerRules = {
  layerOf: topFolder,
  allowed: {
    /** The error vocabulary every layer shares. */
    errors: [],
    crypto: ['errors'],
    directory: ['crypto', 'errors'],
    envelope: ['crypto', 'directory', 'errors'],
    cases: ['crypto', 'directory', 'envelope', 'errors'],
    store: ['errors'],
    transport: ['crypto', 'directory', 'envelope', 'errors'],
    transparency: ['crypto', 'errors'],
    client: ['crypto', 'directory', 'envelope', 'cases', 'store', 'transport', 'transparency', 'errors'],
    /** The public API: every layer of the core, not the Node-only ones. */
    index: [
      'crypto',
      'directory',
      'envelope',
      'cases',
      'client',
      'store',
      'transport',
      'transparency',
      'errors',
    ],
    /** Node conveniences: the store's Kysely implementation on better-sqlite3. */
    node: ['store', 'errors'],
    /** The coordinators' web console: the public API and the Node conveniences, as any case system. */
    console: ['index', 'node/index.ts'],
    /** The command line: the public API, the Node conveniences' public index, and the console it starts. */
    cli: ['index', 'node/index.ts', 'console'],
  },
};

/** Layers that may import `node:` modules (the core runs in browsers too). */
const NODE_LAYERS = new Set(['node', 'cli', 'console']);

const isTest = (file: string) => file.endsWith('.test.ts');

/** The imports that break the layer order, as readable lines. */
function violations(graph: ImportGraph, rules: LayerRules): string[] {
  return layerViolations(graph, rules).map(
    (v) => `${v.fromLayer} may not import ${v.toLayer}: ${v.from} imports ${v.specifier}`,
  );
}

describe('client-sdk/src', () => {
  const graph = importGraph(join(REPO, 'client-sdk', 'src'));

  it('is read whole: every folder has files and imports', () => {
    const layers = new Set(graph.files.map(topFolder));
    for (const layer of Object.keys(SDK_LAYERS.allowed)) expect(layers).toContain(layer);
    expect([...layers].filter((l) => !(l in SDK_LAYERS.allowed))).toEqual([]);
    expect([...graph.internal.values()].flat().length).toBeGreaterThan(200);
  });

  it('has no import cycle', () => {
    expect(findCycles(graph).map(describeCycle)).toEqual([]);
  });

  it('imports only downwards in the layer order', () => {
    expect(violations(graph, SDK_LAYERS)).toEqual([]);
  });

  it("keeps each folder's internal files (`_name.ts`) to that folder", () => {
    const reaching = [...graph.internal.values()]
      .flat()
      .filter((e) => /(^|\/)_[^/]+$/.test(e.to) && topFolder(e.from) !== topFolder(e.to))
      .map((e) => `${e.from} imports ${e.specifier}`);
    expect(reaching).toEqual([]);
  });

  it('imports node: modules only in node/ and cli/ (tests aside)', () => {
    const offending = graph.files
      .filter((f) => !isTest(f) && !NODE_LAYERS.has(topFolder(f)))
      .flatMap((f) =>
        graph.external
          .get(f)!
          .filter((s) => s.startsWith('node:'))
          .map((s) => `${f}: ${s}`),
      );
    expect(offending).toEqual([]);
  });

  it('keeps the pure workflow pure: cases/ imports no store, transport, log, client or Node module', () => {
    const cases = graph.files.filter((f) => topFolder(f) === 'cases' && !isTest(f));
    expect(cases.length).toBeGreaterThan(20);
    const io = cases.flatMap((f) => [
      ...graph.internal
        .get(f)!
        .filter((e) =>
          ['store', 'transport', 'transparency', 'client', 'cli', 'node'].includes(topFolder(e.to)),
        )
        .map((e) => `${f} imports ${e.specifier}`),
      ...graph.external
        .get(f)!
        .filter((s) => s.startsWith('node:') || s === 'kysely' || s === 'better-sqlite3')
        .map((s) => `${f} imports ${s}`),
    ]);
    expect(io).toEqual([]);
  });
});

describe('server/src', () => {
  const graph = importGraph(join(REPO, 'server', 'src'));

  it('is read whole', () => {
    expect(graph.files).toContain('storage/database.ts');
    expect([...graph.internal.values()].flat().length).toBeGreaterThan(50);
  });

  it('has no import cycle', () => {
    expect(findCycles(graph).map(describeCycle)).toEqual([]);
  });

  it('keeps each storage engine to its folder: the rest of storage/ knows only the Database interface', () => {
    const engines = new Set(['storage/sqlite', 'storage/postgres']);
    /** The factories that choose an engine by the configuration (start-early.ts: what starts first). */
    const choosers = new Set([
      'storage/open-database.ts',
      'storage/create-inbox-notifier.ts',
      'storage/start-early.ts',
    ]);
    const engineOf = (f: string) => [...engines].find((e) => f.startsWith(`${e}/`));
    const reaching = [...graph.internal.values()]
      .flat()
      .filter((e) => engineOf(e.to) && !engineOf(e.from) && !choosers.has(e.from))
      .filter((e) => !isTest(e.from))
      .map((e) => `${e.from} imports ${e.specifier}`);
    expect(reaching).toEqual([]);
  });
});

describe('the checker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brygga-imports-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function tree(files: Record<string, string>): ImportGraph {
    const root = mkdtempSync(join(dir, 'tree-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return importGraph(root);
  }

  it('names a cycle, type-only imports and re-exports included, and ignores comments and strings', () => {
    const graph = tree({
      'low/a.ts': "import type { B } from './b.js';\nexport type A = B;\n",
      'low/b.ts': "export { c } from '../high/c.js';\nexport type B = 1;\n",
      'high/c.ts':
        "import { type A } from '../low/a.js';\n// import '../low/d.js'\nexport const c = 'import \"./e.js\"' as unknown as A;\n",
      'high/d.ts': "export const d = () => import('./c.js');\n",
    });
    expect(findCycles(graph).map(describeCycle)).toEqual(['high/c.ts → low/a.ts → low/b.ts → high/c.ts']);
    expect(graph.internal.get('high/d.ts')!.map((e) => e.to)).toEqual(['high/c.ts']);
  });

  it('names an import from a lower layer into a higher one, and allows the order', () => {
    const graph = tree({
      'low/a.ts': "import { c } from '../high/c.js';\nexport const a = c;\n",
      'high/c.ts': "import { x } from '../low/x.js';\nexport const c = x;\n",
      'low/x.ts': 'export const x = 1;\n',
    });
    const rules: LayerRules = { layerOf: topFolder, allowed: { low: [], high: ['low'] } };
    expect(violations(graph, rules)).toEqual(['low may not import high: low/a.ts imports ../high/c.js']);
  });

  it('refuses an import it cannot resolve rather than skip it', () => {
    expect(() => tree({ 'a.ts': "import './missing.js';\n" })).toThrow(/cannot resolve \.\/missing\.js/);
  });
});
