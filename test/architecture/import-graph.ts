/**
 * The import graph of src/, read from the sources (static imports, re-exports and dynamic import()s
 * with a relative specifier), folded to folders, plus the checks the architecture test makes:
 * folder cycles and file cycles (strongly connected components) and layer rules (which top-level
 * folder may import which).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** One import: the importing file and the imported file, both relative to the root (`engine/cli/main.ts`). */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

// `type` right after import/export (and not a default import named `type`) makes the statement type-only.
const SPECIFIER =
  /(?:import|export)\s+(type\s+(?!from\b))?[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|^\s*import\s+['"](\.[^'"]+)['"]/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Every relative import between files under `root`. With `valuesOnly`, without the `import type` /
 * `export type` statements: verbatimModuleSyntax erases exactly those, so they are no edge of the module
 * graph Node loads. An inline `import { type A }` stays (it is kept as `import {}`, which loads the module).
 */
export function importEdges(root: string, { valuesOnly = false }: { valuesOnly?: boolean } = {}): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(root)) {
    for (const m of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const spec = m[2] ?? m[3] ?? m[4];
      if (spec === undefined || (valuesOnly && m[1] !== undefined)) continue;
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      edges.push({ from: relative(root, file).split(sep).join('/'), to: relative(root, target).split(sep).join('/') });
    }
  }
  return edges;
}

/** The folder of a file, cut to `depth` levels (`engine/cli/main.ts`, 1 -> `engine`); `.` for root files. */
export function folderOf(file: string, depth: number): string {
  const parts = file.split('/').slice(0, -1);
  return parts.slice(0, depth).join('/') || '.';
}

/** Folder-level edges at `depth`, each with one file edge that makes it (for the message). */
export function folderEdges(edges: readonly ImportEdge[], depth: number): Map<string, Map<string, ImportEdge>> {
  const graph = new Map<string, Map<string, ImportEdge>>();
  for (const e of edges) {
    const a = folderOf(e.from, depth);
    const b = folderOf(e.to, depth);
    if (a === b) continue;
    let out = graph.get(a);
    if (out === undefined) graph.set(a, (out = new Map()));
    if (!out.has(b)) out.set(b, e);
  }
  return graph;
}

/** Strongly connected components with more than one folder (Tarjan): each is a folder cycle. */
export function folderCycles(graph: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[][] {
  return stronglyConnected(graph);
}

/**
 * File-level cycles: strongly connected components of the files joined by `edges`, each as
 * `a.ts <-> b.ts: a.ts => b.ts; b.ts => a.ts`. Two files of one folder that import each other are invisible
 * to the folder check. The architecture test gives it the value imports only (see importEdges).
 */
export function fileCycles(edges: readonly ImportEdge[]): string[] {
  const graph = new Map<string, Map<string, ImportEdge>>();
  for (const e of edges) {
    if (e.from === e.to) continue;
    let out = graph.get(e.from);
    if (out === undefined) graph.set(e.from, (out = new Map()));
    if (!out.has(e.to)) out.set(e.to, e);
  }
  return stronglyConnected(graph).map((files) => {
    const why = files.flatMap((a) => files.flatMap((b) => graph.get(a)?.get(b) ?? []));
    return `${files.join(' <-> ')}: ${why.map((e) => `${e.from} => ${e.to}`).join('; ')}`;
  });
}

/** Strongly connected components with more than one node (Tarjan), each sorted. */
function stronglyConnected(graph: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** A layer rule: files under `layer` may import only files under the listed prefixes (and their own layer). */
export interface LayerRule {
  readonly layer: string;
  readonly mayImport: readonly string[];
}

const under = (file: string, prefix: string): boolean => file === prefix || file.startsWith(`${prefix}/`);

/** The imports that break a rule, as `from => to (layer may import only …)` lines. */
export function layerViolations(edges: readonly ImportEdge[], rules: readonly LayerRule[]): string[] {
  const found: string[] = [];
  for (const e of edges) {
    for (const rule of rules) {
      if (!under(e.from, rule.layer) || under(e.to, rule.layer)) continue;
      if (!rule.mayImport.some((p) => under(e.to, p)))
        found.push(`${e.from} => ${e.to} (${rule.layer} may import only ${rule.mayImport.join(', ') || 'itself'})`);
    }
  }
  return found;
}
