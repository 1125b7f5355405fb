/**
 * A failure travels as an object: `pipe run --json` and `pipe status --json` carry the instance's Failure (keyed
 * by `reason`) beside the text they always had, and a journal written before failures were objects still reads.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { jsonLines, Rig } from '../helpers/rig.js';

const PIPELINE = `stages:
  crash:
    run: echo trying; exit 3
  after:
    run: echo a > \${out}/a
    needs: [crash]
  hollow:
    run: echo "no model written"
    outputs: [model.txt]
`;

interface StageJson {
  readonly stage: string;
  readonly state: string;
  readonly reason: string | null;
  readonly failure: Record<string, unknown> | null;
}

describe('failures as objects', () => {
  const rig = new Rig();
  let status: (name: string) => Promise<StageJson>;
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': PIPELINE });
    status = async (name) => {
      const r = await rig.run(['status', 'p.yaml', '--json']);
      const st = JSON.parse(r.stdout) as { stages: StageJson[] };
      const s = st.stages.find((x) => x.stage === name);
      if (s === undefined) throw new Error(`no ${name} in ${r.stdout}`);
      return s;
    };
  });
  afterAll(() => rig.cleanup());

  test('run --json: a stage-finished event has the failure object and the same words as error', async () => {
    const r = await rig.run(['run', 'p.yaml', '--json', '--keep-going']);
    expect(r.code).toBe(1);
    const finished = new Map(jsonLines(r.stdout).filter((e) => e['event'] === 'stage-finished').map((e) => [e['stage'], e]));
    expect(finished.get('crash')).toMatchObject({ outcome: 'failed', exitCode: 3, error: 'exit 3', failure: { reason: 'exit-non-zero', exitCode: 3 } });
    expect(finished.get('hollow')).toMatchObject({ outcome: 'failed', error: 'declared output(s) missing: model.txt', failure: { reason: 'outputs-missing', missing: ['model.txt'] } });
    expect(finished.get('after')).toMatchObject({ outcome: 'skipped', error: 'upstream crash failed', failure: { reason: 'upstream-failed', upstream: 'crash', upstreamOutcome: 'failed' } });
  });

  test('status --json: a stage that exits non-zero is reason exit-non-zero with its code', async () => {
    const s = await status('crash');
    expect(s.state).toBe('failed');
    expect(s.failure).toEqual({ reason: 'exit-non-zero', exitCode: 3 });
    expect(s.reason).toMatch(/^exit 3, 1 attempt\(s\); log: .*crash\.[0-9a-f]{12}\.\d{8}T\d{6}-[0-9a-f]{6}\.1\.log$/);
  });

  test('status --json: a missing declared output is reason outputs-missing, naming it', async () => {
    const s = await status('hollow');
    expect(s.state).toBe('failed');
    expect(s.failure).toEqual({ reason: 'outputs-missing', missing: ['model.txt'] });
    expect(s.reason).toMatch(/^declared output\(s\) missing: model\.txt, 1 attempt\(s\); log: /);
  });

  test('status --json: the skipped dependent carries upstream-failed', async () => {
    const s = await status('after');
    expect(s).toMatchObject({ state: 'pending', reason: 'skipped: upstream crash failed', failure: { reason: 'upstream-failed', upstream: 'crash', upstreamOutcome: 'failed' } });
  });

  test('a journal from before the Failure union (error text only) reads as before, with no failure object', async () => {
    const journal = rig.path('cache', 'journal.jsonl');
    const lines = readFileSync(journal, 'utf8').split('\n').filter((l) => l !== '');
    const old = lines.map((l) => {
      const { failure: _failure, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(rest);
    });
    expect(old.join('\n')).not.toContain('"failure"');
    writeFileSync(journal, `${old.join('\n')}\n`);
    const crash = await status('crash');
    expect(crash.failure).toBeNull();
    expect(crash.reason).toMatch(/^exit 3, 1 attempt\(s\); log: /);
    expect((await status('after')).reason).toBe('skipped: upstream crash failed');
  });
});
