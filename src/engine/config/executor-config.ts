/**
 * The `executor:` block and the Slurm-only `resources` fields, as validated values. Execution-only: none of
 * this reaches a key (resolve/keys.ts builds key material from the stage's command/with/params/matrix/needs/
 * inputs/outputs only), so moving a pipeline from a laptop to a cluster reruns nothing.
 * The JSON schema (schemas/pipeline.schema.json) has already checked shapes and formats.
 */
import type { ExecutorConfig, Resources } from './types.js';

export interface RawExecutor {
  kind?: 'local' | 'slurm';
  partition?: string;
  account?: string;
  qos?: string;
  time?: string | number;
  constraint?: string;
  sbatch?: string[];
}

/** sbatch takes minutes as a bare number; the YAML may write `time: 90`. */
function timeText(time: string | number | undefined): string | undefined {
  return time === undefined ? undefined : String(time);
}

export function executorConfig(raw: RawExecutor | undefined): ExecutorConfig {
  const r = raw ?? {};
  const time = timeText(r.time);
  return {
    kind: r.kind ?? 'local',
    ...(r.partition !== undefined ? { partition: r.partition } : {}),
    ...(r.account !== undefined ? { account: r.account } : {}),
    ...(r.qos !== undefined ? { qos: r.qos } : {}),
    ...(time !== undefined ? { time } : {}),
    ...(r.constraint !== undefined ? { constraint: r.constraint } : {}),
    sbatch: r.sbatch ?? [],
  };
}

export function slurmResources(raw: { nodes?: number; time?: string | number; memory?: string; partition?: string }): Pick<Resources, 'nodes' | 'time' | 'memory' | 'partition'> {
  const time = timeText(raw.time);
  return {
    ...(raw.nodes !== undefined ? { nodes: raw.nodes } : {}),
    ...(time !== undefined ? { time } : {}),
    ...(raw.memory !== undefined ? { memory: raw.memory } : {}),
    ...(raw.partition !== undefined ? { partition: raw.partition } : {}),
  };
}
