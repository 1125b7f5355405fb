/**
 * Cache keys. An instance's key is SHA-256 over the canonical JSON of its `KeyMaterial`; nothing
 * else reaches it. Execution-only settings (devices, device kind, jobs, retry, timeout, the store
 * location) are deliberately absent, so changing them never reruns anything. The material is kept
 * per key (`<store>/keys/<key>.json`) so `pipe status --why` can diff it field by field.
 */
import { canonicalJson } from '../../util/canonical-json.js';
import { sha256Hex } from '../../util/hash.js';
import type { MatrixValue } from '../../stage-api/types.js';
import type { FileDigest, StageKey } from './brands.js';

/** Bump when the meaning of KeyMaterial changes: every key changes with it. */
export const KEY_SCHEMA = 2;

export interface KeyMaterial {
  /** KEY_SCHEMA at the time the key was made. */
  readonly schema: number;
  /** Stage id (`train`): two stages with the same command are still two results. */
  readonly stage: string;
  /** `run` for a shell stage, else the built-in kind. */
  readonly kind: string;
  /** Built-in kind's implementation version; `1` for shell stages. */
  readonly version: string;
  /** Shell stages: the command with ${params.*} and ${matrix.*} resolved, paths and resources symbolic. */
  readonly command?: string;
  /** Built-in stages: `with` resolved the same way, with the kind's schema defaults filled in. */
  readonly with?: unknown;
  /** Values of the params this stage references (`batch_size` -> 2): for explaining, and hashed too. */
  readonly params: Readonly<Record<string, unknown>>;
  /** This instance's matrix values. */
  readonly matrix: Readonly<Record<string, MatrixValue>>;
  /** Keys of the upstream instances, by instance name. */
  readonly needs: Readonly<Record<string, StageKey>>;
  /** Content digests of declared inputs (and a built-in kind's inputs), by project-relative path. */
  readonly inputs: Readonly<Record<string, FileDigest>>;
  /** Declared outputs of a shell stage (checked before commit). */
  readonly outputs: readonly string[];
  /**
   * What a built-in kind computes with beyond its own code (its `runtime()`): e.g. `addon` (digest of
   * the built native addon) and `torch` (LibTorch version and CPU/CUDA). A rebuilt addon or another
   * LibTorch reruns the kind.
   */
  readonly runtime?: Readonly<Record<string, string>>;
  /** Device count, only for stages that declare it result-affecting (`resources.keyed: true`). */
  readonly devices?: number;
}

export function stageKey(material: KeyMaterial): StageKey {
  return sha256Hex(canonicalJson(material)) as StageKey;
}

export interface KeyChange {
  /** Dotted field, e.g. `params.batch_size`, `inputs.data/a.txt`, `needs.plan`, `command`. */
  readonly field: string;
  /** JSON text of the old and new value; undefined when absent on that side. */
  readonly from?: string;
  readonly to?: string;
}

function flatten(value: unknown, prefix: string, out: Map<string, string>, depth: number): void {
  if (depth > 0 && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out, depth - 1);
    return;
  }
  out.set(prefix, canonicalJson(value));
}

/** Field-level differences between two key materials (params, with, inputs, needs at leaf level). */
export function diffMaterial(before: KeyMaterial, after: KeyMaterial): KeyChange[] {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  flatten(before, '', a, 1);
  flatten(after, '', b, 1);
  for (const group of ['params', 'with', 'inputs', 'needs', 'matrix', 'runtime'] as const) {
    for (const m of [a, b]) m.delete(group);
    flatten((before as unknown as Record<string, unknown>)[group] ?? {}, group, a, 8);
    flatten((after as unknown as Record<string, unknown>)[group] ?? {}, group, b, 8);
  }
  const changes: KeyChange[] = [];
  for (const field of new Set([...a.keys(), ...b.keys()])) {
    const from = a.get(field);
    const to = b.get(field);
    if (from === to) continue;
    if (/^(params|with|inputs|needs|matrix|runtime)$/.test(field) && (from === '{}' || to === '{}')) continue;
    changes.push({ field, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
  }
  const rank = (f: string): number => ['params', 'inputs', 'with', 'command', 'needs'].findIndex((g) => f.startsWith(g));
  return changes.sort((x, y) => (rank(x.field) + 10) % 10 - (rank(y.field) + 10) % 10 || x.field.localeCompare(y.field));
}

/** One-line reason, e.g. `params: batch_size 2->4` or `upstream changed: plan`. */
export function describeChanges(changes: readonly KeyChange[]): string {
  const parts: string[] = [];
  const params = changes.filter((c) => c.field.startsWith('params.'));
  if (params.length) parts.push(`params: ${params.map((c) => `${c.field.slice(7)} ${c.from ?? '(none)'}->${c.to ?? '(none)'}`).join(', ')}`);
  const inputs = changes.filter((c) => c.field.startsWith('inputs.'));
  if (inputs.length) parts.push(`inputs: ${inputs.map((c) => `${c.field.slice(7)} ${c.from === undefined ? 'added' : c.to === undefined ? 'removed' : 'changed'}`).join(', ')}`);
  const withs = changes.filter((c) => c.field.startsWith('with.'));
  if (withs.length && !params.length) parts.push(`with: ${withs.map((c) => `${c.field.slice(5)} ${c.from ?? '(none)'}->${c.to ?? '(none)'}`).join(', ')}`);
  if (changes.some((c) => c.field === 'command') && !params.length) parts.push('command changed');
  if (changes.some((c) => c.field === 'version')) parts.push('implementation version changed');
  const runtime = changes.filter((c) => c.field.startsWith('runtime.'));
  if (runtime.length) parts.push(`runtime: ${runtime.map((c) => `${c.field.slice(8)} ${shortValue(c.from)}->${shortValue(c.to)}`).join(', ')}`);
  const devices = changes.find((c) => c.field === 'devices');
  if (devices) parts.push(`devices ${devices.from ?? '(not keyed)'}->${devices.to ?? '(not keyed)'}`);
  const needs = changes.filter((c) => c.field.startsWith('needs.'));
  if (needs.length && !parts.length) parts.push(`upstream changed: ${needs.map((c) => c.field.slice(6)).join(', ')}`);
  const other = changes.filter((c) => !/^(params|inputs|with|command|needs|version|devices|runtime)\b/.test(c.field));
  if (other.length) parts.push(`${other.map((c) => c.field).join(', ')} changed`);
  return parts.join('; ');
}

/** A recorded value for a one-line reason: digests cut to 6 hex digits, JSON quotes dropped. */
function shortValue(json: string | undefined): string {
  if (json === undefined) return '(none)';
  const text = json.replace(/^"|"$/g, '');
  return /^(sha256:)?[0-9a-f]{16,}$/.test(text) ? text.replace(/^sha256:/, '').slice(0, 6) : text;
}
