/**
 * A dataset whose coarse axis is x (file spacing 3 x 0.8 x 0.8 mm), described by a hand-written
 * manifest (dataset.json + cases.json), through plan -> preprocess; the arrays are compared with an
 * independent numpy/scipy implementation of nnU-Net's chain (crop + fill holes, transpose, separate-z
 * resampling, CT normalisation with the plan's statistics).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Plans } from '../../../src/nnunet/plans/types.js';
import type { CaseProperties } from '../../../src/nnunet/preprocessing/case.js';
import planStage from '../../../src/nnunet/stages/plan.js';
import preprocessStage from '../../../src/nnunet/stages/preprocess.js';
import type { UpstreamRef } from '../../../src/stage-api/types.js';
import { fakeContext } from '../../helpers/fake-context.js';
import { python, readNpy } from './npy-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'pipe-transposed-'));
const data = join(root, 'data');
const ids = ['c_0', 'c_1', 'c_2', 'c_3', 'c_4'];
let plans: Plans;
let outDir: string;

beforeAll(async () => {
  mkdirSync(data);
  python(`
import numpy as np, nibabel as nib
for i in range(5):
    X, Y, Z = 10 + i, 30, 28
    x, y, z = np.meshgrid(np.arange(X), np.arange(Y), np.arange(Z), indexing='ij')
    img = 100 * np.exp(-((x * 3 - 15) ** 2 + ((y - 15) * 0.8) ** 2 + ((z - 14) * 0.8) ** 2) / 80.) - 50 + 10 * np.sin(y / 3.)
    img[:, :3, :] = 0                       # a zero margin: cropped away
    img[:, 3:6, 5:9] = 0                    # zeros touching the box face: background outside the mask (-1)
    lab = np.zeros(img.shape, np.uint8)
    r = ((x * 3 - 15) ** 2 + ((y - 15) * 0.8) ** 2 + ((z - 14) * 0.8) ** 2)
    lab[r < 60] = 1; lab[r < 12] = 2
    aff = np.diag([3.0, 0.8, 0.8, 1.0])
    nib.save(nib.Nifti1Image(img.astype(np.float32), aff), '${data}/c_%d_0000.nii.gz' % i)
    nib.save(nib.Nifti1Image(lab, aff), '${data}/c_%d.nii.gz' % i)
`);
  writeFileSync(join(data, 'dataset.json'), JSON.stringify({ modality: { '0': 'CT' }, labels: { '0': 'background', '1': 'organ', '2': 'lesion' } }));
  writeFileSync(join(data, 'cases.json'), JSON.stringify({ training: ids.map((id) => ({ id, images: [`${id}_0000.nii.gz`], label: `${id}.nii.gz` })) }));
  const convert: UpstreamRef = { stage: 'convert', id: 'convert', kind: 'convert_decathlon', key: 'k', out: data, matrix: {} };
  const mk = (name: string) => {
    const d = join(root, name);
    mkdirSync(d);
    return d;
  };
  const plan = await fakeContext('plan', {}, { root: mk('plan'), needs: [convert] });
  await planStage.run(plan);
  plans = JSON.parse(await readFile(join(plan.out, 'plans.json'), 'utf8')) as Plans;
  const planRef: UpstreamRef = { stage: 'plan', id: 'plan', kind: 'plan', key: 'k', out: plan.out, matrix: {} };
  const pre = await fakeContext('preprocess', {}, { root: mk('pre'), needs: [planRef, convert] });
  await preprocessStage.run(pre);
  outDir = pre.out;
}, 120_000);

describe('a dataset with a coarse x axis', () => {
  it('is planned with the coarse axis first', () => {
    expect(plans.targetSpacing).toEqual([0.800000011920929, 0.800000011920929, 3]);
    expect(plans.transposeForward).toEqual([2, 0, 1]);
    expect(plans.transposeBackward).toEqual([1, 2, 0]);
    expect(plans.configurations['3d_fullres'].spacing).toEqual([3, 0.800000011920929, 0.800000011920929]);
  });

  it('is preprocessed exactly like numpy/scipy do nnU-Net\'s steps', async () => {
    const ip = plans.fingerprint.intensityProperties?.[0];
    if (!ip) throw new Error('no CT statistics');
    for (const id of ids) {
      const p = JSON.parse(await readFile(join(outDir, 'cases', `${id}.json`), 'utf8')) as CaseProperties;
      expect(p.cropBbox[1]).toEqual([3, 30]);
      expect(p.transposeForward).toEqual([2, 0, 1]);
      const out = python(`
import numpy as np, nibabel as nib, scipy.ndimage as nd, json
img = np.asarray(nib.load('${data}/${id}_0000.nii.gz').dataobj).transpose(2, 1, 0).astype(np.float32)
seg = np.asarray(nib.load('${data}/${id}.nii.gz').dataobj).transpose(2, 1, 0).astype(np.int8)
mask = nd.binary_fill_holes(img != 0)
w = np.where(img != 0); sl = tuple(slice(w[a].min(), w[a].max() + 1) for a in range(3))
img, seg, mask = img[sl], seg[sl].copy(), mask[sl]
seg[(seg == 0) & ~mask] = -1
tf = ${JSON.stringify(plans.transposeForward)}
img, seg = img.transpose(tf), seg.transpose(tf)
spacing = np.array([0.8, 0.8, 3.0])[tf]
target = np.array(${JSON.stringify(plans.configurations['3d_fullres'].spacing)})
new = np.round(spacing / target * np.array(img.shape)).astype(int)
def zoom(a, shape, order):
    return nd.zoom(a, np.array(shape) / np.array(a.shape), order=order, mode='nearest', grid_mode=True)
def resize_seg(s, shape):
    r = np.zeros(shape, s.dtype)
    for c in np.unique(s): r[zoom((s == c).astype(float), shape, 1) >= 0.5] = c
    return r
idx = np.clip(np.floor((np.arange(new[0]) + 0.5) * img.shape[0] / new[0]), 0, img.shape[0] - 1).astype(int)
d = np.stack([np.clip(zoom(p.astype(float), new[1:], 3), p.min(), p.max()) for p in img])[idx].astype(np.float32)  # skimage resize clips
s = np.stack([resize_seg(p, new[1:]) for p in seg])[idx]
d = (np.clip(d, ${ip.percentile00_5}, ${ip.percentile99_5}) - ${ip.mean}) / ${ip.sd}
ours = np.load('${outDir}/cases/${id}.data.npy'); oseg = np.load('${outDir}/cases/${id}.seg.npy')
print(json.dumps(dict(shape=list(map(int, new)), data=float(np.abs(ours[0] - d).max()), seg=int((oseg != s).sum()), minus=int((s == -1).sum()))))
`);
      const r = JSON.parse(out) as { shape: number[]; data: number; seg: number; minus: number };
      expect(p.shape).toEqual(r.shape);
      expect(readNpy(join(outDir, 'cases', `${id}.data.npy`)).shape).toEqual([1, ...r.shape]);
      expect(r.data).toBeLessThan(1e-4);
      expect(r.seg).toBe(0);
      expect(r.minus).toBeGreaterThan(0);
    }
  });
});
