/**
 * The kinds' load-time checks of what their instances are given (BuiltinStage.checkNeeds): how many upstream
 * instances of a kind, and of how many variants (variants.ts). A validation that matches the trainings of two
 * variants, or a postprocessing decision that would pool two variants' cases, fails when the pipeline is loaded
 * and says which matrix axis is missing, instead of after the training.
 */
import type { MatrixValue, PlannedUpstream } from '../../stage-api/types.js';
import { differingAxes, FOLD_AXIS, groupByVariant } from './variants.js';

interface PlannedInstance {
  readonly name: string;
  readonly matrix: Readonly<Record<string, MatrixValue>>;
}

export type NeedsRule = (instance: PlannedInstance, needs: readonly PlannedUpstream[]) => string | undefined;

const stageOf = (instance: string): string => instance.replace(/\[.*$/, '');
const names = (ups: readonly PlannedUpstream[]): string => ups.map((u) => u.stage).join(', ');

/**
 * `: give validate the matrix axis network that train has`, when the upstreams differ on axes the instance lacks
 * (other than the `fanIn` axes it is meant to gather).
 */
function axisHint(instance: PlannedInstance, ups: readonly PlannedUpstream[], fanIn: readonly string[] = []): string {
  const axes = differingAxes(ups).filter((axis) => !(axis in instance.matrix) && !fanIn.includes(axis));
  if (axes.length === 0) return '';
  const from = [...new Set(ups.map((u) => u.id))];
  return `: give ${stageOf(instance.name)} the matrix ${axes.length === 1 ? 'axis' : 'axes'} ${axes.join(', ')} that ${from.join(' and ')} ${from.length === 1 ? 'has' : 'have'}`;
}

const ofKinds = (needs: readonly PlannedUpstream[], kinds: readonly string[]): PlannedUpstream[] => needs.filter((n) => kinds.includes(n.kind));

export function atLeastOne(kind: string): NeedsRule {
  return (instance, needs) => (ofKinds(needs, [kind]).length > 0 ? undefined
    : `${instance.name} needs ${kind} instances but its needs have none: add a stage of kind ${kind} to needs`);
}

export function atMostOne(kind: string): NeedsRule {
  return (instance, needs) => {
    const found = ofKinds(needs, [kind]);
    return found.length <= 1 ? undefined
      : `${instance.name} matches ${found.length} ${kind} instances (${names(found)}) but takes at most one${axisHint(instance, found)}`;
  };
}

export function exactlyOne(kind: string): NeedsRule {
  const most = atMostOne(kind);
  return (instance, needs) => {
    if (ofKinds(needs, [kind]).length === 0) return `${instance.name} needs one ${kind} instance but its needs have none: add a stage of kind ${kind} to needs`;
    return most(instance, needs)?.replace('takes at most one', 'takes exactly one');
  };
}

/** The instances of `kinds` in the needs all belong to one variant (they are folds of one training). */
export function oneVariant(...kinds: string[]): NeedsRule {
  return (instance, needs) => {
    const found = ofKinds(needs, kinds);
    const groups = groupByVariant(found);
    if (groups.length <= 1) return undefined;
    return `${instance.name} fans in ${kinds.join(' and ')} instances of ${groups.length} variants (${groups.map((g) => g.name).join('; ')}), ` +
      `which it would take as one${axisHint(instance, found, [FOLD_AXIS])}`;
  };
}

/** At most one instance of `kind` per variant (one postprocessing decision per variant's folds). */
export function onePerVariant(kind: string): NeedsRule {
  return (instance, needs) => {
    const twice = groupByVariant(ofKinds(needs, [kind])).find((g) => g.items.length > 1);
    return twice === undefined ? undefined
      : `${instance.name} matches ${twice.items.length} ${kind} instances (${names(twice.items)}) of one variant but takes one per variant`;
  };
}

/** The first problem of the rules, in order. */
export function allOf(...rules: NeedsRule[]): NeedsRule {
  return (instance, needs) => {
    for (const rule of rules) {
      const problem = rule(instance, needs);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
}
