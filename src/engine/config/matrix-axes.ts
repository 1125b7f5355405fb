/**
 * A stage's matrix axes as the file writes them: a list of values, or one `${params.*}` reference to such a
 * list, so that several stages share one list of variants (`network: "${params.networks}"`) and
 * `--set params.networks=[unet]` changes it everywhere at once.
 */
import type { MatrixValue } from '../../stage-api/types.js';
import { lookupParam, soleRef } from './interpolate.js';

/** An axis as written: the values, or a `${params.*}` reference to them. */
export type RawMatrixAxis = readonly MatrixValue[] | string;

/** Cartesian product of matrix axes, in declaration order (one empty combination without axes). */
export function matrixCombinations(axes: ReadonlyArray<readonly [string, readonly MatrixValue[]]>): Record<string, MatrixValue>[] {
  let combos: Record<string, MatrixValue>[] = [{}];
  for (const [axis, values] of axes) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [axis]: v })));
  return combos;
}

const isScalar = (v: unknown): v is MatrixValue => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/**
 * The values of one axis, or the reason it has none: a reference must name a param that holds a non-empty list
 * of distinct strings, numbers or booleans (what a literal axis may hold).
 */
export function matrixAxisValues(axis: string, raw: RawMatrixAxis, params: Readonly<Record<string, unknown>>): { values: MatrixValue[] } | { problem: string } {
  if (Array.isArray(raw)) return { values: [...raw] as MatrixValue[] };
  const text = String(raw);
  const ref = soleRef(text);
  if (ref === undefined || ref.kind !== 'params') {
    return { problem: `matrix axis "${axis}": expected a list of values or one \${params.*} reference to a list but received "${text}"` };
  }
  const name = `params.${ref.path.join('.')}`;
  const value = lookupParam(params, ref.path);
  if (value === undefined) {
    const known = Object.keys(params);
    return { problem: `matrix axis "${axis}": unknown param "${name}": ${known.length ? `expected one of ${known.map((k) => `params.${k}`).join(', ')}` : 'the pipeline defines no params'}` };
  }
  if (!Array.isArray(value) || value.length === 0 || !value.every(isScalar)) {
    return { problem: `matrix axis "${axis}": ${text} is ${JSON.stringify(value)}; expected a non-empty list of strings, numbers or booleans` };
  }
  const twice = value.find((v, i) => value.indexOf(v) !== i);
  if (twice !== undefined) return { problem: `matrix axis "${axis}": ${text} lists ${JSON.stringify(twice)} twice; each value makes one instance` };
  return { values: value };
}
