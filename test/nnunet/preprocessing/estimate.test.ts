/**
 * The per-case memory estimates (src/nnunet/preprocessing/estimate.ts) against peak RSS: the figures
 * measured on Task03-sized phantoms (bench/real-size/run.mjs prints them; their table is in
 * estimate.ts) must stay within 25 % of what the formulas say, and a live run of one mid-sized case in
 * its own process (VmHWM) must too.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geometryFromAffine } from '../../../src/io/nifti/affine.js';
import { writeNifti } from '../../../src/io/nifti/write.js';
import type { CaseFingerprint, Plans, StagePlan } from '../../../src/nnunet/plans/types.js';
import { storageOf } from '../../../src/nnunet/preprocessing/case-storage.js';
import { estimateCaseBytes, estimateFingerprintBytes, resampleIntermediateVoxels } from '../../../src/nnunet/preprocessing/estimate.js';
import { ensureBuilt, ROOT } from '../../helpers/build.js';

const GiB = 2 ** 30;
const CT_INT16 = storageOf([{ datatype: 'int16', bytesPerVoxel: 2, scaling: undefined }], { datatype: 'uint8', bytesPerVoxel: 1, scaling: undefined });
const TARGET = [1, 0.77, 0.77];
const plans = { numInputChannels: 1, transposeForward: [0, 1, 2], anisotropyThreshold: 3, normalization: ['CT'] } as unknown as Plans;
const stage = { spacing: TARGET } as unknown as StagePlan;
const fingerprint = (shape: number[], spacing: number[]): CaseFingerprint =>
  ({ id: 'x', shape, spacing, croppedShape: shape, cropBbox: [], sizeReduction: 1, classes: [0, 1, 2] }) as CaseFingerprint;

/** Peak RSS (GiB) of one process per case, measured with the code of this commit (bench/real-size/run.mjs). */
const MEASURED = [
  { slices: 987, spacing: [0.7, 0.7, 0.7], preprocess: 1.71, plan: 1.2 },
  { slices: 880, spacing: [0.8, 0.74, 0.74], preprocess: 1.77, plan: 1.09 },
  { slices: 600, spacing: [1.0, 0.77, 0.77], preprocess: 1.26, plan: 0.82 },
  { slices: 300, spacing: [1.5, 0.8, 0.8], preprocess: 1.09, plan: 0.53 },
  { slices: 96, spacing: [4.0, 0.82, 0.82], preprocess: 0.78, plan: 0.32 },
];

describe('memory estimates against measured peaks', () => {
  it('are within 25 % of the peak RSS of Task03-sized cases, for preprocess and for plan', () => {
    for (const m of MEASURED) {
      const shape = [m.slices, 512, 512];
      const pre = estimateCaseBytes(fingerprint(shape, m.spacing), plans, stage, CT_INT16) / GiB;
      const plan = estimateFingerprintBytes(m.slices * 512 * 512, 1, true, CT_INT16) / GiB;
      expect(Math.abs(pre / m.preprocess - 1), `preprocess ${m.slices}: ${pre.toFixed(2)} vs ${m.preprocess}`).toBeLessThan(0.25);
      expect(Math.abs(plan / m.plan - 1), `plan ${m.slices}: ${plan.toFixed(2)} vs ${m.plan}`).toBeLessThan(0.25);
    }
    // The 987-slice case, the largest of real Task03, is far below the 6 GB bound and a 24 GiB machine's share.
    expect(estimateCaseBytes(fingerprint([987, 512, 512], [0.7, 0.7, 0.7]), plans, stage, CT_INT16) / GiB).toBeLessThan(2);
  });

  it('count the resampler intermediate as the native two steps keep it', () => {
    expect(resampleIntermediateVoxels([987, 512, 512], [691, 465, 465])).toBe(691 * 512 * 512); // z, then y and x by plane
    expect(resampleIntermediateVoxels([96, 512, 512], [384, 545, 545])).toBe(96 * 545 * 512); // y, then x and z by plane
    expect(resampleIntermediateVoxels([100, 64, 64], [100, 58, 58])).toBe(0); // x and y plane by plane: one step
    expect(resampleIntermediateVoxels([100, 64, 64], [90, 64, 70])).toBe(0); // z and x by plane along y: one step
    expect(resampleIntermediateVoxels([100, 64, 64], [100, 58, 70])).toBe(0);
    expect(resampleIntermediateVoxels([100, 64, 64], [90, 70, 64])).toBe(90 * 64 * 64); // z and y (planes along x): whole passes
    expect(resampleIntermediateVoxels([100, 64, 64], [110, 70, 50])).toBe(100 * 70 * 50); // x first: x and y, then z
    expect(resampleIntermediateVoxels([10, 10, 10], [10, 10, 10])).toBe(0);
  });

  it('read how the files store their voxels: int16 CT is kept as int16, other types as float32 with copies', () => {
    expect(CT_INT16).toEqual({ channelBytes: 2, readingBytes: 0, lingeringBytes: 0 });
    const scaled = storageOf([{ datatype: 'int16', bytesPerVoxel: 2, scaling: { slope: 1, inter: -1024 } }], { datatype: 'int16', bytesPerVoxel: 2, scaling: undefined });
    expect(scaled).toEqual({ channelBytes: 4, readingBytes: 2, lingeringBytes: 2 });
    const mr = storageOf([{ datatype: 'float32', bytesPerVoxel: 4, scaling: undefined }, { datatype: 'uint16', bytesPerVoxel: 2, scaling: undefined }],
      { datatype: 'uint8', bytesPerVoxel: 1, scaling: undefined });
    expect(mr).toEqual({ channelBytes: 4, readingBytes: 2, lingeringBytes: 0 });
  });
});

describe('a live case', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-estimate-'));
  beforeAll(async () => {
    await ensureBuilt();
    // 200 x 384 x 384 int16 CT-like volume (air, a body, a "liver"), 0.7 mm in plane, 0.8 mm slices.
    const [nx, ny, nz] = [384, 384, 200];
    const image = new Int16Array(nx * ny * nz);
    const label = new Uint8Array(nx * ny * nz);
    for (let k = 0, i = 0; k < nz; k++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++, i++) {
          const body = ((x - nx / 2) / (0.42 * nx)) ** 2 + ((y - ny / 2) / (0.36 * ny)) ** 2 < 1;
          const liver = ((x - 0.35 * nx) / (0.15 * nx)) ** 2 + ((y - 0.45 * ny) / (0.15 * ny)) ** 2 + ((k - nz / 2) / (0.3 * nz)) ** 2 < 1;
          image[i] = liver ? 110 + (i % 13) : body ? 40 + (i % 29) : -1000;
          label[i] = liver ? 1 : 0;
        }
    const affine = [[-0.7, 0, 0, 0], [0, -0.7, 0, 0], [0, 0, 0.8, 0], [0, 0, 0, 1]];
    const { geometry } = geometryFromAffine(affine, { description: 'estimate test' });
    const at = { shape: [nx, ny, nz], spacing: [0.7, 0.7, 0.8], header: geometry };
    await writeNifti(join(dir, 'image.nii.gz'), { ...at, data: image }, { compressionLevel: 1 });
    await writeNifti(join(dir, 'label.nii.gz'), { ...at, data: label }, { compressionLevel: 1 });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('preprocessing one case in its own process peaks within 25 % of its estimate', { timeout: 120_000 }, () => {
    const script = `
      import { readFileSync } from 'node:fs';
      const d = (p) => ${JSON.stringify(join(ROOT, 'dist'))} + '/' + p;
      const { loadPreprocessNative } = await import(d('native/addon/index.js'));
      const { preprocessCase } = await import(d('nnunet/preprocessing/case.js'));
      const { caseStorage } = await import(d('nnunet/preprocessing/case-storage.js'));
      const { estimateCaseBytes } = await import(d('nnunet/preprocessing/estimate.js'));
      loadPreprocessNative();
      const dir = ${JSON.stringify(dir)};
      const source = { id: 'c', images: [dir + '/image.nii.gz'], label: dir + '/label.nii.gz' };
      const plans = { numInputChannels: 1, transposeForward: [0, 1, 2], transposeBackward: [0, 1, 2], anisotropyThreshold: 3,
        normalization: ['CT'], useMaskForNorm: [false], allClasses: [1],
        fingerprint: { intensityProperties: [{ percentile00_5: 40, percentile99_5: 130, mean: 110, sd: 5 }] },
        configurations: { '3d_fullres': { spacing: ${JSON.stringify(TARGET)} } } };
      const fp = { id: 'c', shape: [200, 384, 384], spacing: [0.8, 0.7, 0.7], croppedShape: [200, 384, 384] };
      const estimate = estimateCaseBytes(fp, plans, plans.configurations['3d_fullres'], await caseStorage(source));
      await preprocessCase(source, plans, '3d_fullres', dir, { threads: 2 });
      const peak = Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
      process.stdout.write(JSON.stringify({ estimate, peak }));`;
    const r = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { estimate: number; peak: number };
    console.log(`200x384x384 int16 case: estimate ${(r.estimate / GiB).toFixed(3)} GiB, peak RSS ${(r.peak / GiB).toFixed(3)} GiB`);
    expect(Math.abs(r.estimate / r.peak - 1), `estimate ${(r.estimate / GiB).toFixed(3)} GiB, peak ${(r.peak / GiB).toFixed(3)} GiB`).toBeLessThan(0.25);
  });
});
