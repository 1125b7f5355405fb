/**
 * Where native work runs, derived in one place from what the engine granted an instance: a device kind and
 * ids. The engine narrows the process's visibility to those ids (CUDA_VISIBLE_DEVICES; Slurm does the same on a
 * cluster), so inside the instance the first granted GPU is cuda:0. Training, validation and prediction take
 * their Placement from here; the distributed launchers take each rank's device and thread share from here.
 */
import { availableParallelism } from 'node:os';

/** What the engine granted (the stage API's DeviceGrant has this shape; native does not import the stage API). */
export interface GrantedDevices {
  /** cpu, cuda or npu. */
  readonly deviceKind: string;
  /** The granted ids (GPU indices, or CPU slots); empty when the instance asked for none. */
  readonly devices: readonly string[];
}

/** Where one instance's native work runs. */
export interface Placement {
  /** Runtime device name: cpu or cuda:0. */
  readonly device: string;
  /** Intra-op threads of the instance (all its ranks together). */
  readonly threads: number;
  /** The granted ids: a training runs one rank on each when there are several. */
  readonly devices: readonly string[];
  /** Ranks of a training: one per granted id, at least one. */
  readonly worldSize: number;
}

/** The runtime device of an instance: CUDA_VISIBLE_DEVICES already narrows cuda to the granted ids. */
export function runtimeDevice(grant: GrantedDevices): string {
  if (grant.devices.length === 0) return 'cpu';
  if (grant.deviceKind === 'cuda') return 'cuda:0';
  if (grant.deviceKind === 'npu') throw new Error('device npu: the native runtime has no NPU backend yet; use device: cpu or cuda');
  return 'cpu';
}

/** Intra-op threads: `given` (the stage's `with.threads`) if set; on CPU one per granted CPU slot; else all cores. */
export function defaultThreads(grant: GrantedDevices, given: number | null | undefined): number {
  if (given != null) return given;
  if (grant.deviceKind === 'cpu' && grant.devices.length > 0) return Math.min(grant.devices.length, availableParallelism());
  return availableParallelism();
}

/** The placement of an instance on its grant; `threads` is the stage's `with.threads` (null: the default). */
export function placementFor(grant: GrantedDevices, threads: number | null | undefined): Placement {
  return {
    device: runtimeDevice(grant),
    threads: defaultThreads(grant, threads),
    devices: grant.devices,
    worldSize: Math.max(1, grant.devices.length),
  };
}

/** Intra-op threads of each of `worldSize` ranks sharing `threads` on one host (at least one). */
export function threadsPerRank(threads: number, worldSize: number): number {
  return Math.max(1, Math.floor(threads / worldSize));
}

/** The devices of a single-host launch (one process per rank). */
export interface RankDevices {
  /** The device every rank's runtime opens: cuda:0 on CUDA (a rank sees only its own GPU), else `device`. */
  readonly device: string;
  /** CUDA: the id each rank sees (its CUDA_VISIBLE_DEVICES), indexed by rank; undefined: ranks inherit visibility. */
  readonly visible?: readonly string[];
}

/**
 * Ranks of a single-host launch of `worldSize` ranks on `device`: on CUDA rank r sees only `granted[r]` (without a
 * grant, GPU r), so that the ranks never share a GPU; CPU ranks all run on the CPU.
 */
export function rankDevices(device: string, worldSize: number, granted?: readonly string[]): RankDevices {
  if (!device.startsWith('cuda')) return { device };
  if (granted && granted.length < worldSize)
    throw new TypeError(`Expected ${worldSize} devices for worldSize ${worldSize} but received ${granted.length} (${granted.join(',')})`);
  return { device: 'cuda:0', visible: Array.from({ length: worldSize }, (_, r) => granted?.[r] ?? String(r)) };
}

/**
 * The device a rank's runtime opens: the bare `cuda` becomes cuda:<LOCAL_RANK> (srun's tasks see every GPU of their
 * node); a named device is kept (the single-host launcher writes rankDevices' cuda:0, each rank seeing one GPU).
 */
export function rankDevice(device: string | undefined, localRank: number): string | undefined {
  return device === 'cuda' ? `cuda:${localRank}` : device;
}
