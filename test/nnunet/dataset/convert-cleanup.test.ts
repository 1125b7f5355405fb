/**
 * Failed attempts clean up what they will never resume. Each bad dataset is a new key (its digest is an
 * input), and convert_decathlon fails the same way on the same input, so its attempt workspace
 * (`work/<key>/`, where finished cases are saved for resume) must not outlive the failure: N bad
 * inputs leave no folder behind. A stage that fails after writing resumable state keeps it.
 */
import { cp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { synthesizeDecathlon } from '../../../src/nnunet/dataset/synthesize/synthesize.js';
import { readNifti, writeNifti } from '../../../src/io/nifti/index.js';
import { ensureBuilt } from '../../helpers/build.js';
import { Rig } from '../../helpers/rig.js';

const PIPELINE = `params:
  dataset: none
stages:
  convert:
    uses: convert_decathlon
    with: {dataset: "\${params.dataset}", workers: 1}
  checkpointed:
    run: 'echo state > "$PIPE_WORK/checkpoint"; exit 1'
  nothing_kept:
    run: 'exit 1'
`;

/** Ways to break a task folder, each on its own copy. */
const DAMAGE: Record<string, (dir: string) => Promise<void>> = {
  'no dataset.json': (dir) => unlink(`${dir}/dataset.json`),
  'dataset.json not JSON': (dir) => writeFile(`${dir}/dataset.json`, '{"name": '),
  'a listed label missing': (dir) => unlink(`${dir}/labelsTr/liver_2.nii.gz`),
  'a label value not declared': async (dir) => {
    const file = `${dir}/labelsTr/liver_1.nii.gz`;
    const v = await readNifti(file);
    const data = Uint8Array.from(v.data as Uint8Array);
    data[0] = 7;
    await writeNifti(file, { ...v, data });
  },
  'a truncated image': async (dir) => {
    const file = `${dir}/imagesTr/liver_3.nii.gz`;
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 64));
  },
  'imagesTr missing': (dir) => rm(`${dir}/imagesTr`, { recursive: true }),
};

describe('failed attempts leave no folders they will never resume', () => {
  const rig = new Rig();
  let pristine = '';
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': PIPELINE });
    pristine = (await synthesizeDecathlon(rig.path('src', 'Task03_Liver'), { cases: 4, testCases: 1, seed: 7, inPlaneSize: [20, 24], slices: [6, 8] })).dir;
  });
  afterAll(() => rig.cleanup());

  test(`${Object.keys(DAMAGE).length} bad inputs to convert_decathlon: no workspace, output or temp folder left`, async () => {
    for (const [i, [name, damage]] of Object.entries(DAMAGE).entries()) {
      const dir = rig.path(`bad${i}`, 'Task03_Liver');
      await cp(pristine, dir, { recursive: true });
      await damage(dir);
      const r = await rig.run(['run', 'p.yaml', 'convert', '--set', `params.dataset=${dir}`]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(1);
      const work = existsSync(rig.path('cache', 'work')) ? await readdir(rig.path('cache', 'work')) : [];
      expect(work, `after "${name}"`).toEqual([]);
    }
    expect(readdirSync(rig.path('cache', 'tmp'))).toEqual([]);
    expect(rig.objects()).toEqual([]);
    // The good task still converts (the cleanup took nothing that a later run needs).
    const ok = await rig.run(['run', 'p.yaml', 'convert', '--set', `params.dataset=${pristine}`]);
    expect(ok.code, ok.stderr).toBe(0);
  });

  test('a stage that fails after writing resumable state keeps its workspace; one that wrote nothing leaves none', async () => {
    await rm(rig.path('cache', 'work'), { recursive: true, force: true });
    const dataset = `params.dataset=${pristine}`;
    const r = await rig.run(['run', 'p.yaml', 'checkpointed', 'nothing_kept', '--keep-going', '--set', dataset]);
    expect(r.code, r.stderr).toBe(1);
    const work = await readdir(rig.path('cache', 'work'));
    expect(work).toHaveLength(1);
    expect(await readFile(rig.path('cache', 'work', work[0]!, 'checkpoint'), 'utf8')).toBe('state\n');
    // The next attempt of the same key is told to resume from it.
    const again = await rig.run(['run', 'p.yaml', 'checkpointed', '--set', dataset]);
    expect(again.code, again.stderr).toBe(1);
    const log = readdirSync(rig.path('cache', 'logs')).filter((f) => f.startsWith('checkpointed.')).sort();
    expect(await readFile(rig.path('cache', 'logs', log.at(-1)!), 'utf8')).toMatch(/# pipe: devices .* resume\n/);
  });
});
