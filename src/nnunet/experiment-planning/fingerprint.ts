/**
 * The dataset fingerprint (recipe 3.2-3.3): per case spacing, raw and cropped shape, crop box and
 * classes; and, when a modality is CT, foreground intensity statistics per channel from every 10th
 * label > 0 voxel of each cropped case, pooled over all cases.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { presentLabels } from '../preprocessing/class-locations.js';
import { loadCase } from '../preprocessing/load-case.js';
import { budgetRefusal, formatGiB, runWithBudget } from '../preprocessing/memory.js';
import { caseStorage } from '../preprocessing/case-storage.js';
import { estimateFingerprintBytes } from '../preprocessing/estimate.js';
import { memoryBudget, type MemoryBudgetChoice } from '../../util/machine-memory.js';
import { loadPreprocessNative, type VolumeVoxels } from '../../native/addon/index.js';
import { loadCachedCase, saveCachedCase } from './case-cache.js';
import type { DatasetSource } from '../dataset/cases.js';
import type { CaseFingerprint, Fingerprint, IntensityProperties } from '../plans/types.js';

export const FOREGROUND_SAMPLE_STRIDE = 10;

export interface FingerprintOptions {
  /** Cases read at once. */
  readonly workers?: number;
  /** Threads for each native call. */
  readonly threads?: number;
  /** Memory budget for the cases in flight (estimated from the manifest's shapes); default: from the machine. */
  readonly memory?: MemoryBudgetChoice;
  /** The stage's id, for the refusal's advice (default `plan`). */
  readonly stage?: string;
  /** Keep finished cases in `<workDir>/fingerprint/` and, with `resume`, reuse those found there. */
  readonly workDir?: string;
  readonly resume?: boolean;
  readonly onCase?: (done: number, total: number, id: string, resumed: boolean) => void;
  readonly signal?: AbortSignal;
}

export function collectsIntensities(modalities: readonly string[]): boolean {
  return modalities.some((m) => m === 'CT' || m === 'ct');
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export async function computeFingerprint(source: DatasetSource, options: FingerprintOptions = {}): Promise<Fingerprint> {
  const native = loadPreprocessNative();
  const collect = collectsIntensities(source.modalities);
  const threads = Math.max(1, options.threads ?? 1);
  const budget = options.memory ?? memoryBudget(null, options.workers ?? 1);
  const channels = source.modalities.length;
  // From the manifest's shapes and the files' headers (preprocessing/estimate.ts); 0 when the manifest has no shape.
  const estimates = await Promise.all(source.cases.map(async (c) =>
    c.voxels === undefined ? 0 : estimateFingerprintBytes(c.voxels, channels, collect, await caseStorage(c))));
  const tooBig = source.cases
    .map((c, i) => ({ c, bytes: estimates[i] as number }))
    .filter((e) => e.bytes > budget.bytes)
    .map((e) => ({ line: `case ${e.c.id} needs an estimated ${formatGiB(e.bytes)}`, bytes: e.bytes }));
  if (tooBig.length > 0) throw budgetRefusal(options.stage ?? 'plan', budget, tooBig);
  const samples: Float32Array[][] = source.modalities.map(() => []);
  let done = 0;
  const cacheDir = options.workDir ? join(options.workDir, 'fingerprint') : undefined;
  if (cacheDir) {
    if (!options.resume) await rm(cacheDir, { recursive: true, force: true });
    await mkdir(cacheDir, { recursive: true });
  }
  const cases = await runWithBudget(
    source.cases.map((c, index) => ({
      bytes: estimates[index] as number,
      run: async (): Promise<CaseFingerprint> => {
        options.signal?.throwIfAborted();
        const cached = cacheDir && options.resume ? await loadCachedCase(cacheDir, c.id) : undefined;
        if (cached && (cached.samples !== null) === collect) {
          cached.samples?.forEach((s, ch) => {
            (samples[ch] as Float32Array[])[index] = s;
          });
          options.onCase?.(++done, source.cases.length, c.id, true);
          return cached.fingerprint;
        }
        const loaded = await loadCase(c);
        const { shape, spacing } = loaded;
        let crop;
        try {
          // In place: the case is held once (as stored, int16 for CT), then released below.
          crop = await native.cropToNonzeroInPlace(loaded.channels, loaded.seg, loaded.shape, threads);
        } catch (error) {
          throw new Error(`case ${c.id}: ${(error as Error).message}`, { cause: error });
        }
        const croppedVoxels = crop.shape[0] * crop.shape[1] * crop.shape[2];
        const seg = loaded.seg.subarray(0, croppedVoxels);
        if (collect) {
          for (let ch = 0; ch < loaded.channels.length; ch++) {
            const image = (loaded.channels[ch] as VolumeVoxels).subarray(0, croppedVoxels);
            // Keep case order in the pool (the statistics do not depend on it, but it keeps runs identical).
            (samples[ch] as Float32Array[])[index] = await native.sampleForeground(image, seg, FOREGROUND_SAMPLE_STRIDE);
          }
        }
        const classes = presentLabels(seg);
        for (const ch of loaded.channels) native.releaseBuffer(ch);
        native.releaseBuffer(loaded.seg);
        loaded.channels.length = 0;
        loaded.seg = new Int8Array(0);
        const fp: CaseFingerprint = {
          id: c.id,
          spacing,
          shape,
          croppedShape: crop.shape,
          cropBbox: crop.bbox.map((b) => [...b]),
          sizeReduction: (crop.shape[0] * crop.shape[1] * crop.shape[2]) / (shape[0] * shape[1] * shape[2]),
          classes,
        };
        if (cacheDir) await saveCachedCase(cacheDir, fp, collect ? samples.map((perCase) => perCase[index] as Float32Array) : null);
        options.onCase?.(++done, source.cases.length, c.id, false);
        return fp;
      },
    })),
    Math.max(1, options.workers ?? 1),
    budget,
    options.signal,
  );
  let intensityProperties: (IntensityProperties | null)[] | null = null;
  if (collect) {
    intensityProperties = [];
    for (const perCase of samples) {
      const s = await native.intensityStats(concat(perCase.filter((p): p is Float32Array => p !== undefined)));
      intensityProperties.push({
        median: s.median,
        mean: s.mean,
        sd: s.sd,
        min: s.min,
        max: s.max,
        percentile99_5: s.percentile99_5,
        percentile00_5: s.percentile00_5,
        count: s.count,
      });
    }
  }
  return {
    modalities: source.modalities,
    allClasses: source.allClasses,
    labels: source.labels,
    cases,
    intensityProperties,
  };
}
