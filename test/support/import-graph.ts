/**
 * The import graph of a source folder, for architecture tests: which file imports which, import cycles,
 * and imports that break a layer order. Every `.ts` file under the root is read with the TypeScript
 * parser (so a specifier inside a comment or a string is not an import), and every module specifier is
 * collected: `import … from`, `import type … from`, `export … from`, `export type … from`, bare
 * `import '…'`, `import('…')` and `import('…')` types. Relative specifiers are resolved as NodeNext does
 * for this repository (`./x.js` is `./x.ts`, a folder is its `index.ts`); anything else (a package, a
 * `node:` module) is kept as an external import. Type-only imports count like any other: a cycle of
 * types still ties the modules' meaning together, and a layer that names a type of the layer above
 * depends on it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One import of one file: the file it resolves to (relative to the root, `/`-separated). */
export interface ImportEdge {
  from: string;
  to: string;
  specifier: string;
}

/** The graph of a folder. Paths are relative to `root` and `/`-separated. */
export interface ImportGraph {
  root: string;
  files: string[];
  /** Imports that resolve to a file under the root, per importing file. */
  internal: Map<string, ImportEdge[]>;
  /** Specifiers that are not relative (packages, `node:` modules), per importing file. */
  external: Map<string, string[]>;
  /** Relative imports that resolve outside the root (test helpers), per importing file. */
  outside: Map<string, string[]>;
}

const SOURCE = /\.(ts|tsx|mts|cts)$/;

function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listSources(path));
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every module specifier of a source text, in order of appearance. */
export function moduleSpecifiers(fileName: string, text: string): string[] {
  const kind = fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, kind);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The file a relative specifier names, as NodeNext resolves it here; undefined when there is none. */
function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [
    base
      .replace(/\.js$/, '.ts')
      .replace(/\.mjs$/, '.mts')
      .replace(/\.cjs$/, '.cts'),
    base.replace(/\.js$/, '.tsx'),
    base,
    `${base}.ts`,
    join(base, 'index.ts'),
  ];
  return candidates.find((c) => SOURCE.test(c) && existsSync(c) && statSync(c).isFile());
}

const posix = (path: string) => path.split(sep).join('/');

/**
 * Read the import graph of every source file under `root`. A relative specifier that names no file is
 * an error: the checker must not pass by not seeing an import.
 */
export function importGraph(root: string): ImportGraph {
  const absoluteRoot = resolve(root);
  const graph: ImportGraph = {
    root: absoluteRoot,
    files: [],
    internal: new Map(),
    external: new Map(),
    outside: new Map(),
  };
  for (const file of listSources(absoluteRoot)) {
    const from = posix(relative(absoluteRoot, file));
    graph.files.push(from);
    const internal: ImportEdge[] = [];
    const external: string[] = [];
    const outside: string[] = [];
    for (const specifier of moduleSpecifiers(file, readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) {
        external.push(specifier);
        continue;
      }
      const target = resolveRelative(file, specifier);
      if (target === undefined) throw new Error(`${from}: cannot resolve ${specifier}`);
      const to = posix(relative(absoluteRoot, target));
      if (to.startsWith('../')) outside.push(to);
      else internal.push({ from, to, specifier });
    }
    graph.internal.set(from, internal);
    graph.external.set(from, external);
    graph.outside.set(from, outside);
  }
  return graph;
}

/** Files tied by imports into a cycle: all of them, and one shortest way round. */
export interface ImportCycle {
  /** Every file of the strongly connected set, sorted: each reaches every other by imports. */
  files: string[];
  /** One cycle through the set, from its first file back to it. */
  path: string[];
}

/**
 * The import cycles of a graph: one per strongly connected set of files that has one (Tarjan's
 * algorithm), with a shortest way round it starting and ending at its first file.
 */
export function findCycles(graph: ImportGraph): ImportCycle[] {
  const next = (f: string) => [...new Set((graph.internal.get(f) ?? []).map((e) => e.to))].sort();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || next(v).includes(v)) components.push(component.sort());
    }
  };
  for (const f of [...graph.files].sort()) if (!index.has(f)) connect(f);
  // A shortest way round each component, from its first file back to it.
  return components.map((component) => {
    const members = new Set(component);
    const start = component[0]!;
    const came = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const v = queue.shift()!;
      for (const w of next(v)) {
        if (!members.has(w)) continue;
        if (w === start) {
          const path = [start];
          for (let at = v; at !== start; at = came.get(at)!) path.splice(1, 0, at);
          return { files: component, path: [...path, start] };
        }
        if (!came.has(w)) {
          came.set(w, v);
          queue.push(w);
        }
      }
    }
    return { files: component, path: [start, start] };
  });
}

/** A cycle for a failure message: `a.ts → b.ts → a.ts`, and the other files tied into it, if any. */
export function describeCycle(cycle: ImportCycle): string {
  const others = cycle.files.filter((f) => !cycle.path.includes(f));
  return `${cycle.path.join(' → ')}${others.length > 0 ? ` (tied with ${others.join(', ')})` : ''}`;
}

/**
 * A layer order: the layer of each file, and per layer what it may import besides itself. An allowed
 * entry is a layer name, or a file path (ending in `.ts`) when the layer may import only that file of
 * another layer (the command line, which may use only the public index).
 */
export interface LayerRules {
  layerOf: (file: string) => string;
  allowed: Readonly<Record<string, readonly string[]>>;
}

/** An import a layer order forbids. */
export interface LayerViolation extends ImportEdge {
  fromLayer: string;
  toLayer: string;
}

/** Every import that goes from a layer to one it may not import. A layer missing from the table is one too. */
export function layerViolations(graph: ImportGraph, rules: LayerRules): LayerViolation[] {
  const out: LayerViolation[] = [];
  for (const edges of graph.internal.values()) {
    for (const edge of edges) {
      const fromLayer = rules.layerOf(edge.from);
      const toLayer = rules.layerOf(edge.to);
      if (fromLayer === toLayer) continue;
      const allowed = rules.allowed[fromLayer] ?? [];
      if (allowed.includes(toLayer) || allowed.includes(edge.to)) continue;
      out.push({ ...edge, fromLayer, toLayer });
    }
  }
  return out;
}

/** The first folder of a path, or the file's name without its extension for a file at the root. */
export function topFolder(file: string): string {
  const slash = file.indexOf('/');
  return slash < 0 ? file.replace(SOURCE, '') : file.slice(0, slash);
}
