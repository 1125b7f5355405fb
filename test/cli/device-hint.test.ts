/**
 * A stage that asks for devices this machine lacks: the error names what to change. When the
 * pipeline takes the kind or count from a param, that is the param (`--set params.device=cpu`), as in
 * pipelines/task003_5fold.yaml on a machine without a GPU; otherwise the `resources` field.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, ROOT } from '../helpers/build.js';
import { Rig } from '../helpers/rig.js';

const PARAMS = `params:
  device: cuda
  devices: 1
stages:
  train:
    run: echo
    resources: {devices: "\${params.devices}", device: "\${params.device}"}
`;

describe('devices the machine lacks', () => {
  const rig = new Rig();
  beforeAll(ensureBuilt);
  afterAll(() => rig.cleanup());

  test('a device kind taken from a param: the error names --set params.device=cpu, at resources.device', async () => {
    rig.write({ 'p/p.yaml': PARAMS });
    // --device-kind cpu: the pool is CPU slots only, whatever this machine has.
    const r = await rig.run(['run', 'p/p.yaml', '--device-kind', 'cpu']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/stage "train" needs 1 cuda device\(s\) but the cuda pool has 0: this machine has no cuda device; to run on cpu, set --set params\.device=cpu, or pass --devices/);
    expect(r.stderr).toContain('p/p.yaml:7:55');
  });

  test('a device count taken from a param: the error names params.devices and the pool size', async () => {
    const r = await rig.run(['run', 'p/p.yaml', '--device-kind', 'cpu', '--devices', '0,1', '--set', 'params.device=cpu', '--set', 'params.devices=3']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/needs 3 cpu device\(s\) but the cpu pool has 2 \(0,1\): set --set params\.devices=2, or pass --devices/);
  });

  test('written in the stage: the error names the field', async () => {
    rig.write({ 'q/p.yaml': 'stages:\n  train:\n    run: echo\n    resources: {devices: 1, device: cuda}\n' });
    const r = await rig.run(['run', 'q/p.yaml', '--device-kind', 'cpu']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/to run on cpu, set resources\.device: cpu, or pass --devices/);
  });

  test('pipelines/task003_5fold.yaml on a machine without a GPU names --set params.device=cpu', async () => {
    const data = rig.path('Task03_Liver');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'dataset.json'), '{}\n');
    const r = await rig.run(['run', join(ROOT, 'pipelines', 'task003_5fold.yaml'), '--dry-run', '--device-kind', 'cpu', '--set', `params.dataset=${data}`],
      { PIPE_CACHE: rig.path('cache') });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--set params.device=cpu');
    expect(r.stderr).not.toContain('lower resources.devices');
  });
});
