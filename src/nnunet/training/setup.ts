/**
 * Everything a training run is built from: the fold's cases, the network from the plan (the architecture
 * `with.network` names, with the width overrides of `with`), batch and patch (the plan's unless given), and where
 * it runs.
 */
import { casesFromPreprocessed, checkPatchSize, trainingFromPlans } from '../../native/addon/index.js';
import type { Axes3, NativeCase, NetworkPlan, PlanTraining } from '../../native/addon/index.js';
import { placementFor, type Placement } from '../../native/device.js';
import type { DeviceGrant } from '../../stage-api/types.js';
import { readFoldData, type FoldData } from './fold-data.js';
import type { TrainWith } from './with.js';

export interface TrainSetup {
  readonly fold: FoldData;
  readonly network: NetworkPlan;
  readonly patchSize: Axes3;
  readonly batchSize: number;
  readonly trainCases: NativeCase[];
  readonly valCases: NativeCase[];
  /** Device, threads and ranks, from the engine's grant and `with.threads`. */
  readonly placement: Placement;
  /** What the plan gives before `with` overrides (the reference recipe's network, patch and batch). */
  readonly planned: PlanTraining;
}

/** The network `with:` asks for on the plan: its architecture (the checkpoint records it) and width overrides. */
export function networkFor(w: Pick<TrainWith, 'network' | 'base_features' | 'max_features'>, planned: NetworkPlan): NetworkPlan {
  const network: NetworkPlan = {
    ...planned,
    architecture: w.network,
    ...(w.base_features != null ? { baseFeatures: w.base_features } : {}),
    ...(w.max_features != null ? { maxFeatures: w.max_features } : {}),
  };
  if (network.maxFeatures < network.baseFeatures) {
    throw new Error(`with.max_features (${network.maxFeatures}) must be >= base_features (${network.baseFeatures})`);
  }
  return network;
}

export async function trainSetup(ctx: DeviceGrant, w: TrainWith, preprocessDir: string): Promise<TrainSetup> {
  const fold = await readFoldData(preprocessDir, w.fold, w.configuration);
  const plan = trainingFromPlans(fold.plans, w.configuration);
  const network = networkFor(w, plan.network);
  const patchSize = checkPatchSize((w.patch_size ?? plan.patchSize) as Axes3, network, w.patch_size != null ? 'with.patch_size' : 'the plan\'s patchSize');
  return {
    fold,
    network,
    patchSize,
    batchSize: w.batch_size ?? plan.batchSize,
    trainCases: await casesFromPreprocessed(preprocessDir, fold.train),
    valCases: await casesFromPreprocessed(preprocessDir, fold.val),
    placement: placementFor(ctx, w.threads),
    planned: plan,
  };
}
