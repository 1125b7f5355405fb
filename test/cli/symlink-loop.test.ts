/**
 * A symbolic link loop in an input folder (issue 23, item 6: `imagesTr` of a dataset): `pipe run`
 * and `pipe status` exit 2 with an error that names the link and the YAML place of the input,
 * never `Internal error: ELOOP` with a JavaScript stack (exit 1). Both kinds: a link to itself
 * (ELOOP from the kernel) and a link to a folder above it (a walk that would never end).
 */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, ROOT } from '../helpers/build.js';
import { Rig } from '../helpers/rig.js';

const PIPELINE = `name: loop
stages:
  convert:
    run: ls data > \${out}/list.txt
    inputs: [data]
`;

describe('a symbolic link loop in an input folder', () => {
  let rig: Rig;
  beforeAll(ensureBuilt);
  afterEach(() => rig.cleanup());

  const project = (link: string, target: string): string => {
    rig = new Rig();
    rig.write({ 'p.yaml': PIPELINE, 'data/imagesTr/case_000_0000.nii.gz': 'x', 'data/dataset.json': '{}' });
    symlinkSync(target, rig.path('data', 'imagesTr', link));
    return join('data', 'imagesTr', link);
  };
  const expectLocated = (r: { code: number | null; stderr: string }, link: string, what: RegExp): void => {
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/Internal error|\n\s+at /);
    expect(r.stderr).toContain(link);
    expect(r.stderr).toMatch(what);
    expect(r.stderr).toMatch(/p\.yaml:5:\d+: error:/);
  };

  test('a link to itself: run and status exit 2 naming it', async () => {
    const link = project('self', 'self');
    for (const command of ['run', 'status']) expectLocated(await rig.run([command, 'p.yaml']), link, /symbolic link loop/);
  });

  test('a link to a folder above it: run and status exit 2 naming it', async () => {
    const link = project('up', '..');
    for (const command of ['run', 'status']) expectLocated(await rig.run([command, 'p.yaml']), link, /leads back to .*data/);
  });

  test("the shipped Task03 pipeline's status on such a dataset", async () => {
    const link = project('self', 'self');
    const r = await rig.run(['status', join(ROOT, 'pipelines', 'task003_5fold.yaml'), '--set', `params.dataset=${rig.path('data')}`, '--set', 'params.device=cpu'], { PIPE_CACHE: rig.path('cache') });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/Internal error|\n\s+at /);
    expect(r.stderr).toContain(link);
    expect(r.stderr).toMatch(/task003_5fold\.yaml:\d+:\d+: error:/);
  });
});
