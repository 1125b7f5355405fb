/** `--set params.a.b=value` overrides: the value is read as a YAML scalar (4 -> number, x -> string). */
import { parse } from 'yaml';
import { suggestion } from '../../util/did-you-mean.js';
import type { Diagnostic } from './diagnostics.js';

export function applyOverrides(params: Readonly<Record<string, unknown>>, overrides: readonly string[]): { params: Record<string, unknown>; errors: Diagnostic[] } {
  const result = structuredClone(params) as Record<string, unknown>;
  const errors: Diagnostic[] = [];
  for (const o of overrides) {
    const eq = o.indexOf('=');
    const path = eq === -1 ? o : o.slice(0, eq);
    const parts = path.split('.');
    if (eq === -1 || parts[0] !== 'params' || parts.length < 2 || parts.some((p) => p === '')) {
      errors.push({ message: `--set ${o}: expected params.<name>=<value>` });
      continue;
    }
    let value: unknown;
    try {
      value = parse(o.slice(eq + 1));
    } catch {
      value = o.slice(eq + 1);
    }
    let node: Record<string, unknown> = result;
    let ok = true;
    for (let i = 1; i < parts.length - 1; i++) {
      const next = node[parts[i] ?? ''];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) {
        errors.push({ message: `--set ${o}: params.${parts.slice(1, i + 1).join('.')} is not a mapping in the pipeline's params` });
        ok = false;
        break;
      }
      node = next as Record<string, unknown>;
    }
    const leaf = parts[parts.length - 1] ?? '';
    if (ok && !Object.hasOwn(node, leaf)) {
      errors.push({ message: `--set ${o}: unknown param "${path}": expected one of ${Object.keys(node).map((k) => `${parts.slice(0, -1).join('.')}.${k}`).join(', ') || '(no params defined)'}${suggestion(leaf, Object.keys(node))}` });
      ok = false;
    }
    if (ok) node[leaf] = value ?? null;
  }
  return { params: result, errors };
}
