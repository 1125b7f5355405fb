/**
 * Admission control: an instance starts when one job slot and N devices of its kind are free, and
 * receives those specific device ids. Waiters are served in order, but a waiter that fits may pass
 * one that does not (a 1-device job is not held up by a 4-device job). Written here rather than with
 * p-limit because slots and devices must be taken together, atomically.
 */
import type { DeviceKind } from '../../stage-api/types.js';
import type { DevicePool } from './devices.js';

export interface Grant {
  readonly devices: readonly string[];
  readonly kind: DeviceKind;
  release(): void;
}

/**
 * Devices a cluster's scheduler grants (or granted, for an attempt an earlier run left open): the ranks see
 * devices 0..n-1 of their node, and there is nothing for pipe to give back.
 */
export function clusterGrant(kind: DeviceKind, count: number): Grant {
  return { kind, devices: Array.from({ length: count }, (_, i) => String(i)), release: () => undefined };
}

interface Waiter {
  readonly kind: DeviceKind;
  readonly count: number;
  readonly resolve: (g: Grant) => void;
  readonly reject: (e: Error) => void;
}

export class Admission {
  #freeJobs: number;
  readonly #free = new Map<DeviceKind, string[]>();
  readonly #waiters: Waiter[] = [];

  constructor(jobs: number, pools: ReadonlyMap<DeviceKind, DevicePool>) {
    if (!(jobs >= 1)) throw new Error(`Internal error: expected jobs >= 1 but received ${jobs}`);
    this.#freeJobs = jobs;
    for (const [kind, pool] of pools) this.#free.set(kind, [...pool.ids]);
  }

  acquire(kind: DeviceKind, count: number): Promise<Grant> {
    return new Promise((resolve, reject) => {
      this.#waiters.push({ kind, count, resolve, reject });
      this.#dispatch();
    });
  }

  /** Rejects every waiter (the run is stopping). */
  cancelAll(reason: Error): void {
    for (const w of this.#waiters.splice(0)) w.reject(reason);
  }

  #dispatch(): void {
    for (let i = 0; i < this.#waiters.length && this.#freeJobs > 0; ) {
      const w = this.#waiters[i];
      const free = w === undefined ? undefined : this.#free.get(w.kind);
      if (w === undefined || free === undefined || free.length < w.count) {
        i++;
        continue;
      }
      this.#waiters.splice(i, 1);
      this.#freeJobs--;
      const devices = free.splice(0, w.count);
      let released = false;
      w.resolve({
        devices,
        kind: w.kind,
        release: () => {
          if (released) return;
          released = true;
          this.#freeJobs++;
          free.push(...devices);
          free.sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
          this.#dispatch();
        },
      });
    }
  }
}
