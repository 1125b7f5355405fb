/**
 * `pipe runs` and `pipe compare` through the CLI: the runs of a pipeline newest first with their
 * state, --set and headline; a failed run with what failed; a run in progress with its progress;
 * what differs between two runs; and the report kind's paired comparison (the real report kind on
 * stand-in validations, fixtures/fake-validate.mjs), its --json and its page in Chromium.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { collect, FIXTURES, Rig, waitFor } from '../helpers/rig.js';
import { dumpDom, hasChromium, screenshot } from '../nnunet/report/chromium-helper.js';

interface RunsJson {
  name: string;
  runs: { short: string; id: string; state: string; note?: string; pipeline: string; options: { overrides: string[] }; counts: Record<string, number>; executor: string; headlines: { stage: string; text: string; values: Record<string, number> }[]; instances: { stage: string; outcome: string; progress?: { done: number; unit: string }; logLine?: string }[] }[];
}

const SCORED = `name: scored
params: {value: 1, base: 2, fail: false}
stages:
  prep:
    run: echo \${params.base} > \${out}/data.txt
  score:
    uses: score
    needs: [prep]
    with: {value: "\${params.value}", fail: "\${params.fail}"}
`;

describe('pipe runs and pipe compare', () => {
  const rig = new Rig();
  const ENV = { PIPE_STAGE_MODULES: `${FIXTURES}/scored.mjs` };
  const runs = async (...args: string[]): Promise<RunsJson> => {
    const r = await rig.run(['runs', ...args, '--json'], ENV);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as RunsJson;
  };
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': SCORED, 'copy/p.yaml': SCORED });
    for (const set of [[], ['--set', 'params.value=3'], ['--set', 'params.fail=true']]) await rig.run(['run', 'p.yaml', ...set], ENV);
  });
  afterAll(() => rig.cleanup());

  test('lists the runs newest first: state with counts, --set, and the headline of what they built', async () => {
    const r = await rig.run(['runs', 'p.yaml'], ENV);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('pipeline scored (p.yaml), store cache: 3 run(s), newest first');
    expect(lines[1]).toMatch(/^ {2}[0-9a-f]{6} {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}[0-9.]+m?s +failed \(1 cached, 1 failed\) {2}local {2}--set params\.fail=true$/);
    expect(lines[2]).toMatch(/^ {6}failed score: exit 1: score: asked to fail; log .*score\.[0-9a-f]{12}\.[0-9T]+-[0-9a-f]+\.1\.log$/);
    expect(lines[3]).toMatch(/finished \(1 ran, 1 cached\) +local +--set params\.value=3$/);
    expect(lines[4]).toBe('      score: score 32');
    expect(lines[5]).toMatch(/finished \(2 ran\) +local +no --set$/);
    expect(lines[6]).toBe('      score: score 12');
    const json = await runs('p.yaml');
    expect(json.runs.map((x) => [x.state, x.options.overrides, x.headlines.map((h) => h.values['score'])])).toEqual([
      ['failed', ['params.fail=true'], []], ['finished', ['params.value=3'], [32]], ['finished', [], [12]],
    ]);
    expect(json.runs[0]!.instances.find((i) => i.stage === 'score')).toMatchObject({ outcome: 'failed', logLine: 'score: asked to fail' });
  });

  test('compares two runs: what differs, time per stage, and the kind’s comparison', async () => {
    const { runs: [, b, a] } = await runs('p.yaml');
    const r = await rig.run(['compare', 'p.yaml', a!.short, b!.short.slice(0, 4)], ENV);
    expect(r.code, r.stderr).toBe(0);
    const text = r.stdout;
    expect(text).toContain(`pipe compare: 2 runs of the store cache (${a!.short} is the baseline)`);
    expect(text).toContain(`What differs, ${b!.short} against ${a!.short}\n  params: value 1 → 3\n  score: value 1 → 3\n  same key in both: prep\n`);
    expect(text).toMatch(new RegExp(`stage +${a!.short} +${b!.short}\\n {2}prep +\\S+ +\\S+ cached\\n {2}score +\\S+ +\\S+\\n`));
    expect(text).toContain(`score\n  ${a!.short} score 12 (+0)\n  ${b!.short} score 32 (+20)`);
  });

  test('a run without the output says so; --json and --html carry the same comparison', async () => {
    const r = await rig.run(['compare', 'p.yaml', 'last~1', 'last', '--json', '--html', 'out/compare.html'], ENV);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { runs: { short: string }[]; differences: { params: unknown[] }[]; analyses: { stage: string; note?: string }[]; html: string };
    const { runs: [failed] } = await runs('p.yaml');
    expect(json.runs[1]!.short).toBe(failed!.short);
    expect(json.differences[0]!.params).toEqual([{ param: 'fail', from: 'false', to: 'true' }, { param: 'value', from: '3', to: '1' }]);
    expect(json.analyses).toEqual([{ stage: 'score', kind: 'score', note: `no committed score output in run ${failed!.short} (failed)` }]);
    const page = readFileSync(json.html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain(`no committed score output in run ${failed!.short} (failed)`);
    expect(page).not.toMatch(/<script|<link|src="http/);
  });

  test('bad references are usage errors that say what exists', async () => {
    const one = await rig.run(['compare', 'last'], ENV);
    expect([one.code, one.stderr.trim()]).toEqual([2, 'error: pipe compare: expected two runs or more (ids from pipe runs, last, last~1) but received 1']);
    const none = await rig.run(['compare', 'last', 'zzzz'], ENV);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no run zzzz in the store .*cache \(pipe runs lists the runs and their ids\)/);
    const twice = await rig.run(['compare', 'last', 'last~0'], ENV);
    expect(twice.stderr).toMatch(/last and last~0 are the same run \(\d{8}T\d{6}-[0-9a-f]{6}\): name different runs/);
    const far = await rig.run(['compare', 'p.yaml', 'last', 'last~9'], ENV);
    expect(far.stderr).toMatch(/last~9: the store .* records \d run\(s\) of this pipeline, so there is no run 9 before the last/);
  });
  test('finds the runs of a copy of the file by its name, as status does', async () => {
    const copy = await rig.run(['run', 'copy/p.yaml', '--set', 'params.base=5'], { ...ENV, PIPE_CACHE: rig.path('cache') });
    expect(copy.code, copy.stderr).toBe(0);
    const r = await rig.run(['runs', 'p.yaml'], { ...ENV, PIPE_CACHE: rig.path('cache') });
    expect(r.stdout).toContain('(a run of copy/p.yaml, a copy with the same name)');
    expect(r.stdout.split('\n')[0]).toContain('4 run(s)');
  });
});

describe('pipe runs while a run goes', () => {
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': 'stages:\n  train:\n    run: node $FIXTURES/trainer.mjs train 400 10 25\n' });
  });
  afterAll(() => rig.cleanup());

  test('shows it running with its progress, then interrupted', async () => {
    const child = rig.spawn(['run', 'p.yaml'], { PIPE_PROGRESS_INTERVAL_MS: '300' });
    const done = collect(child);
    await waitFor(() => rig.exists('cache/journal.jsonl') && rig.read('cache/journal.jsonl').split('"t":"progress"').length > 2, 20_000, 'progress');
    const r = await rig.run(['runs', 'p.yaml']);
    expect(r.stdout).toMatch(/running \(1 running\) +local +no --set\n {6}running train: epoch \d+\/400/);
    child.kill('SIGINT');
    expect((await done).code).toBe(130);
    const after = await rig.run(['runs', 'p.yaml']);
    expect(after.stdout).toMatch(/interrupted: SIGINT \(1 interrupted\) +local +no --set/);
  });
});

const STUDY = `name: study
params: {quality: 0.9, drop: 1000}
stages:
  validate:
    uses: validate
    matrix: {fold: [0, 1, 2]}
    with: {fold: "\${matrix.fold}", quality: "\${params.quality}", drop_from: "\${params.drop}", cases: 6}
  report:
    uses: report
    needs: [validate]
    with: {reference: {"1": 95.8, "2": 65.6}}
`;

describe('pipe compare on reports (the report kind on stand-in validations)', () => {
  const rig = new Rig();
  const ENV = { PIPE_STAGE_MODULES: `${FIXTURES}/fake-validate.mjs` };
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': STUDY });
    for (const set of [[], ['--set', 'params.quality=0.92', '--set', 'params.drop=16']]) {
      const r = await rig.run(['run', 'p.yaml', ...set], ENV);
      expect(r.code, r.stderr + r.stdout).toBe(0);
    }
  });
  afterAll(() => rig.cleanup());

  test('pipe runs shows each run’s mean Dice ± std per label', async () => {
    const r = await rig.run(['runs', 'p.yaml'], ENV);
    expect(r.stdout).toMatch(/--set params\.quality=0\.92 --set params\.drop=16\n {6}report: Dice liver \d\d\.\d\d ± \d\.\d\d, tumour \d\d\.\d\d ± \d\.\d\d \(3 folds\)\n/);
  });

  test('pipe compare gives per label the folds and the paired test, and what it left out', async () => {
    const r = await rig.run(['compare', 'last~1', 'last', '--html', 'compare.html'], ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('  validate (3 instances): drop_from 1000 → 16, quality 0.9 → 0.92\n  report: reran because upstream validate changed\n');
    expect(r.stdout).toMatch(/ {4}liver \(label 1\)\n {6}[0-9a-f]{6} {2}\d\d\.\d\d ± \d\.\d\d +folds 0: \d\d\.\d\d {2}1: \d\d\.\d\d {2}2: \d\d\.\d\d\n/);
    // 18 cases in the baseline, 16 in the other run; the last case of each fold has no tumour.
    expect(r.stdout).toMatch(/- [0-9a-f]{6} on 16 shared case\(s\): mean \+1\.\d\d \[95% CI \+1\.\d\d, \+1\.\d\d\]; Wilcoxon p = 3\.1e-5 \(exact, n = 16, 10 tied\); better in 16, worse in 0, equal in 0\n {8}left out of the paired test: 2 case\(s\) only in [0-9a-f]{6}\n/);
    expect(r.stdout).toContain('2 case(s) only in');
    expect(r.stdout).toMatch(/on 14 shared case\(s\).*\n.*2 without a Dice in one run or both/);
    expect(r.stdout).toContain('3 fold(s), no training recorded in its report');
  });

  test('--json carries the per-case pairs and the test', async () => {
    const r = await rig.run(['compare', 'p.yaml', 'last~1', 'last', '--json'], ENV);
    const json = JSON.parse(r.stdout) as { analyses: { comparison: { labels: { name: string; versus: { n: number; cases: { id: string }[]; onlyBaseline: string[]; wilcoxon: { method: string; pValue: number } }[] }[] } }[] };
    const liver = json.analyses[0]!.comparison.labels[0]!;
    expect(liver.name).toBe('liver');
    expect(liver.versus[0]).toMatchObject({ n: 16, onlyBaseline: ['case_16', 'case_17'], wilcoxon: { method: 'exact' } });
    expect(liver.versus[0]!.cases.map((c) => c.id)).toEqual(Array.from({ length: 16 }, (_, i) => `case_${i}`));
  });

  test.runIf(hasChromium)('the page renders in Chromium with a paired dot plot per label', () => {
    const dom = dumpDom(rig.path('compare.html'));
    expect(dom.match(/data-plot="paired-\d-0"/g)?.length).toBe(2);
    const liver = dom.match(/<svg[^>]*data-plot="paired-1-0"[\s\S]*?<\/svg>/)?.[0] ?? '';
    expect(liver.match(/<circle [^>]*fill-opacity/g)?.length).toBe(32);
    if (process.env['PIPE_TEST_SCREENSHOT']) {
      screenshot(rig.path('compare.html'), process.env['PIPE_TEST_SCREENSHOT']);
      writeFileSync(`${process.env['PIPE_TEST_SCREENSHOT']}.html`, readFileSync(rig.path('compare.html')));
    }
  });
});
