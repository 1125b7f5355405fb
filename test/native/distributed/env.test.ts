// The rank environment (torchrun names, Slurm fallbacks) and the options file round trip: no addon needed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { rankEnv, rankEnvVars } from '../../../src/native/distributed/index.js';
import { readOptionsFile, writeOptionsFile } from '../../../src/native/distributed/options-file.js';
import type { TrainOptions } from '../../../src/native/addon/index.js';

describe('rank environment', () => {
  it('reads torchrun-style variables', () => {
    const vars = rankEnvVars({ rank: 2, worldSize: 3, localRank: 2, masterAddr: '10.1.2.3', masterPort: 41000 });
    expect(vars).toEqual({ RANK: '2', WORLD_SIZE: '3', LOCAL_RANK: '2', MASTER_ADDR: '10.1.2.3', MASTER_PORT: '41000' });
    expect(rankEnv(vars)).toEqual({ rank: 2, worldSize: 3, localRank: 2, masterAddr: '10.1.2.3', masterPort: 41000 });
  });
  it("falls back to Slurm's task variables", () => {
    const env = { SLURM_PROCID: '5', SLURM_NTASKS: '8', SLURM_LOCALID: '1', MASTER_ADDR: 'node01', MASTER_PORT: '29611' };
    expect(rankEnv(env)).toEqual({ rank: 5, worldSize: 8, localRank: 1, masterAddr: 'node01', masterPort: 29611 });
  });
  it('names the variable it refuses', () => {
    expect(() => rankEnv({ RANK: '3', WORLD_SIZE: '2', MASTER_ADDR: 'h', MASTER_PORT: '1' })).toThrow(
      'Expected $RANK < $WORLD_SIZE (2) but received 3',
    );
    expect(() => rankEnv({ RANK: 'x', WORLD_SIZE: '2', MASTER_ADDR: 'h', MASTER_PORT: '1' })).toThrow(
      'Expected an integer >= 0 for $RANK but received "x"',
    );
    expect(() => rankEnv({ RANK: '0', WORLD_SIZE: '2', MASTER_PORT: '1' })).toThrow(/MASTER_ADDR/);
    expect(() => rankEnv({ RANK: '0', WORLD_SIZE: '2', MASTER_ADDR: 'h' })).toThrow(/MASTER_PORT or \$PIPE_MASTER_PORT/);
  });
});

describe('options file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-ddp-opts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('keeps class locations as Int32Array', () => {
    const options = {
      trainCases: [{ id: 'a', dataPath: 'a.npy', segPath: 'b.npy', classLocations: { '1': Int32Array.from([1, 2, 3]) } }],
      patchSize: [16, 16, 16],
    } as unknown as TrainOptions;
    writeOptionsFile(join(dir, 'o.json'), options);
    const back = readOptionsFile(join(dir, 'o.json'));
    const locs = back.trainCases[0]?.classLocations?.['1'];
    expect(locs).toBeInstanceOf(Int32Array);
    expect(Array.from(locs ?? [])).toEqual([1, 2, 3]);
    expect(back.patchSize).toEqual([16, 16, 16]);
  });
});
