#!/usr/bin/env node
// bench/real-size: a Task03-sized task through pipelines/task003_5fold.yaml's convert -> plan -> preprocess
// with the pipeline's defaults (no memory setting: the budgets come from the machine), then every case alone
// in its own process (peak RSS = VmHWM) against its memory estimate (src/nnunet/preprocessing/estimate.ts).
//
// The task (synthesize_decathlon, realistic geometry: slice spacing and scan length drawn together):
//   liver_0   987 x 512 x 512, 0.7 mm slices, 0.7 mm in plane (691 mm: the largest real Task03 case)
//   liver_1   880 x 512 x 512, 0.8 mm slices, 0.74 mm in plane
//   liver_2.. --cases more (default 3: a 5-fold split needs 5): 512 x 512, 0.6-0.98 mm in plane, 0.7-5 mm slices over 150-700 mm
//   + 1 test case in imagesTs
// Asserts (exit 1 otherwise): every stage's peak RSS and every case's stays under 6 GB (6e9 bytes); every
// estimate is within 25 % of its case's peak. Prints a table and, last,
//   BENCH real-size preprocess_peak_gib=... max_case_peak_gib=... worst_estimate_error=... convert_s=... ...
// Usage: npx tsc -p tsconfig.json && npm run build:native && node bench/real-size/run.mjs [--dir DIR] [--keep]
//        [--cases 3] [--seed 1]     (--dir reuses a task synthesized there before; about 20 min on 2 cores)
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = (p) => join(root, 'dist', p);
const GiB = 2 ** 30;
const BOUND = 6e9;
const status = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;

// ---- child mode: one case of one stage, its peak RSS on stdout ----
if (process.env.PIPE_BENCH_CASE) {
  const { kind, source, plans, convert, out } = JSON.parse(process.env.PIPE_BENCH_CASE);
  const { loadPreprocessNative } = await import(dist('native/addon/index.js'));
  loadPreprocessNative();
  const base = Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
  const t0 = performance.now();
  if (kind === 'plan') {
    const { computeFingerprint } = await import(dist('nnunet/experiment-planning/fingerprint.js'));
    const { loadDatasetSource } = await import(dist('nnunet/dataset/cases.js'));
    const all = await loadDatasetSource(convert);
    await computeFingerprint({ ...all, cases: [source] }, { workers: 1, threads: 2, memory: { bytes: Infinity, share: Infinity, describe: '', fromMachine: false } });
  } else {
    const { preprocessCase } = await import(dist('nnunet/preprocessing/case.js'));
    await preprocessCase(source, JSON.parse(readFileSync(plans, 'utf8')), '3d_fullres', out, { threads: 2 });
  }
  process.stdout.write(JSON.stringify({ base, peak: status(), seconds: (performance.now() - t0) / 1000 }));
  process.exit(0);
}

const argValue = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const keep = process.argv.includes('--keep') || argValue('dir', undefined) !== undefined;
const dir = argValue('dir', undefined) ?? mkdtempSync(join(tmpdir(), 'pipe-bench-real-size-'));
const extra = Number(argValue('cases', 3));
const seed = Number(argValue('seed', 1));
const task = join(dir, 'data', 'Task03_Liver');
const pipe = (...args) => spawnSync(process.execPath, [join(root, 'bin', 'pipe.js'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const seconds = (t0) => ((performance.now() - t0) / 1000).toFixed(1);

// ---- the task ----
if (!existsSync(join(task, 'dataset.json'))) {
  const { synthesizeDecathlon } = await import(dist('nnunet/dataset/synthesize/synthesize.js'));
  const common = { testCases: 0, inPlaneSize: [512, 512], compressionLevel: 1 };
  const parts = [
    { cases: 1, seed, inPlaneSpacing: [0.7, 0.7], sliceSpacing: [0.7, 0.7], scanLength: [690.9, 690.9] },
    { cases: 1, seed, inPlaneSpacing: [0.74, 0.74], sliceSpacing: [0.8, 0.8], scanLength: [704, 704] },
    { cases: extra, testCases: 1, seed, inPlaneSpacing: [0.6, 0.98], sliceSpacing: [0.7, 5], scanLength: [150, 700] },
  ];
  const training = [];
  const test = [];
  for (const s of ['imagesTr', 'labelsTr', 'imagesTs']) mkdirSync(join(task, s), { recursive: true });
  for (const [i, part] of parts.entries()) {
    const t0 = performance.now();
    const r = await synthesizeDecathlon(join(dir, 'parts', String(i)), { ...common, ...part });
    for (const c of [...r.training, ...r.test]) {
      const id = `liver_${training.length + test.length}`;
      const isTest = r.test.includes(c);
      renameSync(join(r.dir, c.image), join(task, isTest ? 'imagesTs' : 'imagesTr', `${id}.nii.gz`));
      if (c.label) renameSync(join(r.dir, c.label), join(task, 'labelsTr', `${id}.nii.gz`));
      (isTest ? test : training).push({ id, shape: c.shape, spacing: c.spacing });
      console.log(`synthesized ${id}: ${c.shape.join('x')} (x,y,z) at ${c.spacing.join('x')} mm, ${(c.shape[2] * c.spacing[2]).toFixed(0)} mm long (${seconds(t0)} s)`);
    }
  }
  // The dataset.json synthesize_decathlon writes, listing the merged cases.
  const json = JSON.parse(readFileSync(join(dir, 'parts', '0', 'dataset.json'), 'utf8'));
  json.numTraining = training.length;
  json.numTest = test.length;
  json.training = training.map((c) => ({ image: `./imagesTr/${c.id}.nii.gz`, label: `./labelsTr/${c.id}.nii.gz` }));
  json.test = test.map((c) => `./imagesTs/${c.id}.nii.gz`);
  writeFileSync(join(task, 'dataset.json'), `${JSON.stringify(json, null, 4)}\n`);
  rmSync(join(dir, 'parts'), { recursive: true, force: true });
}

// ---- the pipeline, as shipped, in its own project folder ----
const project = join(dir, 'project');
mkdirSync(join(project, 'pipelines'), { recursive: true });
copyFileSync(join(root, 'pipelines', 'task003_5fold.yaml'), join(project, 'pipelines', 'task003_5fold.yaml'));
const yaml = join(project, 'pipelines', 'task003_5fold.yaml');
const sets = ['--set', `params.dataset=${task}`, '--set', 'params.device=cpu'];
const command = `pipe run ${yaml} preprocess ${sets.join(' ')}`;
console.log(`running: ${command}`);
const t0 = performance.now();
const run = pipe('run', yaml, 'preprocess', ...sets);
const wall = seconds(t0);
if (run.status !== 0) {
  console.log(run.stdout, run.stderr);
  throw new Error(`${command} exited ${run.status}`);
}
const stages = JSON.parse(pipe('status', yaml, '--json', ...sets).stdout).stages;
const stage = (id) => stages.find((s) => s.stage === id);
const failures = [];
const stageRows = ['convert', 'plan', 'preprocess'].map((id) => {
  const s = stage(id);
  const peak = Number(s?.metrics?.peakRssGiB ?? NaN);
  if (!(peak * GiB < BOUND)) failures.push(`${id}: peak RSS ${peak} GiB is not under 6 GB`);
  return { id, seconds: (s?.durationMs ?? NaN) / 1000, peak, metrics: s?.metrics ?? {} };
});
console.log(`pipeline: ${wall} s wall (${command})`);
for (const r of stageRows) console.log(`  ${r.id.padEnd(10)} ${r.seconds.toFixed(1).padStart(7)} s   peak RSS ${r.peak.toFixed(2)} GiB`);
console.log(`  preprocess: ${stage('preprocess')?.metrics?.largestCaseEstimate} estimated for its largest case`);

// ---- every case alone: peak RSS against its estimate ----
const { loadDatasetSource } = await import(dist('nnunet/dataset/cases.js'));
const { caseStorage } = await import(dist('nnunet/preprocessing/case-storage.js'));
const { estimateCaseBytes, estimateFingerprintBytes } = await import(dist('nnunet/preprocessing/estimate.js'));
const convertOut = stage('convert').out;
const planOut = stage('plan').out;
const source = await loadDatasetSource(convertOut);
const plans = JSON.parse(readFileSync(join(planOut, 'plans.json'), 'utf8'));
const fingerprint = JSON.parse(readFileSync(join(planOut, 'fingerprint.json'), 'utf8'));
const full = plans.configurations['3d_fullres'];
const scratch = join(dir, 'cases');
mkdirSync(scratch, { recursive: true });
const child = (kind, c) => JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url)], {
  encoding: 'utf8',
  env: { ...process.env, PIPE_BENCH_CASE: JSON.stringify({ kind, source: c, plans: join(planOut, 'plans.json'), convert: convertOut, out: scratch }) },
}));
console.log(`per case, alone in a process (target spacing ${full.spacing.map((s) => s.toFixed(2)).join(' x ')} mm):`);
console.log('  case      shape (z,y,x) @ spacing       preprocess: estimate / peak RSS (error)   plan: estimate / peak RSS (error)');
let worst = 0;
let maxPeak = 0;
for (const c of source.cases) {
  const fp = fingerprint.cases.find((f) => f.id === c.id);
  const storage = await caseStorage(c);
  const cells = [];
  for (const kind of ['preprocess', 'plan']) {
    const estimate = kind === 'plan' ? estimateFingerprintBytes(c.voxels, 1, true, storage) : estimateCaseBytes(fp, plans, full, storage);
    const r = child(kind, c);
    const error = estimate / r.peak - 1;
    worst = Math.max(worst, Math.abs(error));
    maxPeak = Math.max(maxPeak, r.peak);
    if (Math.abs(error) > 0.25) failures.push(`${c.id} ${kind}: estimate ${(estimate / GiB).toFixed(2)} GiB is not within 25 % of ${(r.peak / GiB).toFixed(2)} GiB`);
    if (!(r.peak < BOUND)) failures.push(`${c.id} ${kind}: peak ${(r.peak / GiB).toFixed(2)} GiB is not under 6 GB`);
    cells.push(`${(estimate / GiB).toFixed(2)} / ${(r.peak / GiB).toFixed(2)} GiB (${error >= 0 ? '+' : ''}${(100 * error).toFixed(0)} %), ${r.seconds.toFixed(1)} s`);
  }
  const where = `${fp.shape.join('x')} @ ${fp.spacing.map((s) => s.toFixed(2)).join('x')}`;
  console.log(`  ${c.id.padEnd(9)} ${where.padEnd(29)} ${cells[0].padEnd(42)} ${cells[1]}`);
}
rmSync(scratch, { recursive: true, force: true });
if (!keep) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
for (const f of failures) console.log(`FAIL ${f}`);
const bySeconds = Object.fromEntries(stageRows.map((r) => [`${r.id}_s`, r.seconds.toFixed(1)]));
console.log(`BENCH real-size cases=${source.cases.length} max_slices=${Math.max(...fingerprint.cases.map((f) => f.shape[0]))} ` +
  `convert_peak_gib=${stageRows[0].peak} plan_peak_gib=${stageRows[1].peak} preprocess_peak_gib=${stageRows[2].peak} ` +
  `max_case_peak_gib=${(maxPeak / GiB).toFixed(2)} worst_estimate_error=${(100 * worst).toFixed(1)}% ` +
  Object.entries(bySeconds).map(([k, v]) => `${k}=${v}`).join(' ') + ` wall_s=${wall} bound_ok=${failures.length === 0}`);
process.exit(failures.length === 0 ? 0 : 1);
