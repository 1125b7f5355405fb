/**
 * Duplicate mapping keys, found in one pass. The `yaml` package's own check (`uniqueKeys`) compares
 * each new key with every earlier key of its map, so a file with 20k params took 14 s to load and
 * one with 100k minutes; this keeps a set per map instead (linear in the number of keys).
 */
import { isScalar, visit, type Document, type Node } from 'yaml';
import type { Diagnostic } from './diagnostics.js';

export function duplicateKeys(doc: Document, file: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = pair.key as Node | null;
        // Same equality as yaml's default: scalar keys by value (1 and "1" differ); others by identity.
        const id: unknown = isScalar(key) ? key.value : key;
        if (!seen.has(id)) {
          seen.add(id);
          continue;
        }
        const range = key?.range;
        found.push({
          message: 'invalid YAML: Map keys must be unique',
          ...(range ? { span: { file, start: range[0], end: Math.max(range[1], range[0] + 1) } } : {}),
        });
      }
    },
  });
  return found;
}
