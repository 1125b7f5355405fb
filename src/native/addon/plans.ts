// Builds the native runtime's network plan (and the patch / batch defaults) from a plans.json configuration.
// Field names follow the shared contract: configurations[c].{patchSize, batchSize, poolKernels, convKernels,
// baseFeatures, maxFeatures}, top-level numClasses (with background) and numInputChannels.
import type { Axes3, NetworkPlan } from './native.js';
import { axes, fail, int, object } from './validate.js';

export interface PlanTraining {
  network: NetworkPlan;
  patchSize: Axes3;
  batchSize: number;
}

function axesList(value: unknown, field: string): Axes3[] {
  if (!Array.isArray(value)) fail('an array of [z, y, x]', field, value);
  return value.map((v, i) => axes(v, `${field}[${i}]`));
}

export function networkFromPlans(plans: unknown, configuration = '3d_fullres'): NetworkPlan {
  return trainingFromPlans(plans, configuration).network;
}

export function trainingFromPlans(plans: unknown, configuration = '3d_fullres'): PlanTraining {
  const p = object(plans, 'plans');
  const configs = object(p['configurations'], 'plans.configurations');
  const field = `plans.configurations[${JSON.stringify(configuration)}]`;
  const c = object(configs[configuration], field);
  const poolKernels = axesList(c['poolKernels'], `${field}.poolKernels`);
  const convKernels = axesList(c['convKernels'], `${field}.convKernels`);
  if (poolKernels.length < 1) fail('at least one pooling', `${field}.poolKernels`, c['poolKernels']);
  if (convKernels.length !== poolKernels.length + 1)
    fail(`${poolKernels.length + 1} entries (npool + 1)`, `${field}.convKernels`, c['convKernels']);
  const baseFeatures = int(c['baseFeatures'] ?? 32, `${field}.baseFeatures`, 1);
  return {
    network: {
      inChannels: int(p['numInputChannels'], 'plans.numInputChannels', 1),
      numClasses: int(p['numClasses'], 'plans.numClasses', 2),
      baseFeatures,
      maxFeatures: int(c['maxFeatures'] ?? 320, `${field}.maxFeatures`, baseFeatures),
      poolKernels,
      convKernels,
    },
    patchSize: axes(c['patchSize'], `${field}.patchSize`),
    batchSize: int(c['batchSize'], `${field}.batchSize`, 1),
  };
}

/** Product of the pool kernels per axis: every patch axis must be a multiple of it. */
export function patchDivisor(network: NetworkPlan): Axes3 {
  const d: Axes3 = [1, 1, 1];
  for (const k of network.poolKernels) for (let a = 0; a < 3; a++) d[a] = (d[a] ?? 1) * (k[a] ?? 1);
  return d;
}

/**
 * TypeScript's one patch check (core's is CheckPatchDivisible in native/src/core/network_plan.h): every axis a multiple of
 * patchDivisor(network), else an OptionError "Expected a multiple of 4 (product of the pool kernels) for
 * patchSize[2] but received 15 (number)".
 */
export function checkPatchSize(patch: Axes3, network: NetworkPlan, field: string): Axes3 {
  const d = patchDivisor(network);
  patch.forEach((p, a) => {
    if (p % (d[a] ?? 1) !== 0) fail(`a multiple of ${d[a]} (product of the pool kernels)`, `${field}[${a}]`, p);
  });
  return patch;
}
