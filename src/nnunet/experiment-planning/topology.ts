/**
 * Network topology from spacing and patch (nnU-Net v1 get_pool_and_conv_props) and the planner's
 * VRAM proxy (Generic_UNet.compute_approx_vram_consumption).
 */

export interface Topology {
  readonly numPoolPerAxis: number[];
  readonly poolKernels: number[][];
  readonly convKernels: number[][];
  /** The patch padded up to a multiple of 2^numPoolPerAxis per axis. */
  readonly patchSize: number[];
  readonly mustBeDivisibleBy: number[];
}

/**
 * Pools every axis whose spacing is within a factor 2 of the finest one, as long as its (float-halved)
 * size stays >= 2 * minEdge; conv kernels are 3 on the largest group of axes with pairwise spacing
 * ratios < 2, else 1; one [3,3,3] bottleneck kernel is appended.
 */
export function poolAndConvProps(spacing: readonly number[], patchSize: readonly number[], minEdge = 4,
  maxPools = 999): Topology {
  const dim = spacing.length;
  const cur = [...spacing];
  const size = [...patchSize];
  const numPool = new Array<number>(dim).fill(0);
  const poolKernels: number[][] = [];
  const convKernels: number[][] = [];
  for (;;) {
    const minSpacing = Math.min(...cur);
    let valid = [...Array(dim).keys()].filter((i) => (cur[i] as number) / minSpacing < 2);
    let group: number[] = [];
    for (let a = 0; a < dim; a++) {
      const mine = cur[a] as number;
      const partners = [...Array(dim).keys()].filter((i) => (cur[i] as number) / mine < 2 && mine / (cur[i] as number) < 2);
      if (partners.length > group.length) group = partners;
    }
    const conv = [...Array(dim).keys()].map((i) => (group.includes(i) ? 3 : 1));
    valid = valid.filter((i) => (size[i] as number) >= 2 * minEdge && (numPool[i] as number) < maxPools);
    if (valid.length === 0) break;
    const pool = new Array<number>(dim).fill(1);
    for (const v of valid) {
      pool[v] = 2;
      numPool[v] = (numPool[v] as number) + 1;
      cur[v] = (cur[v] as number) * 2;
      size[v] = (size[v] as number) / 2;
    }
    poolKernels.push(pool);
    convKernels.push(conv);
  }
  const mustBeDivisibleBy = numPool.map((n) => 2 ** n);
  convKernels.push(new Array<number>(dim).fill(3));
  return { numPoolPerAxis: numPool, poolKernels, convKernels, patchSize: padShape(patchSize, mustBeDivisibleBy), mustBeDivisibleBy };
}

/** Rounds each size up to a multiple of its divisor (nnU-Net pad_shape). */
export function padShape(shape: readonly number[], divisors: readonly number[]): number[] {
  return shape.map((s, i) => {
    const d = divisors[i] as number;
    return s % d === 0 ? s : s + d - (s % d);
  });
}

/**
 * The planner's activation-memory proxy (deep supervision off): (2*convPerStage + 1) feature maps of
 * the patch at base features plus input and output maps, then per pooling level the down-sampled map
 * (integer-truncated) times min(2*features, max) times (2*convPerStage + 1), or convPerStage at the last level.
 */
export function vramProxy(patchSize: readonly number[], poolKernels: readonly (readonly number[])[], baseFeatures: number,
  maxFeatures: number, numModalities: number, numClasses: number, convPerStage = 2): number {
  const map = [...patchSize];
  const voxels = (): number => map.reduce((p, v) => p * v, 1);
  let total = (convPerStage * 2 + 1) * voxels() * baseFeatures + numModalities * voxels() + numClasses * voxels();
  let features = baseFeatures;
  poolKernels.forEach((kernel, p) => {
    for (let a = 0; a < map.length; a++) map[a] = Math.trunc((map[a] as number) / (kernel[a] as number));
    features = Math.min(features * 2, maxFeatures);
    const blocks = p < poolKernels.length - 1 ? convPerStage * 2 + 1 : convPerStage;
    total += blocks * voxels() * features;
  });
  return total;
}
