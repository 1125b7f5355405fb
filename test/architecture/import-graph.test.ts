// The folders of src/ are the architecture: the engine knows no nnU-Net, nnU-Net's phases reach the
// engine only through the stage API, and no two folders import each other (directly or around a loop);
// nor do two files (a value import each way, directly or around a loop), which the folder check cannot see.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileCycles, folderCycles, folderEdges, importEdges, layerViolations, type ImportEdge, type LayerRule } from './import-graph.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

const RULES: readonly LayerRule[] = [
  { layer: 'util', mayImport: [] },
  { layer: 'io', mayImport: ['util'] },
  { layer: 'stage-api', mayImport: ['util'] },
  { layer: 'native', mayImport: ['io', 'util'] },
  { layer: 'engine', mayImport: ['stage-api', 'util'] },
  { layer: 'nnunet', mayImport: ['stage-api/types.ts', 'stage-api/registry.ts', 'io', 'native', 'util'] },
];

describe('import graph of src/', () => {
  const edges = importEdges(SRC);

  it('reads the imports (the graph is not empty)', () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(edges).toContainEqual({ from: 'main.ts', to: 'engine/cli/main.ts' });
  });

  it('has no cycle between folders, at any depth', () => {
    for (const depth of [1, 2, 3, 4]) {
      const graph = folderEdges(edges, depth);
      const cycles = folderCycles(graph).map((c) => {
        const why = c.flatMap((a) => c.map((b) => graph.get(a)?.get(b)).filter((e): e is ImportEdge => e !== undefined));
        return `${c.join(' <-> ')}: ${why.map((e) => `${e.from} => ${e.to}`).join('; ')}`;
      });
      expect(cycles, `depth ${depth}`).toEqual([]);
    }
  });

  // Value imports only: an `import type` is erased by the compiler, so a file may name another's types
  // while that one imports its functions; a value import each way means each file can run before the
  // other has finished evaluating, and the two are one module in all but name.
  it('has no cycle between files (value imports)', () => {
    expect(fileCycles(importEdges(SRC, { valuesOnly: true }))).toEqual([]);
  });

  it('keeps every layer to what it may import (the engine never imports nnunet/)', () => {
    expect(layerViolations(edges, RULES)).toEqual([]);
  });

  it('nnunet/ imports from the stage API only its types (and stages/index.ts the registry type)', () => {
    const apiImports = edges.filter((e) => e.from.startsWith('nnunet/') && e.to.startsWith('stage-api/') && e.to !== 'stage-api/types.ts');
    expect(apiImports).toEqual([{ from: 'nnunet/stages/index.ts', to: 'stage-api/registry.ts' }]);
  });

  it('phase code takes explicit arguments, not a StageContext (only the stage adapters in nnunet/stages/ do)', () => {
    const phases = [...new Set(edges.map((e) => e.from))].filter((f) => f.startsWith('nnunet/') && !f.startsWith('nnunet/stages/'));
    const naming = phases.filter((f) => /\bStageContext\b/.test(readFileSync(join(SRC, f), 'utf8')));
    expect(naming).toEqual([]);
  });
});

describe('import graph checks', () => {
  it('find a folder cycle and name it', () => {
    const edges: ImportEdge[] = [
      { from: 'a/x.ts', to: 'b/y.ts' },
      { from: 'b/y.ts', to: 'c/z.ts' },
      { from: 'c/z.ts', to: 'a/w.ts' },
      { from: 'd/v.ts', to: 'a/x.ts' },
    ];
    expect(folderCycles(folderEdges(edges, 1))).toEqual([['a', 'b', 'c']]);
    expect(folderCycles(folderEdges(edges.slice(0, 2), 1))).toEqual([]);
  });

  it('find a file cycle of value imports, inside one folder, and name its edges', () => {
    const edges: ImportEdge[] = [
      { from: 'a/x.ts', to: 'a/y.ts' },
      { from: 'a/y.ts', to: 'a/z.ts' },
      { from: 'a/z.ts', to: 'a/x.ts' },
      { from: 'a/z.ts', to: 'b/v.ts' },
      { from: 'b/v.ts', to: 'b/w.ts' },
    ];
    expect(folderCycles(folderEdges(edges, 1))).toEqual([]);
    expect(fileCycles(edges)).toEqual(['a/x.ts <-> a/y.ts <-> a/z.ts: a/x.ts => a/y.ts; a/y.ts => a/z.ts; a/z.ts => a/x.ts']);
    expect(fileCycles(edges.slice(0, 2))).toEqual([]);
  });

  it('read type-only statements as type imports, and the rest as value imports', () => {
    const root = mkdtempSync(join(tmpdir(), 'pipe-import-graph-'));
    try {
      writeFileSync(
        join(root, 'a.ts'),
        [
          "import type { A } from './t1.js';",
          "export type { B } from './t2.js';",
          "import { type C } from './v1.js';",
          "import type from './v2.js';",
          "import {\n  d,\n  type E,\n} from './v3.js';",
          "export * from './v4.js';",
          "import './v5.js';",
          "const f = () => import('./v6.js');",
        ].join('\n'),
      );
      const values = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6'].map((v) => ({ from: 'a.ts', to: `${v}.ts` }));
      expect(importEdges(root, { valuesOnly: true })).toEqual(values);
      expect(importEdges(root)).toEqual([{ from: 'a.ts', to: 't1.ts' }, { from: 'a.ts', to: 't2.ts' }, ...values]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('find an import across a layer rule', () => {
    const edges: ImportEdge[] = [
      { from: 'engine/run.ts', to: 'nnunet/train.ts' },
      { from: 'engine/run.ts', to: 'util/fs.ts' },
    ];
    expect(layerViolations(edges, [{ layer: 'engine', mayImport: ['util'] }])).toEqual([
      'engine/run.ts => nnunet/train.ts (engine may import only util)',
    ]);
  });
});
