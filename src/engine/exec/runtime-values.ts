/**
 * Run-time resolution of one attempt: paths and resources become concrete. `${stages.X.out}` is one folder,
 * or a list on fan-in; in commands, paths are shell-quoted and lists space-separated. Pure over the keyed
 * pipeline and the store's layout.
 */
import { lookupParam, valueText, type Ref } from '../config/interpolate.js';
import type { StageId } from '../config/types.js';
import type { Store } from '../cache/store.js';
import { matchingUpstream } from '../resolve/instances.js';
import type { KeyedInstance, KeyedPipeline } from '../resolve/keys.js';
import type { UpstreamRef } from '../../stage-api/types.js';
import { shellQuote } from '../../util/shell-quote.js';
import { unreachable } from '../../util/unreachable.js';
import type { Grant } from './admission.js';

export type RuntimeValue = (ref: Ref) => { value: unknown };

/** Committed output folders of the instances of `stage` that `inst` needs (matching matrix axes). */
function upstreamOuts(keyed: KeyedPipeline, store: Store, inst: KeyedInstance, stage: string): string[] {
  return matchingUpstream(keyed.graph.byStage.get(stage as StageId) ?? [], inst.matrix).map((u) => {
    const up = keyed.byName.get(u.name);
    if (up === undefined) throw new Error(`Internal error: upstream ${u.name} has no key`);
    return store.objectDir(up.key);
  });
}

/** What each `${...}` of `inst`'s command, `with:` and outputs means for an attempt writing to `out`. */
export function runtimeValue(keyed: KeyedPipeline, store: Store, inst: KeyedInstance, out: string, grant: Grant): RuntimeValue {
  return (ref) => {
    switch (ref.kind) {
      case 'params':
        return { value: lookupParam(keyed.pipeline.params, ref.path) };
      case 'matrix':
        return { value: inst.matrix[ref.axis] };
      case 'out':
        return { value: out };
      case 'stage-out': {
        const ups = upstreamOuts(keyed, store, inst, ref.stage);
        return { value: ups.length === 1 ? ups[0] : ups };
      }
      case 'resources':
        return { value: ref.field === 'devices' ? grant.devices.length : grant.kind };
      default:
        return unreachable(ref);
    }
  };
}

/** A value as text in a command (`quote`: shell-quoted paths) or in a declared output path. */
export function commandText(value: RuntimeValue, quote: boolean) {
  return (ref: Ref): string => {
    const v = value(ref).value;
    if (ref.kind !== 'out' && ref.kind !== 'stage-out') return valueText(v);
    const paths = Array.isArray(v) ? (v as string[]) : [String(v)];
    return paths.map((p) => (quote ? shellQuote(p) : p)).join(' ');
  };
}

/** The instances `inst` needs, as a built-in stage's context names them. */
export function upstreamRefs(keyed: KeyedPipeline, store: Store, inst: KeyedInstance): UpstreamRef[] {
  return inst.needs.map((n) => {
    const up = keyed.byName.get(n);
    if (up === undefined) throw new Error(`Internal error: unknown upstream ${n}`);
    return { stage: up.name, id: up.stage.id, kind: up.stage.uses ?? 'run', key: up.key, out: store.objectDir(up.key), matrix: up.matrix };
  });
}
