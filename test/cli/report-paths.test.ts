/** `pipe run` ends with where the report is when the run committed (or found cached) a report (issue 14, item 8). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { Rig } from '../helpers/rig.js';

const PIPELINE = `params: {fail: 0}
stages:
  train:
    run: echo t > \${out}/t; exit \${params.fail}
  report:
    run: echo '<html></html>' > \${out}/report.html; echo '# report' > \${out}/report.md; echo '{}' > \${out}/report.json
    needs: [train]
`;

const lastLines = (stdout: string, n: number): string[] => stdout.trimEnd().split('\n').slice(-n);

describe('report paths at the end of a run', () => {
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': PIPELINE, 'no-report.yaml': 'stages:\n  a:\n    run: echo a > ${out}/a\n' });
  });
  afterAll(() => rig.cleanup());

  test('a run that commits the report names report.html and report.md in its last lines', async () => {
    const r = await rig.run(['run', 'p.yaml']);
    expect(r.code, r.stderr).toBe(0);
    const [summary, html, md] = lastLines(r.stdout, 3);
    expect(summary).toMatch(/^pipe: 2 ran, 0 cached/);
    const dir = rig.path('cache', 'objects', rig.objects().find((k) => rig.exists(`cache/objects/${k}/report.html`)) ?? 'none');
    expect(html).toBe(`report: ${dir}/report.html`);
    expect(md).toBe(`  markdown ${dir}/report.md`);
  });

  test('a no-op rerun (report cached) names it too', async () => {
    const r = await rig.run(['run', 'p.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(lastLines(r.stdout, 3)[0]).toMatch(/^pipe: 0 ran, 2 cached/);
    expect(lastLines(r.stdout, 2)[0]).toMatch(/^report: .*\/report\.html$/);
  });

  test('no report line without a report, after a failure, in a dry run or with --json', async () => {
    const none = await rig.run(['run', 'no-report.yaml']);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).not.toMatch(/^report: /m);
    const failed = await rig.run(['run', 'p.yaml', '--set', 'params.fail=1']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).not.toMatch(/^report: /m);
    const dry = await rig.run(['run', 'p.yaml', '--dry-run']);
    expect(dry.stdout).not.toMatch(/^report: /m);
    const json = await rig.run(['run', 'p.yaml', '--json']);
    expect(json.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('{'))).toEqual([]);
  });
});
