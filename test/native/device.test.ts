// src/native/device.ts: the one place that turns the engine's grant into where native work runs.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';

import { defaultThreads, placementFor, rankDevice, rankDevices, runtimeDevice, threadsPerRank } from '../../src/native/device.js';

describe('placement of an instance on its grant', () => {
  it('no devices or a CPU grant run on the CPU; a CUDA grant on cuda:0 (visibility already narrowed to it)', () => {
    expect(runtimeDevice({ deviceKind: 'cuda', devices: [] })).toBe('cpu');
    expect(runtimeDevice({ deviceKind: 'cpu', devices: ['0', '1'] })).toBe('cpu');
    expect(runtimeDevice({ deviceKind: 'cuda', devices: ['3', '5'] })).toBe('cuda:0');
  });

  it('an NPU grant is refused with what to use instead', () => {
    expect(() => runtimeDevice({ deviceKind: 'npu', devices: ['0'] })).toThrow(/no NPU backend yet; use device: cpu or cuda/);
  });

  it('threads: the given number, else one per CPU slot (at most the cores), else all cores', () => {
    const cores = availableParallelism();
    expect(defaultThreads({ deviceKind: 'cpu', devices: ['0'] }, 7)).toBe(7);
    expect(defaultThreads({ deviceKind: 'cpu', devices: ['0'] }, null)).toBe(1);
    expect(defaultThreads({ deviceKind: 'cpu', devices: Array.from({ length: cores + 3 }, String) }, undefined)).toBe(cores);
    expect(defaultThreads({ deviceKind: 'cuda', devices: ['0'] }, null)).toBe(cores);
    expect(defaultThreads({ deviceKind: 'cpu', devices: [] }, null)).toBe(cores);
  });

  it('a placement has one rank per granted device, at least one', () => {
    expect(placementFor({ deviceKind: 'cuda', devices: ['3', '5'] }, 4)).toEqual({ device: 'cuda:0', threads: 4, devices: ['3', '5'], worldSize: 2 });
    expect(placementFor({ deviceKind: 'cpu', devices: [] }, 2)).toEqual({ device: 'cpu', threads: 2, devices: [], worldSize: 1 });
  });

  it('ranks on one host share the threads, each keeping at least one', () => {
    expect(threadsPerRank(5, 2)).toBe(2);
    expect(threadsPerRank(1, 3)).toBe(1);
  });
});

describe('devices of the ranks', () => {
  it('single host, CUDA: rank r sees only granted[r] (GPU r without a grant) and opens cuda:0', () => {
    expect(rankDevices('cuda:0', 2, ['3', '5'])).toEqual({ device: 'cuda:0', visible: ['3', '5'] });
    expect(rankDevices('cuda', 3)).toEqual({ device: 'cuda:0', visible: ['0', '1', '2'] });
  });

  it('single host, CPU: every rank on the CPU, visibility inherited', () => {
    expect(rankDevices('cpu', 3, ['0', '1', '2'])).toEqual({ device: 'cpu' });
  });

  it('fewer CUDA devices than ranks is an error naming both', () => {
    expect(() => rankDevices('cuda:0', 3, ['0', '1'])).toThrow('Expected 3 devices for worldSize 3 but received 2 (0,1)');
  });

  it('a rank maps the bare cuda to its local rank (srun) and keeps a named device', () => {
    expect(rankDevice('cuda', 2)).toBe('cuda:2');
    expect(rankDevice('cuda:0', 2)).toBe('cuda:0');
    expect(rankDevice('cpu', 1)).toBe('cpu');
    expect(rankDevice(undefined, 1)).toBeUndefined();
  });
});
