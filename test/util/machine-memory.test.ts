import { describe, expect, test } from 'vitest';
import { memoryBudget, memoryMargin, memoryOffer, thisMachine, type MachineView } from '../../src/util/machine-memory.js';

const GiB = 2 ** 30;
const view = (files: Record<string, string>, env: Record<string, string> = {}, totalBytes = 24 * GiB): MachineView => ({
  env,
  totalBytes,
  readText: (f) => files[f],
});

describe('memoryOffer', () => {
  test('is the RAM when nothing limits the process (v1 "no limit" and v2 "max" read as unlimited)', () => {
    const o = memoryOffer(view({
      '/proc/self/cgroup': '4:memory:/job\n0::/user.slice\n',
      '/sys/fs/cgroup/memory/job/memory.limit_in_bytes': '9223372036854771712\n',
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n',
      '/sys/fs/cgroup/user.slice/memory.max': 'max\n',
    }));
    expect(o).toEqual({ bytes: 24 * GiB, from: "the machine's 24.00 GiB of RAM" });
  });

  test('takes the Slurm job memory: per node, or per CPU times the CPUs on the node', () => {
    expect(memoryOffer(view({}, { SLURM_MEM_PER_NODE: '16000' })).bytes).toBe(16000 * 2 ** 20);
    const perCpu = memoryOffer(view({}, { SLURM_MEM_PER_CPU: '2048', SLURM_CPUS_ON_NODE: '4', SLURM_CPUS_PER_TASK: '2' }));
    expect(perCpu).toEqual({ bytes: 8 * GiB, from: "the Slurm job's 8.00 GiB (SLURM_MEM_PER_CPU=2048 x SLURM_CPUS_ON_NODE=4)" });
    expect(memoryOffer(view({}, { SLURM_MEM_PER_CPU: '2048', SLURM_CPUS_PER_TASK: '3' })).bytes).toBe(6 * GiB);
    expect(memoryOffer(view({}, { SLURM_MEM_PER_CPU: '2048' })).bytes).toBe(2 * GiB);
    // A job asking for more than the node has is still held to the node's RAM.
    expect(memoryOffer(view({}, { SLURM_MEM_PER_NODE: '999999' })).bytes).toBe(24 * GiB);
  });

  test('takes the tightest cgroup limit along the path, v2 and v1', () => {
    const v2 = memoryOffer(view({
      '/proc/self/cgroup': '0::/system.slice/job.scope\n',
      '/sys/fs/cgroup/system.slice/job.scope/memory.max': 'max\n',
      '/sys/fs/cgroup/system.slice/memory.max': `${6 * GiB}\n`,
      '/sys/fs/cgroup/memory.max': `${12 * GiB}\n`,
    }));
    expect(v2).toEqual({ bytes: 6 * GiB, from: 'the cgroup limit of 6.00 GiB (/sys/fs/cgroup/system.slice/memory.max)' });
    const v1 = memoryOffer(view({
      '/proc/self/cgroup': '9:cpu,cpuacct:/a\n4:memory:/slurm/uid_0/job_7\n',
      '/sys/fs/cgroup/memory/slurm/uid_0/job_7/memory.limit_in_bytes': `${3 * GiB}\n`,
    }, { SLURM_MEM_PER_NODE: '4096' }));
    expect(v1.bytes).toBe(3 * GiB);
    expect(v1.from).toMatch(/job_7\/memory.limit_in_bytes/);
  });

  test('falls back to the root limit files when /proc/self/cgroup is unreadable', () => {
    expect(memoryOffer(view({ '/sys/fs/cgroup/memory.max': `${5 * GiB}` })).bytes).toBe(5 * GiB);
  });

  test('reads this machine without failing', () => {
    const o = memoryOffer(thisMachine());
    expect(o.bytes).toBeGreaterThan(0);
    expect(o.bytes).toBeLessThanOrEqual(thisMachine().totalBytes);
  });
});

describe('memoryBudget', () => {
  test('memory_gb when set, shared among the workers', () => {
    expect(memoryBudget(8, 2)).toEqual({ bytes: 8 * GiB, share: 4 * GiB, describe: 'memory_gb = 8', fromMachine: false });
  });

  test('null: the offer less a tenth (at least 1 GiB), shared among the workers', () => {
    const b = memoryBudget(null, 2, view({}));
    expect(b.bytes).toBeCloseTo(24 * GiB * 0.9, 0);
    expect(b.share).toBeCloseTo(b.bytes / 2, 0);
    expect(b.fromMachine).toBe(true);
    expect(b.describe).toBe("memory budget 21.60 GiB from the machine (the machine's 24.00 GiB of RAM less a 2.40 GiB margin)");
    expect(memoryMargin(4 * GiB)).toBe(GiB);
    expect(memoryBudget(undefined, 1, view({}, { SLURM_MEM_PER_NODE: '4096' })).bytes).toBe(3 * GiB);
    expect(memoryBudget(null, 1, view({}, { SLURM_MEM_PER_NODE: '512' })).bytes).toBe(GiB); // never below 1 GiB
  });
});
