/** `getStatus` and `explainKey` (status --why): read-only views over the keyed pipeline + store + journal. */
import { loadPipeline } from '../config/load-pipeline.js';
import { PipelineError } from '../config/diagnostics.js';
import { DigestMemo } from '../cache/digests.js';
import { diffMaterial, type KeyChange } from '../cache/key.js';
import { Journal } from '../cache/journal.js';
import { Store } from '../cache/store.js';
import { resolveKeys } from '../resolve/keys.js';
import { computeStatus, type InstanceStatus } from '../log/instance-status.js';
import { withSlurmView } from '../exec/slurm/status-view.js';
import { suggestion } from '../../util/did-you-mean.js';

export interface StatusOptions {
  readonly overrides?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface PipelineStatus {
  readonly pipeline: string;
  readonly name: string;
  readonly store: string;
  readonly stages: readonly InstanceStatus[];
}

async function keyedFor(file: string, options: StatusOptions) {
  const pipeline = await loadPipeline(file, { overrides: options.overrides ?? [], env: options.env ?? process.env });
  const store = new Store(pipeline.store);
  const memo = new DigestMemo(store.root);
  const keyed = await resolveKeys(pipeline, memo);
  // The digest memo is a cache, replaced atomically: saving it spares the next status a rehash of
  // large inputs. Nothing else is written, and nothing at all when the store does not exist yet.
  if (store.exists()) memo.save();
  return { pipeline, store, keyed };
}

export async function getStatus(file: string, options: StatusOptions = {}): Promise<PipelineStatus> {
  const { pipeline, store, keyed } = await keyedFor(file, options);
  const status = computeStatus(keyed, store, new Journal(store.journalPath));
  const stages = keyed.instances.map((i) => status.get(i.name)).filter((s): s is InstanceStatus => s !== undefined);
  return { pipeline: pipeline.file, name: pipeline.name, store: store.root, stages: await withSlurmView(stages, options.env ?? process.env) };
}

export interface KeyExplanation {
  readonly stage: string;
  readonly key: string;
  /** The key of the previous run of this instance (undefined when it never ran). */
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
    throw new PipelineError([{ message: `unknown stage "${stage}"${suggestion(stage, [...keyed.byName.keys(), ...keyed.graph.byStage.keys()])}` }]);
  }
  const status = computeStatus(keyed, store, new Journal(store.journalPath));
  return instances.map((inst) => {
    const prev = status.get(inst.name)?.previousKey;
    const before = prev ? store.material(prev) : undefined;
    return {
      stage: inst.name, key: inst.key, ...(prev ? { previousKey: prev } : {}),
      changes: before ? diffMaterial(before, inst.material) : [],
      material: inst.material,
    };
  });
}
