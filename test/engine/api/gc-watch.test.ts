/** gc removes only what no recorded pipeline references; watch reruns what an edit made stale. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { collect, jsonLines, outcomes, Rig, waitFor } from '../../helpers/rig.js';

const PIPELINE = (bs: number): string => `params: {bs: ${bs}}
stages:
  prep:
    run: cat input.txt > \${out}/prep.txt
    inputs: [input.txt]
  train:
    run: echo "bs=\${params.bs}" | cat - \${stages.prep.out}/prep.txt > \${out}/model.txt
    needs: [prep]
`;

describe('gc', () => {
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': PIPELINE(2), 'input.txt': 'v1\n' });
  });
  afterAll(() => rig.cleanup());

  test('keeps current objects, removes superseded ones; --dry-run removes nothing', async () => {
    expect((await rig.run(['run', 'p.yaml'])).code).toBe(0);
    rig.write({ 'p.yaml': PIPELINE(4) });
    expect((await rig.run(['run', 'p.yaml'])).code).toBe(0);
    expect(rig.objects()).toHaveLength(3); // prep, train(bs=2), train(bs=4)
    const dry = await rig.run(['gc', 'p.yaml', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as { removed: { key: string; stage?: string }[]; kept: number };
    expect(plan.removed.map((r) => r.stage)).toEqual(['train']);
    expect(plan.kept).toBe(2);
    expect(rig.objects()).toHaveLength(3);
    const real = await rig.run(['gc', 'p.yaml']);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(/removed 1 item\(s\)/);
    expect(rig.objects()).toHaveLength(2);
    expect(outcomes((await rig.run(['run', 'p.yaml', '--json'])).stdout)).toEqual({ prep: 'cached', train: 'cached' });
  });
});

describe('watch', () => {
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': PIPELINE(2), 'input.txt': 'v1\n' });
  });
  afterAll(() => rig.cleanup());

  test('an input edit triggers a run of exactly what it made stale', async () => {
    const child = rig.spawn(['watch', 'p.yaml', '--json']);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const done = collect(child);
    const finished = (): Record<string, unknown>[] => jsonLines(out).filter((e) => e['event'] === 'run-finished');
    await waitFor(() => finished().length === 1, 20_000, 'first run');
    expect(finished()[0]).toMatchObject({ ran: 2 });
    await new Promise((r) => setTimeout(r, 300));
    rig.write({ 'input.txt': 'v2\n' });
    await waitFor(() => finished().length === 2, 20_000, 'run after edit');
    expect(finished()[1]).toMatchObject({ ran: 2, cached: 0 });
    rig.write({ 'p.yaml': PIPELINE(3) });
    await waitFor(() => finished().length === 3, 20_000, 'run after pipeline edit');
    expect(finished()[2]).toMatchObject({ ran: 1, cached: 1 });
    child.kill('SIGINT');
    expect((await done).code).toBe(130);
  });
});
