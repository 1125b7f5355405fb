/**
 * gc's safety (issue 23, item 6): with objects in the store but no journal (missing or empty) no
 * pipeline references anything, so gc would delete every object without a word: it refuses unless
 * --force. During a run, `gc --dry-run` (which takes no lock) leaves the live run's folders out:
 * its tmp/ outputs, its attempt workspaces and the objects it committed, even when the YAML was
 * edited since it started.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { collect, Rig, waitFor } from '../../helpers/rig.js';

const PIPELINE = (note: string): string => `name: gcsafe
params: {note: ${note}}
stages:
  prep:
    run: echo "\${params.note}" > \${out}/prep.txt
  slow:
    run: 'echo started >> slow.started; while [ ! -f release ]; do sleep 0.1; done; cat \${stages.prep.out}/prep.txt > \${out}/slow.txt'
    needs: [prep]
`;

interface GcJson {
  readonly removed: { key: string; stage?: string }[];
  readonly kept: number;
  readonly warnings?: string[];
}

describe('gc refuses to empty a store it cannot account for', () => {
  let rig: Rig;
  beforeAll(ensureBuilt);
  afterEach(() => rig.cleanup());

  const ranOnce = async (): Promise<void> => {
    rig = new Rig();
    rig.write({ 'p.yaml': PIPELINE('v1'), release: '' });
    const r = await rig.run(['run', 'p.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(rig.objects()).toHaveLength(2);
  };

  for (const how of ['missing', 'empty'] as const) {
    test(`a journal that is ${how}: exit 2 naming --force, nothing removed; --force removes`, async () => {
      await ranOnce();
      const journal = rig.path('cache', 'journal.jsonl');
      if (how === 'missing') rmSync(journal);
      else writeFileSync(journal, '');
      const r = await rig.run(['gc', 'p.yaml']);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toMatch(/holds 2 object\(s\) but its journal .*journal\.jsonl is (missing|empty)/);
      expect(r.stderr).toContain('--force');
      expect(rig.objects()).toHaveLength(2);
      const dry = await rig.run(['gc', 'p.yaml', '--dry-run', '--json']);
      expect(dry.code, dry.stderr).toBe(0);
      expect((JSON.parse(dry.stdout) as GcJson).warnings?.join(' ')).toMatch(/journal .* is (missing|empty)/);
      const forced = await rig.run(['gc', 'p.yaml', '--force']);
      expect(forced.code, forced.stderr).toBe(0);
      expect(rig.objects()).toHaveLength(0);
    });
  }
});

describe('gc --dry-run during a run', () => {
  let rig: Rig;
  beforeAll(ensureBuilt);
  afterEach(() => rig.cleanup());

  test("lists none of the live run's folders, even after the YAML was edited", async () => {
    rig = new Rig();
    rig.write({ 'p.yaml': PIPELINE('v1') });
    const child = rig.spawn(['run', 'p.yaml']);
    const done = collect(child);
    try {
      await waitFor(() => rig.exists('slow.started'), 20_000, 'slow stage to start');
      expect(readdirSync(rig.path('cache', 'tmp')).length).toBeGreaterThan(0);
      rig.write({ 'p.yaml': PIPELINE('v2') }); // the live run's keys are no longer the YAML's
      const dry = await rig.run(['gc', 'p.yaml', '--dry-run', '--json']);
      expect(dry.code, dry.stderr).toBe(0);
      const plan = JSON.parse(dry.stdout) as GcJson;
      expect(plan.removed.filter((r) => r.key.startsWith('tmp/'))).toEqual([]);
      expect(plan.removed.filter((r) => r.key.startsWith('work/'))).toEqual([]);
      expect(plan.removed.map((r) => r.stage)).toEqual([]);
      expect(plan.warnings?.join(' ')).toMatch(/a run is in progress \(PID \d+/);
    } finally {
      rig.write({ release: '' });
      await done;
    }
  });
});
