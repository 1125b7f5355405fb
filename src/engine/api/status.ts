/**
 * `getStatus` and `explainKey` (status --why): read-only views over the keyed pipeline + store + journal.
 * Both describe the run in progress or the last run of the file (its `--set` overrides), or with
 * `current`/`overrides` the YAML as it now stands (see run-view.ts).
 */
import { PipelineError } from '../config/diagnostics.js';
import { DigestMemo } from '../cache/digests.js';
import { diffMaterial, type KeyChange } from '../cache/key.js';
import { Journal } from '../cache/journal.js';
import { Store } from '../cache/store.js';
import { resolveKeys } from '../resolve/keys.js';
import { computeStatus, type InstanceStatus } from '../log/instance-status.js';
import { unknownStageMessage } from '../resolve/unknown-stage.js';
import { loadView, type RunView, type ViewOptions } from './run-view.js';
import { withSlurmView } from '../exec/slurm/status-view.js';

export type StatusOptions = ViewOptions;

export interface PipelineStatus {
  readonly pipeline: string;
  readonly name: string;
  readonly store: string;
  /** Which run (or the YAML as it now stands) the states describe. */
  readonly view: RunView;
  readonly stages: readonly InstanceStatus[];
}

async function keyedFor(file: string, options: StatusOptions) {
  const { pipeline, view } = await loadView(file, options);
  const store = new Store(pipeline.store);
  const memo = new DigestMemo(store.root);
  const keyed = await resolveKeys(pipeline, memo);
  // The digest memo is a cache, replaced atomically: saving it spares the next status a rehash of
  // large inputs. Nothing else is written, and nothing at all when the store does not exist yet.
  if (store.exists()) memo.save();
  return { pipeline, store, keyed, view };
}

export async function getStatus(file: string, options: StatusOptions = {}): Promise<PipelineStatus> {
  const { pipeline, store, keyed, view } = await keyedFor(file, options);
  const status = computeStatus(keyed, store, new Journal(store.journalPath));
  const stages = keyed.instances.map((i) => status.get(i.name)).filter((s): s is InstanceStatus => s !== undefined);
  return { pipeline: pipeline.file, name: pipeline.name, store: store.root, view, stages: await withSlurmView(stages, options.env ?? process.env, store.root) };
}

export interface KeyExplanation {
  readonly stage: string;
  readonly key: string;
  /** The key this instance last ran or was cached under (undefined when it never ran). */
  readonly previousKey?: string;
  readonly changes: readonly KeyChange[];
  /** The current key material, for reference. */
  readonly material: unknown;
}

/** Field-level diff between the recorded and the current key of each instance of `stage`. */
export async function explainKey(file: string, stage: string, options: StatusOptions = {}): Promise<KeyExplanation[]> {
  const { store, keyed } = await keyedFor(file, options);
  const instances = keyed.instances.filter((i) => i.name === stage || i.stage.id === stage);
  if (instances.length === 0) {
    throw new PipelineError([{ message: unknownStageMessage(stage, keyed.graph) }]);
  }
  const status = computeStatus(keyed, store, new Journal(store.journalPath));
  return instances.map((inst) => {
    const prev = status.get(inst.name)?.lastKey;
    const before = prev !== undefined && prev !== inst.key ? store.material(prev) : undefined;
    return {
      stage: inst.name, key: inst.key, ...(prev ? { previousKey: prev } : {}),
      changes: before ? diffMaterial(before, inst.material) : [],
      material: inst.material,
    };
  });
}
