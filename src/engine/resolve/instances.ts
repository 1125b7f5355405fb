/**
 * Expands stages into instances (one per matrix combination, named `train[fold=3]`) and resolves
 * `needs` to instances: an upstream that shares matrix axes is matched on those axes
 * (`validate[fold=3]` needs `train[fold=3]`); its other axes fan in (all matching instances).
 */
import type { Pipeline, StageConfig, StageId } from '../config/types.js';
import { matrixCombinations } from '../config/matrix-axes.js';
import type { MatrixValue } from '../../stage-api/types.js';
import { topologicalOrder } from '../dag/order.js';

export interface Instance {
  /** `train[fold=3]`, or the stage id for a stage without a matrix. */
  readonly name: string;
  readonly stage: StageConfig;
  readonly matrix: Readonly<Record<string, MatrixValue>>;
  /** Upstream instance names, grouped by stage id in `needs` order. */
  readonly needs: readonly string[];
}

export interface InstanceGraph {
  /** Instances in a topological order (YAML order where free). */
  readonly instances: readonly Instance[];
  readonly byName: ReadonlyMap<string, Instance>;
  /** Instances of each stage. */
  readonly byStage: ReadonlyMap<StageId, readonly Instance[]>;
}

export function instanceName(id: string, matrix: Readonly<Record<string, MatrixValue>>): string {
  const parts = Object.entries(matrix).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length === 0 ? id : `${id}[${parts.join(',')}]`;
}

/** The upstream instances of `stage` at `matrix` that `down` needs. */
export function matchingUpstream(upstream: readonly Instance[], matrix: Readonly<Record<string, MatrixValue>>): Instance[] {
  return upstream.filter((u) => Object.entries(u.matrix).every(([axis, v]) => !(axis in matrix) || matrix[axis] === v));
}

export function expandInstances(pipeline: Pipeline): InstanceGraph {
  const byStage = new Map<StageId, Instance[]>();
  const byName = new Map<string, Instance>();
  // Stage order: topological over stage ids, YAML order within a wave.
  const stageOrder = topologicalOrder(Object.fromEntries([...pipeline.stages].map(([id, s]) => [id, s.needs])));
  for (const id of stageOrder) {
    const stage = pipeline.stages.get(id as StageId);
    if (stage === undefined) continue;
    const list: Instance[] = [];
    for (const combo of matrixCombinations(stage.matrix)) {
      const needs = stage.needs.flatMap((n) => matchingUpstream(byStage.get(n) ?? [], combo).map((u) => u.name));
      const inst: Instance = { name: instanceName(id, combo), stage, matrix: combo, needs };
      list.push(inst);
      byName.set(inst.name, inst);
    }
    byStage.set(id as StageId, list);
  }
  return { instances: [...byName.values()], byName, byStage };
}
