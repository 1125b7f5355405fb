/**
 * Attempt workspaces after a failure: one that holds nothing a resume can use (no file at all, only the empty
 * folders a stage made before it refused, as preprocess makes `cases/`) is removed, so the next attempt is a
 * fresh start, not a resume; one that holds a file is kept and resumed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { Rig } from '../../helpers/rig.js';

describe('workspaces of failed attempts', () => {
  const rigs: Rig[] = [];
  const newRig = (yaml: string): Rig => {
    const rig = new Rig();
    rig.write({ 'p.yaml': yaml });
    rigs.push(rig);
    return rig;
  };
  beforeAll(ensureBuilt);
  afterAll(() => {
    for (const r of rigs) r.cleanup();
  });
  const workspaces = (rig: Rig): string[] => (existsSync(rig.path('cache', 'work')) ? readdirSync(rig.path('cache', 'work')) : []);

  test('a stage that refuses after making only empty folders leaves no workspace, and its rerun is no resume', async () => {
    const rig = newRig('stages:\n  refuse:\n    run: echo "resume=${PIPE_RESUME:-0}" >> calls.log; mkdir -p "$PIPE_WORK/cases/none"; echo "needs 10 GiB" >&2; exit 2\n');
    const first = await rig.run(['run', 'p.yaml']);
    expect(first.code).toBe(1);
    expect(workspaces(rig)).toEqual([]);
    const second = await rig.run(['run', 'p.yaml']);
    expect(second.code).toBe(1);
    expect(second.stdout).not.toContain('(resuming)');
    expect(rig.calls()).toEqual(['resume=0', 'resume=0']);
  });

  test('a workspace that holds a file is kept, and the next attempt resumes from it', async () => {
    const rig = newRig('stages:\n  partial:\n    run: echo "resume=${PIPE_RESUME:-0}" >> calls.log; mkdir -p "$PIPE_WORK/cases"; echo done > "$PIPE_WORK/cases/case_1"; exit 2\n');
    await rig.run(['run', 'p.yaml']);
    expect(workspaces(rig)).toHaveLength(1);
    const second = await rig.run(['run', 'p.yaml']);
    expect(second.stdout).toContain('(resuming)');
    expect(rig.calls()).toEqual(['resume=0', 'resume=1']);
  });
});
