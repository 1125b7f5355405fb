/**
 * Every shipped pipelines/*.yaml loads with the real kinds and plans its instances (`pipe run --dry-run`): its
 * `with:` options against the kinds' schemas, its matrix axes and the kinds' load-time needs checks (a variant
 * axis missing downstream fails here). The schema alone is checked in test/engine/config/schema.test.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, ROOT } from '../helpers/build.js';
import { jsonLines, Rig } from '../helpers/rig.js';

const dir = join(ROOT, 'pipelines');
const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];

describe('pipelines/*.yaml', () => {
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'Task03_Liver/dataset.json': '{}' });
  });
  afterAll(() => rig.cleanup());

  /** The instances a dry run of `file` plans; a task folder is given where the file asks for one, and the CPU. */
  const planned = async (file: string): Promise<string[]> => {
    const params = (parse(readFileSync(join(dir, file), 'utf8')) as { params?: Record<string, unknown> }).params ?? {};
    const set = [
      ...(params['dataset'] === '' ? ['--set', `params.dataset=${rig.path('Task03_Liver')}`] : []),
      ...('device' in params ? ['--set', 'params.device=cpu'] : []),
    ];
    const r = await rig.run(['run', join(dir, file), '--dry-run', '--json', ...set], { PIPE_CACHE: rig.path('cache') });
    expect(r.code, r.stderr).toBe(0);
    return jsonLines(r.stdout).filter((e) => e['event'] === 'planned').map((e) => String(e['stage']));
  };

  test.runIf(files.length > 0).each(files)('%s loads and plans its instances', async (file) => {
    expect((await planned(file)).length).toBeGreaterThan(0);
  });

  test.each(['compare_networks.yaml', 'demo_compare.yaml'])('%s: both networks per fold, one postprocessing, ensemble each; the rest once', async (file) => {
    const names = await planned(file);
    for (const network of ['unetpp', 'unet']) {
      for (const fold of [0, 1, 2, 3, 4]) expect(names).toContain(`train[fold=${fold},network=${network}]`);
      expect(names).toContain(`validate[fold=4,network=${network}]`);
      expect(names).toContain(`postprocessing[network=${network}]`);
      expect(names).toContain(`predict[network=${network}]`);
    }
    expect(names.filter((n) => ['convert', 'plan', 'preprocess', 'report'].includes(n))).toEqual(['convert', 'plan', 'preprocess', 'report']);
    expect(names).toHaveLength(names.includes('synthesize') ? 29 : 28);
  });
});
