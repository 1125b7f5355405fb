/**
 * End to end on the demo task (smaller settings, see demo-pipeline.ts), through the real CLI and
 * the native runtime:
 *   1. a clean run completes; report.json has per-fold Dice for every label; summary.json loads in
 *      Debian's python3 with the reference's keys; predictions open in nibabel with the source
 *      affine; report.html renders in headless chromium with its plots;
 *   2. batch_size edit -> only train, validate, report (and predict, which needs train) rerun;
 *   3. epochs edit + kill -9 of the runner during training + `pipe resume` -> the killed fold
 *      continues from its latest checkpoint (its log names the epoch) and the report is produced;
 *   4. a fold added -> only that fold's train/validate plus report (and predict) run.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addonAvailable } from '../../src/native/addon/index.js';
import { ensureBuilt } from '../helpers/build.js';
import { collect, jsonLines, outcomes, Rig, waitFor } from '../helpers/rig.js';
import { dumpDom, hasChromium, screenshot } from '../nnunet/report/chromium-helper.js';
import { ciDemoYaml } from './demo-pipeline.js';

const PY = '/usr/bin/python3';
const mustRun = addonAvailable() || Boolean(process.env['CI']);
const DATA = ['synthesize', 'convert', 'plan', 'preprocess'];
// The rig scrubs PIPE_* from the environment; a prebuilt addon named by PIPE_NATIVE_ADDON is passed on.
const ENV: Record<string, string> = process.env['PIPE_NATIVE_ADDON'] ? { PIPE_NATIVE_ADDON: process.env['PIPE_NATIVE_ADDON'] } : {};

interface StatusJson { stages: { stage: string; state: string; out: string | null; key: string }[] }

describe.runIf(mustRun)('demo pipeline end to end', () => {
  const rig = new Rig();
  const status = async (...set: string[]): Promise<StatusJson> =>
    JSON.parse((await rig.run(['status', 'pipelines/demo.yaml', '--json', ...set], ENV)).stdout) as StatusJson;
  const outOf = async (stage: string, ...set: string[]): Promise<string> => {
    const s = (await status(...set)).stages.find((x) => x.stage === stage);
    if (!s?.out) throw new Error(`no output for ${stage}`);
    return s.out;
  };
  const python = (code: string, ...args: string[]): string => {
    const r = spawnSync(PY, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 16 << 20 });
    if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
    return r.stdout;
  };

  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'pipelines/demo.yaml': ciDemoYaml([0, 1]) });
  });
  afterAll(() => {
    if (process.env['PIPE_TEST_KEEP']) console.log(`kept ${rig.dir}`);
    else rig.cleanup();
  });

  test('a clean run completes with a report, reference-compatible summaries and predictions', { timeout: 240_000 }, async () => {
    const r = await rig.run(['run', 'pipelines/demo.yaml', '--json'], ENV);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const o = outcomes(r.stdout);
    expect(Object.values(o).every((v) => v === 'ran')).toBe(true);
    expect(Object.keys(o).sort()).toEqual([...DATA, 'train[fold=0]', 'train[fold=1]', 'validate[fold=0]', 'validate[fold=1]', 'postprocessing', 'report', 'predict'].sort());
    console.log(`clean run: ${(r.ms / 1000).toFixed(1)} s`);

    const report = JSON.parse(readFileSync(join(await outOf('report'), 'report.json'), 'utf8')) as {
      folds: { fold: number; dicePercent: Record<string, number | null>; training: { epochs: number } | null }[];
      summary: { label: string; perFoldPercent: (number | null)[] }[];
    };
    expect(report.folds.map((f) => f.fold)).toEqual([0, 1]);
    for (const f of report.folds) {
      expect(Object.keys(f.dicePercent).sort()).toEqual(['1', '2']);
      expect(f.training?.epochs).toBe(2);
    }
    expect(report.summary.map((l) => l.label)).toEqual(['1', '2']);
    for (const l of report.summary) expect(l.perFoldPercent).toHaveLength(2);
    expect(report.folds.some((f) => typeof f.dicePercent['1'] === 'number')).toBe(true);

    // summary.json in Debian's python3: the reference's keys, NaN tokens allowed.
    const validate0 = await outOf('validate[fold=0]');
    const keys = python(
      'import json,sys; s=json.load(open(sys.argv[1])); m=s["results"]["mean"]; a=s["results"]["all"];' +
        'print(sorted(s), sorted(m), sorted(k for k in a[0] if k not in ("test","reference")), sorted(m["1"]))',
      join(validate0, 'summary.json'),
    );
    expect(keys.trim()).toBe(
      "['author', 'description', 'id', 'name', 'results', 'task', 'timestamp'] ['0', '1', '2'] ['0', '1', '2'] " +
        "['Accuracy', 'Dice', 'False Discovery Rate', 'False Negative Rate', 'False Omission Rate', 'False Positive Rate', " +
        "'Jaccard', 'Negative Predictive Value', 'Precision', 'Recall', 'Total Positives Reference', 'Total Positives Test', 'True Negative Rate']",
    );
    // `test` paths point at the committed predictions.
    const summary = JSON.parse(readFileSync(join(validate0, 'summary.json'), 'utf8').replaceAll('NaN', 'null')) as { results: { all: { test: string; reference: string }[] } };
    for (const c of summary.results.all) expect(existsSync(c.test), c.test).toBe(true);

    // Per-fold postprocessing (recipe 10.5): the decision and the postprocessed predictions with their summary.
    const pp = python(
      'import json,sys; p=json.load(open(sys.argv[1])); s=json.load(open(sys.argv[2]));' +
        'print(sorted(p), sorted(s["results"]["mean"]), len(s["results"]["all"]))',
      join(validate0, 'postprocessing.json'),
      join(validate0, 'predictions_postprocessed', 'summary.json'),
    );
    expect(pp.trim()).toBe(
      "['dc_per_class_pp_all', 'dc_per_class_pp_per_class', 'dc_per_class_raw', 'for_which_classes', " +
        `'min_valid_object_sizes', 'num_samples', 'validation_final', 'validation_raw'] ['1', '2'] ${summary.results.all.length}`,
    );

    // Cross-validation postprocessing: one decision over both folds' cases, applied to the test-set predictions.
    const cv = await outOf('postprocessing');
    const validate1 = await outOf('validate[fold=1]');
    const foldCases = [validate0, validate1].flatMap((v) => (JSON.parse(readFileSync(join(v, 'fold.json'), 'utf8')) as { cases: string[] }).cases);
    const cvCheck = python(
      'import json,sys; p=json.load(open(sys.argv[1])); r=json.load(open(sys.argv[2])); s=json.load(open(sys.argv[3]));' +
        'print(p["validation_raw"], p["validation_final"], p["num_samples"], len(r["results"]["all"]), sorted(s["results"]["mean"]), len(s["results"]["all"]))',
      join(cv, 'postprocessing.json'),
      join(cv, 'cv_niftis_raw', 'summary.json'),
      join(cv, 'cv_niftis_postprocessed', 'summary.json'),
    );
    const n = foldCases.length;
    expect(cvCheck.trim()).toBe(`cv_niftis_raw cv_niftis_postprocessed ${n} ${n} ['1', '2'] ${n}`);
    const reportCv = JSON.parse(readFileSync(join(await outOf('report'), 'report.json'), 'utf8')) as {
      crossValidationPostprocessing: unknown[] | null; summary: { crossValidationPostprocessedPercent: number | null }[];
    };
    expect(Array.isArray(reportCv.crossValidationPostprocessing)).toBe(true);
    expect(reportCv.summary.some((l) => typeof l.crossValidationPostprocessedPercent === 'number')).toBe(true);

    // Predictions (validation and test-set ensemble) in nibabel: the source image's affine and shape, uint8 labels.
    const fold = JSON.parse(readFileSync(join(validate0, 'fold.json'), 'utf8')) as { cases: string[] };
    const pre = await outOf('preprocess');
    const pairs: string[] = [];
    for (const id of fold.cases) {
      const props = JSON.parse(readFileSync(join(pre, 'cases', `${id}.json`), 'utf8')) as { images: string[] };
      pairs.push(join(validate0, 'predictions', `${id}.nii.gz`), props.images[0] as string);
      pairs.push(join(cv, 'cv_niftis_postprocessed', `${id}.nii.gz`), props.images[0] as string);
    }
    const predictOut = await outOf('predict');
    const predicted = JSON.parse(readFileSync(join(predictOut, 'predict.json'), 'utf8')) as { cases: { images: string[]; prediction: string }[] };
    expect(predicted.cases.length).toBeGreaterThan(0);
    for (const c of predicted.cases) {
      pairs.push(join(predictOut, c.prediction), c.images[0] as string);
      pairs.push(join(predictOut, c.prediction.replace(/^predictions\//, 'predictions_postprocessed/')), c.images[0] as string);
    }
    const checked = python(
      'import sys, nibabel as nib, numpy as np\n' +
        'a = sys.argv[1:]\n' +
        'for p, s in zip(a[0::2], a[1::2]):\n' +
        '    P, S = nib.load(p), nib.load(s)\n' +
        '    assert np.allclose(P.affine, S.affine, atol=1e-5), (p, P.affine, S.affine)\n' +
        '    assert P.shape == S.shape, (p, P.shape, S.shape)\n' +
        '    d = np.asanyarray(P.dataobj)\n' +
        '    assert d.dtype == np.uint8 and d.max() <= 2, (p, d.dtype, d.max())\n' +
        'print(len(a) // 2)\n',
      ...pairs,
    );
    expect(Number(checked)).toBe(pairs.length / 2);

    // report.html in headless chromium: the in-page check passes and the page has its plots.
    if (hasChromium) {
      const html = join(await outOf('report'), 'report.html');
      const dom = dumpDom(html);
      expect(dom).toMatch(/<body[^>]*data-checks="ok"/);
      expect(dom).not.toMatch(/<html[^>]*data-errors=/);
      expect((dom.match(/<svg [^>]*data-plot="/g) ?? []).length).toBeGreaterThanOrEqual(4);
      expect(dom).toContain('data-plot="training-fold-1"');
      const png = rig.path('report.png');
      screenshot(html, png);
      expect(statSync(png).size).toBeGreaterThan(20_000);
    }

    // pipe report prints the Dice table and where the files are.
    const rep = await rig.run(['report', 'pipelines/demo.yaml'], ENV);
    expect(rep.code, rep.stderr).toBe(0);
    expect(rep.stdout).toMatch(/report: .*report\.html/);
    expect(rep.stdout).toMatch(/^\| liver \(1\) \|/m);
  });

  test('editing batch_size reruns only train, validate, report (and predict)', { timeout: 120_000 }, async () => {
    const r = await rig.run(['run', 'pipelines/demo.yaml', '--json', '--set', 'params.batch_size=1'], ENV);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const o = outcomes(r.stdout);
    for (const s of DATA) expect(o[s], s).toBe('cached');
    for (const s of ['train[fold=0]', 'train[fold=1]', 'validate[fold=0]', 'validate[fold=1]', 'postprocessing', 'report', 'predict']) expect(o[s], s).toBe('ran');
  });

  test('editing epochs, kill -9 during training, then pipe resume continues from the checkpoint', { timeout: 180_000 }, async () => {
    const child = rig.spawn(['run', 'pipelines/demo.yaml', '--jobs', '1', '--set', 'params.epochs=6'], ENV);
    const done = collect(child);
    const checkpoint = (): string | undefined => {
      const work = rig.path('cache', 'work');
      if (!existsSync(work)) return undefined;
      for (const key of readdirSync(work)) {
        const p = join(work, key, 'run', 'checkpoint_latest.pt');
        if (existsSync(p) && existsSync(join(work, key, 'history.json'))) {
          const h = JSON.parse(readFileSync(join(work, key, 'history.json'), 'utf8')) as { epochs: unknown[] };
          if (h.epochs.length >= 2) return p;
        }
      }
      return undefined;
    };
    await waitFor(() => checkpoint() !== undefined, 120_000, 'a train checkpoint at epoch >= 2');
    child.kill('SIGKILL');
    await done;
    // The runner's watchdog ends the orphaned trainer and records it as interrupted.
    let states: string[] = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      states = (await status('--set', 'params.epochs=6')).stages.filter((s) => s.stage.startsWith('train')).map((s) => s.state);
      if (states.includes('interrupted')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(states.filter((s) => s === 'interrupted'), states.join(', ')).toHaveLength(1);

    const r = await rig.run(['resume', 'pipelines/demo.yaml', '--json'], ENV);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const o = outcomes(r.stdout);
    for (const s of DATA) expect(o[s], s).toBe('cached');
    expect(o['report']).toBe('ran');
    const logs = await Promise.all(['train[fold=0]', 'train[fold=1]'].map(async (s) => readFileSync(join(await outOf(s, '--set', 'params.epochs=6'), 'training_log.txt'), 'utf8')));
    const resumed = logs.map((l) => /resuming from latest checkpoint .*: epoch (\d+) of 6 done, continuing at epoch (\d+)/.exec(l)).filter((m) => m !== null);
    expect(resumed).toHaveLength(1);
    expect(Number(resumed[0]?.[1])).toBeGreaterThanOrEqual(2);
    const metrics = jsonLines(r.stdout).filter((e) => e['event'] === 'stage-finished');
    expect(metrics.length).toBeGreaterThan(0);
    const reportDir = await outOf('report', '--set', 'params.epochs=6');
    const report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as {
      folds: { training: { epochs: number }; resumed: { earlier: { outcome: string }[]; wallSeconds: number } | null }[];
    };
    expect(report.folds.map((f) => f.training.epochs)).toEqual([6, 6]);
    // The report records the killed attempt of the resumed fold and the run's departures from the recipe.
    const resumedFolds = report.folds.filter((f) => f.resumed !== null);
    expect(resumedFolds).toHaveLength(1);
    expect(resumedFolds[0]!.resumed!.earlier.map((e) => e.outcome)).toEqual(['interrupted']);
    const md = readFileSync(join(reportDir, 'report.md'), 'utf8');
    expect(md).toMatch(/^- fold [01]: resumed after 1 interrupted attempt; wall time incl\. killed attempts /m);
    expect(md).toContain('> - epochs: 6 vs 1000\n');
  });

  test('adding a fold runs only that fold and the fan-ins', { timeout: 120_000 }, async () => {
    rig.write({ 'pipelines/demo.yaml': ciDemoYaml([0, 1, 2]) });
    const r = await rig.run(['run', 'pipelines/demo.yaml', '--json', '--set', 'params.epochs=6'], ENV);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const o = outcomes(r.stdout);
    const ran = Object.entries(o).filter(([, v]) => v === 'ran').map(([k]) => k).sort();
    expect(ran).toEqual(['postprocessing', 'predict', 'report', 'train[fold=2]', 'validate[fold=2]']);
  });

  test('devices: 2 trains one fold as two c10d ranks (Gloo) with the global batch split', { timeout: 120_000 }, async () => {
    const set = ['--set', 'params.devices=2', '--set', 'params.iterations_per_epoch=2'];
    const r = await rig.run(['run', 'pipelines/demo.yaml', 'train[fold=0]', '--json', ...set], ENV);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(outcomes(r.stdout)['train[fold=0]']).toBe('ran');
    const out = await outOf('train[fold=0]', ...set);
    expect(readFileSync(join(out, 'training_log.txt'), 'utf8')).toMatch(/devices: 2 \(.*\): 2 ranks through c10d \(Gloo\), global batch \d+ split/);
    expect((JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as { worldSize: number }).worldSize).toBe(2);
  });
});
