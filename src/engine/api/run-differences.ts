/**
 * What differs between two runs, read from the key material of the keys each run had: the params
 * the stages use (`epochs 34 → 20`), and per stage the key inputs that changed (`with.epochs`,
 * `inputs.*`, `command`, the kind's version or runtime), or that it reran only because an upstream
 * changed. Instances of one stage with the same changes are told once. Pure over a material lookup.
 */
import type { StageKey } from '../cache/brands.js';
import { diffMaterial, type KeyChange, type KeyMaterial } from '../cache/key.js';
import { canonicalJson } from '../../util/canonical-json.js';
import type { RunEntry } from './run-history.js';

export interface ParamChange {
  readonly param: string;
  /** JSON text in the baseline and in the other run; undefined where no stage of that run used it. */
  readonly from?: string;
  readonly to?: string;
}

export interface StageChange {
  /** The stage id (`train`). */
  readonly stage: string;
  /** Its instances these changes apply to (`train[fold=0]`, ...). */
  readonly instances: readonly string[];
  /** Key inputs that changed (params and needs left out: they are told once, or as `upstream`). */
  readonly changes: readonly KeyChange[];
  /** Upstream stage ids whose keys changed. */
  readonly upstream: readonly string[];
  /** True when the key material of a side was not recorded, so only "the key differs" is known. */
  readonly unrecorded?: boolean;
}

export interface RunDifferences {
  readonly baseline: string;
  readonly run: string;
  readonly params: readonly ParamChange[];
  /** Stages whose key differs between the runs, in the order of the baseline's instances. */
  readonly stages: readonly StageChange[];
  /** Stage ids whose every instance has the same key in both runs. */
  readonly same: readonly string[];
  /** Instances only one of the runs had. */
  readonly onlyBaseline: readonly string[];
  readonly onlyOther: readonly string[];
}

export type MaterialOf = (key: StageKey) => KeyMaterial | undefined;

export const stageIdOf = (instance: string): string => instance.replace(/\[.*$/, '');

/** The params the stages of a run used, with their values (JSON text). */
function paramsOf(run: RunEntry, material: MaterialOf): Map<string, string> {
  const out = new Map<string, string>();
  for (const inst of run.instances) {
    for (const [k, v] of Object.entries(material(inst.key)?.params ?? {})) out.set(k, canonicalJson(v));
  }
  return out;
}

export function runDifferences(baseline: RunEntry, other: RunEntry, material: MaterialOf): RunDifferences {
  const a = paramsOf(baseline, material);
  const b = paramsOf(other, material);
  const params: ParamChange[] = [...new Set([...a.keys(), ...b.keys()])].sort()
    .filter((p) => a.get(p) !== b.get(p))
    .map((p) => ({ param: p, ...(a.has(p) ? { from: a.get(p) } : {}), ...(b.has(p) ? { to: b.get(p) } : {}) }));

  const otherKey = new Map(other.instances.map((i) => [i.stage, i.key]));
  const baseKey = new Map(baseline.instances.map((i) => [i.stage, i.key]));
  const grouped = new Map<string, { stage: string; instances: string[]; changes: KeyChange[]; upstream: string[]; unrecorded: boolean }>();
  const changedStages = new Set<string>();
  const stagesSeen: string[] = [];
  for (const inst of baseline.instances) {
    const stage = stageIdOf(inst.stage);
    if (!stagesSeen.includes(stage)) stagesSeen.push(stage);
    const key = otherKey.get(inst.stage);
    if (key === undefined || key === inst.key) continue;
    changedStages.add(stage);
    const before = material(inst.key);
    const after = material(key);
    const all = before !== undefined && after !== undefined ? diffMaterial(before, after) : [];
    const changes = all.filter((c) => !c.field.startsWith('params.') && !c.field.startsWith('needs.'));
    const upstream = [...new Set(all.filter((c) => c.field.startsWith('needs.')).map((c) => stageIdOf(c.field.slice(6))))];
    const unrecorded = before === undefined || after === undefined;
    const signature = `${stage}|${canonicalJson(changes)}|${upstream.join(',')}|${unrecorded}`;
    const g = grouped.get(signature);
    if (g === undefined) grouped.set(signature, { stage, instances: [inst.stage], changes, upstream, unrecorded });
    else g.instances.push(inst.stage);
  }
  return {
    baseline: baseline.short,
    run: other.short,
    params,
    stages: [...grouped.values()].map(({ unrecorded, ...g }) => ({ ...g, ...(unrecorded ? { unrecorded } : {}) })),
    same: stagesSeen.filter((s) => !changedStages.has(s) && baseline.instances.some((i) => stageIdOf(i.stage) === s && otherKey.has(i.stage))),
    onlyBaseline: baseline.instances.filter((i) => !otherKey.has(i.stage)).map((i) => i.stage),
    onlyOther: other.instances.filter((i) => !baseKey.has(i.stage)).map((i) => i.stage),
  };
}
