/**
 * Loader for the preprocessing exports of the native addon (native/src/binding/preprocess_binding.cc).
 * Kept minimal and local to src/preprocess/: the shared loader in src/addon/ can replace it later.
 */
import type { IntensityProperties } from '../plans/types.js';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Shape3 = readonly [number, number, number];
export type BBox3 = [[number, number], [number, number], [number, number]];

export interface CropOutput {
  /** [[z0, z1], [y0, y1], [x0, x1]], upper bounds exclusive. */
  readonly bbox: BBox3;
  readonly shape: [number, number, number];
  readonly channels: Float32Array[];
  /** Cropped label: background outside the hole-filled nonzero mask is -1. */
  readonly seg: Int8Array;
}

/** The native statistics have exactly the fingerprint's shape (numpy semantics, see plan/types.ts). */
export type IntensityStats = IntensityProperties;

export interface PreprocessNative {
  /**
   * Spline resampling like skimage resize (mode edge, no anti-aliasing) == scipy zoom (grid_mode, mode nearest):
   * order 3 (default; images) or 1 (linear; probabilities on export). `nearestAxis` gets order 0 (-1: none).
   */
  resampleImage(data: Float32Array, shape: Shape3, newShape: Shape3, nearestAxis: number, threads: number, order?: 1 | 3): Promise<Float32Array>;
  /** nnU-Net resize_segmentation order 1 (label-wise linear, >= 0.5), order 0 along `nearestAxis`. */
  resampleLabels(seg: Int8Array, shape: Shape3, newShape: Shape3, nearestAxis: number, threads: number): Promise<Int8Array>;
  cropToNonzero(channels: Float32Array[], seg: Int8Array | null, shape: Shape3, threads: number): Promise<CropOutput>;
  /** Every `stride`-th voxel (C order) with seg > 0. */
  sampleForeground(image: Float32Array, seg: Int8Array, stride: number): Promise<Float32Array>;
  intensityStats(values: Float32Array): Promise<IntensityStats>;
  normalizeCT(data: Float32Array, lo: number, hi: number, mean: number, sd: number, threads: number): Promise<void>;
  normalizeZScore(data: Float32Array, mask: Int8Array | null, threads: number): Promise<void>;
}

const EXPORTS = ['resampleImage', 'resampleLabels', 'cropToNonzero', 'sampleForeground', 'intensityStats',
  'normalizeCT', 'normalizeZScore'] as const;

let cached: PreprocessNative | undefined;

/** Finds the repository root (the folder holding native/) above this module (src/ or dist/). */
function addonPath(): string {
  const fromEnv = process.env['PIPE_NATIVE_ADDON'];
  if (fromEnv) return resolve(fromEnv);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'native', 'build', 'Release', 'pipe_native.node');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'build', 'Release', 'pipe_native.node');
}

export function loadPreprocessNative(): PreprocessNative {
  if (cached) return cached;
  const file = addonPath();
  let addon: Record<string, unknown>;
  try {
    addon = createRequire(import.meta.url)(file) as Record<string, unknown>;
  } catch (cause) {
    throw new Error(
      `Could not load the native addon ${file} (needed for preprocessing).\n` +
        'Possible solutions:\n- build it: npm run build:native\n- point PIPE_NATIVE_ADDON at a built pipe_native.node',
      { cause },
    );
  }
  const missing = EXPORTS.filter((name) => typeof addon[name] !== 'function');
  if (missing.length > 0) {
    throw new Error(`The native addon ${file} lacks ${missing.join(', ')}: rebuild it with npm run build:native`);
  }
  cached = addon as unknown as PreprocessNative;
  return cached;
}
