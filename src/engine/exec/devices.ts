/**
 * The device pool: specific ids handed to instances at admission, never "pick a free one" inside a
 * job. Default pool: CUDA GPUs listed by `nvidia-smi -L`, else CPU slots `0..n-1` (n = available
 * cores), so `device: cpu, devices: 2` can run two Gloo ranks. `--devices 0,1,2,3` overrides the ids.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { DeviceKind } from '../../stage-api/types.js';

export interface DevicePool {
  readonly kind: DeviceKind;
  readonly ids: readonly string[];
}

let listed: string[] | undefined;

/** `nvidia-smi -L` lines (`GPU 0: NVIDIA H100 ... (UUID: ...)`), once per process; empty without GPUs. */
export function listCudaDevices(): string[] {
  if (listed === undefined) {
    try {
      const out = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
      listed = out.split('\n').filter((l) => /^GPU \d+:/.test(l));
    } catch {
      listed = [];
    }
  }
  return listed;
}

export function detectCudaDevices(): string[] {
  return listCudaDevices().map((l) => /^GPU (\d+):/.exec(l)?.[1] ?? '');
}

export function cpuSlots(): string[] {
  return Array.from({ length: availableParallelism() }, (_, i) => String(i));
}

/** The pools for this run: the accelerator (if any) and CPU slots. */
export function makePools(options: { devices?: readonly string[]; deviceKind?: DeviceKind }): Map<DeviceKind, DevicePool> {
  const pools = new Map<DeviceKind, DevicePool>();
  const cuda = options.deviceKind === undefined || options.deviceKind === 'cuda' ? detectCudaDevices() : [];
  const kind: DeviceKind = options.deviceKind ?? (cuda.length > 0 ? 'cuda' : 'cpu');
  const ids = options.devices ?? (kind === 'cuda' ? cuda : kind === 'cpu' ? cpuSlots() : []);
  pools.set(kind, { kind, ids });
  if (!pools.has('cpu')) pools.set('cpu', { kind: 'cpu', ids: cpuSlots() });
  return pools;
}

/** The default device kind: the accelerator pool when there is one. */
export function defaultKind(pools: ReadonlyMap<DeviceKind, DevicePool>): DeviceKind {
  for (const k of ['cuda', 'npu'] as const) if (pools.has(k)) return k;
  return 'cpu';
}

/** Environment variables that make `ids` the visible devices of `kind`. */
export function visibilityEnv(kind: DeviceKind, ids: readonly string[]): Record<string, string> {
  const list = ids.join(',');
  const env: Record<string, string> = { PIPE_DEVICES: list, PIPE_DEVICE_KIND: kind };
  if (kind === 'cuda') env['CUDA_VISIBLE_DEVICES'] = list;
  if (kind === 'npu') env['ASCEND_RT_VISIBLE_DEVICES'] = list;
  return env;
}
