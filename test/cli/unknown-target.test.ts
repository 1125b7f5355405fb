/** `pipe run FILE STAGE` with a stage that does not exist names every stage id of the pipeline (issue 14, item 13). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { Rig } from '../helpers/rig.js';

// Nine stages, as in task003_5fold.yaml (convert ... report, predict): more than any "such as" sample.
const IDS = ['convert', 'plan', 'preprocess', 'train', 'validate', 'postprocessing', 'report', 'predict', 'export'];
const PIPELINE = `stages:\n${IDS.map((id, i) => `  ${id}:\n    run: echo ${id} > \${out}/x\n${i > 0 ? `    needs: [${IDS[i - 1]}]\n` : ''}`).join('')}`;

describe('unknown target stage', () => {
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': PIPELINE });
  });
  afterAll(() => rig.cleanup());

  test('the error lists all nine stage ids and suggests the closest one', async () => {
    const r = await rig.run(['run', 'p.yaml', 'trian']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('unknown stage "trian"');
    expect(r.stderr).toContain(IDS.join(', '));
    expect(r.stderr).toContain('did you mean "train"');
    expect(r.stdout).toBe('');
  });

  test('status --why with an unknown stage lists them too', async () => {
    const r = await rig.run(['status', 'p.yaml', '--why', 'trian']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(IDS.join(', '));
    expect(r.stderr).toContain('did you mean "train"');
  });
});
