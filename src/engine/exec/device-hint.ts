/**
 * What to do when a stage asks for more devices than the pool has: name the param to set when the
 * pipeline takes `resources.device` / `resources.devices` from one (`--set params.device=cpu`),
 * else the field; `--devices` / `--device-kind` always work too.
 */
import { paramOf } from '../config/param-of.js';
import type { Pipeline, StageConfig } from '../config/types.js';
import type { DeviceKind } from '../../stage-api/types.js';
import type { DevicePool } from './devices.js';

export interface DeviceShortfall {
  /** The sentence after "stage X needs ...: ". */
  readonly hint: string;
  /** The field the error points at. */
  readonly field: 'device' | 'devices';
}

export function deviceShortfall(pipeline: Pick<Pipeline, 'spanOf' | 'text'>, stage: StageConfig, kind: DeviceKind,
  pools: ReadonlyMap<DeviceKind, DevicePool>): DeviceShortfall {
  const field = (f: 'device' | 'devices'): string[] => ['stages', stage.id, 'resources', f];
  const flags = 'or pass --devices (and --device-kind)';
  const pool = pools.get(kind);
  if (pool === undefined || pool.ids.length === 0) {
    // No device of that kind here: another kind that has devices (cpu always has its cores).
    const other = [...pools.values()].find((p) => p.kind !== kind && p.ids.length > 0)?.kind ?? 'cpu';
    const param = paramOf(pipeline, field('device'));
    const set = param !== undefined ? `--set params.${param}=${other}` : `resources.device: ${other}`;
    return { field: 'device', hint: `this machine has no ${kind} device; to run on ${other}, set ${set}, ${flags}` };
  }
  const param = paramOf(pipeline, field('devices'));
  const set = param !== undefined ? `set --set params.${param}=${pool.ids.length}` : 'lower resources.devices';
  return { field: 'devices', hint: `${set}, ${flags}` };
}
