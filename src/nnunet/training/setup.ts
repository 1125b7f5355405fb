/**
 * Everything a training run is built from: the fold's cases, the network from the plan (with the
 * width overrides of `with`), batch and patch (the plan's unless given), device and threads.
 */
import { availableParallelism } from 'node:os';
import { casesFromPreprocessed, checkPatchSize, trainingFromPlans } from '../../native/addon/index.js';
import type { Axes3, NativeCase, NetworkPlan, PlanTraining } from '../../native/addon/index.js';
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
  /** Runtime device name: cpu, cuda, cuda:<i>. */
  readonly device: string;
  readonly threads: number;
  /** Devices allocated by the engine (ids). */
  readonly devices: readonly string[];
  /** What the plan gives before `with` overrides (the reference recipe's network, patch and batch). */
  readonly planned: PlanTraining;
}

/** The runtime device for the instance: CUDA_VISIBLE_DEVICES already narrows cuda to the allocated ids. */
export function runtimeDevice(ctx: DeviceGrant): string {
  if (ctx.devices.length === 0) return 'cpu';
  if (ctx.deviceKind === 'cuda') return 'cuda:0';
  if (ctx.deviceKind === 'npu') throw new Error('device npu: the native runtime has no NPU backend yet; use device: cpu or cuda');
  return 'cpu';
}

/** Intra-op threads: `with` if given; on CPU one per allocated CPU slot; else all cores. */
export function defaultThreads(ctx: DeviceGrant, given: number | null | undefined): number {
  if (given != null) return given;
  if (ctx.deviceKind === 'cpu' && ctx.devices.length > 0) return Math.min(ctx.devices.length, availableParallelism());
  return availableParallelism();
}

export async function trainSetup(ctx: DeviceGrant, w: TrainWith, preprocessDir: string): Promise<TrainSetup> {
  const fold = await readFoldData(preprocessDir, w.fold, w.configuration);
  const plan = trainingFromPlans(fold.plans, w.configuration);
  const network: NetworkPlan = {
    ...plan.network,
    ...(w.base_features != null ? { baseFeatures: w.base_features } : {}),
    ...(w.max_features != null ? { maxFeatures: w.max_features } : {}),
  };
  if (network.maxFeatures < network.baseFeatures) {
    throw new Error(`with.max_features (${network.maxFeatures}) must be >= base_features (${network.baseFeatures})`);
  }
  const patchSize = checkPatchSize((w.patch_size ?? plan.patchSize) as Axes3, network, w.patch_size != null ? 'with.patch_size' : 'the plan\'s patchSize');
  return {
    fold,
    network,
    patchSize,
    batchSize: w.batch_size ?? plan.batchSize,
    trainCases: await casesFromPreprocessed(preprocessDir, fold.train),
    valCases: await casesFromPreprocessed(preprocessDir, fold.val),
    device: runtimeDevice(ctx),
    threads: defaultThreads(ctx, w.threads),
    devices: ctx.devices,
    planned: plan,
  };
}
