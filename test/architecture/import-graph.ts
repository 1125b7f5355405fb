/**
 * The import graph of src/, read from the sources (static imports, re-exports and dynamic import()s
 * with a relative specifier), folded to folders, plus the two checks the architecture test makes:
 * folder cycles (strongly connected components) and layer rules (which top-level folder may import
 * which).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** One import: the importing file and the imported file, both relative to the root (`engine/cli/main.ts`). */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

const SPECIFIER = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|^\s*import\s+['"](\.[^'"]+)['"]/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import between files under `root`. */
export function importEdges(root: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(root)) {
    for (const m of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec === undefined) continue;
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
