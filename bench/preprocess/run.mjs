#!/usr/bin/env node
// bench/preprocess: per-case time of our resample + normalise (native, 2 threads) against the
// reference's method (nnU-Net v1 resample_data_or_seg on SciPy's order-3 zoom / map_coordinates,
// Debian python3-scipy via /usr/bin/python3, single process as nnU-Net runs one case per process),
// on the same CT-like volume, in the same run. Two rounds:
//   small:  100 x 256 x 256 at <--slice> x 0.8 x 0.8 mm
//   task03: a Task03-sized case, 400 x 512 x 512 at 0.8 x 0.7 x 0.7 mm (int16 as stored, as preprocess
//           reads a CT), to 1 x 0.77 x 0.77 mm: every axis resampled, SciPy's float64 copies ~3 GB
// Prints accuracy agreement per round and, last,
//   BENCH preprocess ratio=<small: ours/scipy> ... task03_ratio=<ours/scipy> ...
// Usage: npx tsc -p tsconfig.json && npm run build:native && node bench/preprocess/run.mjs [--threads 2] [--repeats 3] [--slice 2.5]
//        [--rounds small,task03]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { loadPreprocessNative } = await import(join(root, 'dist/native/addon/index.js'));
const { writeNpy } = await import(join(root, 'dist/io/npy.js'));
const { resamplePlan } = await import(join(root, 'dist/nnunet/preprocessing/resample-plan.js'));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const threads = arg('threads', 2);
const repeats = arg('repeats', 3);
const native = loadPreprocessNative();
const dir = mkdtempSync(join(tmpdir(), 'pipe-bench-preprocess-'));

// A CT-like case of `shape`: air, a body with fat/muscle, a liver with a tumour, noise.
function ctLike([Z, Y, X], seed = 1) {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const img = new Float32Array(Z * Y * X);
  const seg = new Int8Array(Z * Y * X);
  let k = 0;
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++, k++) {
        const body = ((y - Y / 2) / (0.42 * Y)) ** 2 + ((x - X / 2) / (0.46 * X)) ** 2;
        const liver = ((z - Z / 2) / (0.3 * Z)) ** 2 + ((y - 0.45 * Y) / (0.18 * Y)) ** 2 + ((x - 0.35 * X) / (0.2 * X)) ** 2;
        const tumour = ((z - 0.55 * Z) / (0.08 * Z)) ** 2 + ((y - 0.47 * Y) / (0.05 * Y)) ** 2 + ((x - 0.33 * X) / (0.05 * X)) ** 2;
        let v = -1024;
        if (body < 1) v = body > 0.85 ? -100 : 40 + 15 * Math.sin(z / 9 + x / 23);
        if (liver < 1) { v = 60; seg[k] = 1; }
        if (tumour < 1) { v = 20; seg[k] = 2; }
        img[k] = v + (body < 1 ? (rnd() - 0.5) * 30 : 0);
      }
  return { img, seg };
}

const target = [1, 0.77, 0.77];
const stats = { lo: -90, hi: 160, mean: 58, sd: 22 };
const roundsArg = process.argv.includes('--rounds') ? process.argv[process.argv.indexOf('--rounds') + 1] : 'small,task03';
const ROUNDS = {
  small: { shape: [100, 256, 256], spacing: [arg('slice', 2.5), 0.8, 0.8], int16: false }, // --slice 1.5: the joint 3D path
  task03: { shape: [400, 512, 512], spacing: [0.8, 0.7, 0.7], int16: true },
};

/** One round: ours (median of `repeats`) and the reference, on the same volume. */
async function round(name, { shape, spacing, int16 }) {
  const generated = ctLike(shape);
  const { seg } = generated;
  const rp = resamplePlan(shape, spacing, target);
  // preprocess keeps a CT as its int16 values (the kernels read them exactly as float): bench that input,
  // and give the reference the same values as float32.
  let input = generated.img;
  if (int16) {
    input = new Int16Array(generated.img.length);
    for (let i = 0; i < input.length; i++) generated.img[i] = input[i] = Math.round(generated.img[i]);
  }
  await writeNpy(join(dir, 'img.npy'), [generated.img], shape);
  await writeNpy(join(dir, 'seg.npy'), [seg], shape);
  delete generated.img;

  async function ours() {
    const t0 = performance.now();
    const r = await native.resampleImage(input, shape, rp.newShape, rp.nearestAxis, threads);
    const resampledHU = Float32Array.from(r);
    await native.normalizeCT(r, stats.lo, stats.hi, stats.mean, stats.sd, threads);
    const s = await native.resampleLabels(seg, shape, rp.newShape, rp.nearestAxis, threads);
    return { seconds: (performance.now() - t0) / 1000, resampledHU, seg: s };
  }
  const runs = [];
  let last;
  for (let i = 0; i < repeats; i++) {
    last = await ours();
    runs.push(last.seconds);
  }
  runs.sort((a, b) => a - b);
  const oursSeconds = runs[Math.floor(runs.length / 2)];
  await writeNpy(join(dir, 'ours_img.npy'), [last.resampledHU], rp.newShape);
  await writeNpy(join(dir, 'ours_seg.npy'), [last.seg], rp.newShape);
  last = undefined;

  // The reference: nnU-Net v1 resample_data_or_seg (separate z when the spacing ratio > 3), skimage's
  // resize(order 3, mode edge, anti_aliasing False, clip True) == scipy zoom(order 3, mode nearest, grid_mode True)
  // clipped to the input's range (per 2-D slice in the separate-z path, per volume otherwise),
  // labels one-hot order 1 per value, then CT clipping and z-scoring.
  const py = `
import json, time, numpy as np, scipy, scipy.ndimage as nd
img = np.load('${dir}/img.npy'); seg = np.load('${dir}/seg.npy')
new_shape = (${rp.newShape.join(', ')}); axis = ${rp.nearestAxis}
def resize(a, shape, order):
    out = nd.zoom(a, np.array(shape) / np.array(a.shape), order=order, mode='nearest', grid_mode=True)
    return np.clip(out, a.min(), a.max()) if order > 0 else out  # skimage resize's clip=True
def resize_seg(s, shape):
    out = np.zeros(shape, dtype=s.dtype)
    for c in np.unique(s):
        out[resize((s == c).astype(float), shape, 1) >= 0.5] = c
    return out
def along_z(a, Z):
    scale = a.shape[0] / Z
    zz, yy, xx = np.mgrid[:Z, :a.shape[1], :a.shape[2]].astype(float)
    zz = scale * (zz + 0.5) - 0.5
    return nd.map_coordinates(a, np.array([zz, yy, xx]), order=0, mode='nearest')
def reference(img, seg):
    if axis == 0:
        d = np.stack([resize(p.astype(float), new_shape[1:], 3) for p in img])
        d = along_z(d, new_shape[0]).astype(np.float32)
        s = np.stack([resize_seg(p, new_shape[1:]) for p in seg])
        s = along_z(s, new_shape[0])
    else:
        d = resize(img.astype(float), new_shape, 3).astype(np.float32)
        s = resize_seg(seg, new_shape)
    hu = d.copy()
    d = np.clip(d, ${stats.lo}, ${stats.hi}); d = (d - ${stats.mean}) / ${stats.sd}
    return hu, d, s
t0 = time.perf_counter(); hu, d, s = reference(img, seg); t = time.perf_counter() - t0
del img, seg
ours = np.load('${dir}/ours_img.npy'); ours_seg = np.load('${dir}/ours_seg.npy')
diff = np.abs(ours.astype(np.float64) - hu)
dn = np.abs((np.clip(ours, ${stats.lo}, ${stats.hi}) - ${stats.mean}) / ${stats.sd} - d)
print(json.dumps(dict(seconds=t, scipy=scipy.__version__, max_abs_hu=float(diff.max()), mean_abs_hu=float(diff.mean()),
  max_abs_norm=float(dn.max()), label_mismatch=int((ours_seg != s).sum()), voxels=int(s.size))))
`;
  const ref = JSON.parse(execFileSync('/usr/bin/python3', ['-c', py], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
    maxBuffer: 1 << 20,
  }));
  const ratio = oursSeconds / ref.seconds;
  console.log(`[${name}] volume ${shape.join('x')} (z,y,x)${int16 ? ' int16' : ''} at ${spacing.join('x')} mm -> ${rp.newShape.join('x')} at ${target.join('x')} mm, ${rp.reason}`);
  console.log(`[${name}] ours: resample image (order 3) + labels (label-wise linear) + CT normalise, ${threads} threads, median of ${repeats}: ${oursSeconds.toFixed(3)} s`);
  console.log(`[${name}] scipy ${ref.scipy} (nnU-Net v1 method, 1 process, single-threaded): ${ref.seconds.toFixed(3)} s; cpus ${cpus().length}`);
  console.log(`[${name}] agreement: image max |diff| ${ref.max_abs_hu.toExponential(2)} HU, mean ${ref.mean_abs_hu.toExponential(2)} HU; normalised max ${ref.max_abs_norm.toExponential(2)}; label voxels differing ${ref.label_mismatch} of ${ref.voxels}`);
  console.log(`[${name}] speed-up ${(1 / ratio).toFixed(1)}x; against scipy run as 2 processes (ideal 2x throughput) ${(1 / (2 * ratio)).toFixed(1)}x`);
  return { ratio, oursSeconds, ref };
}

const results = {};
for (const name of roundsArg.split(',')) {
  if (!(name in ROUNDS)) throw new Error(`--rounds: expected small and/or task03 but received ${name}`);
  results[name] = await round(name, ROUNDS[name]);
}
rmSync(dir, { recursive: true, force: true });

const fields = [];
const small = results.small;
if (small) {
  fields.push(`ratio=${small.ratio.toFixed(4)} ours_s=${small.oursSeconds.toFixed(3)} scipy_s=${small.ref.seconds.toFixed(3)} threads=${threads}`,
    `speedup=${(1 / small.ratio).toFixed(1)}x max_abs_diff_hu=${small.ref.max_abs_hu.toExponential(2)} mean_abs_diff_hu=${small.ref.mean_abs_hu.toExponential(2)} label_mismatch=${small.ref.label_mismatch}`);
}
const t03 = results.task03;
if (t03) {
  fields.push(`task03_ratio=${t03.ratio.toFixed(4)} task03_ours_s=${t03.oursSeconds.toFixed(3)} task03_scipy_s=${t03.ref.seconds.toFixed(3)}`,
    `task03_speedup=${(1 / t03.ratio).toFixed(1)}x task03_max_abs_diff_hu=${t03.ref.max_abs_hu.toExponential(2)} task03_label_mismatch=${t03.ref.label_mismatch}`);
}
console.log(`BENCH preprocess ${fields.join(' ')}`);
