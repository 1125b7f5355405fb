/** argv -> typed options for each command (node:util parseArgs); bad usage is a PipelineError (exit 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PipelineError } from '../config/diagnostics.js';
import type { DeviceKind } from '../../stage-api/types.js';

export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: string[];
}

export function parse(command: string, args: string[], options: NonNullable<ParseArgsConfig['options']>): ParsedArgs {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as ParsedArgs;
  } catch (error) {
    throw new PipelineError([{ message: `pipe ${command}: ${(error as Error).message} (see pipe ${command} --help)` }]);
  }
}

export function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new PipelineError([{ message: `Expected a positive integer for --${name} but received "${value}"` }]);
  return n;
}

export function deviceList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const ids = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (ids.length === 0 || new Set(ids).size !== ids.length || ids.some((i) => !/^[A-Za-z0-9:_-]+$/.test(i))) {
    throw new PipelineError([{ message: `Expected a comma-separated list of distinct device ids for --devices (e.g. 0,1,2,3) but received "${value}"` }]);
  }
  return ids;
}

export function deviceKind(value: string | undefined): DeviceKind | undefined {
  if (value === undefined) return undefined;
  if (value !== 'cpu' && value !== 'cuda' && value !== 'npu') throw new PipelineError([{ message: `Expected cpu, cuda or npu for --device-kind but received "${value}"` }]);
  return value;
}

export const RUN_FLAGS = {
  set: { type: 'string', multiple: true },
  jobs: { type: 'string', short: 'j' },
  devices: { type: 'string' },
  'device-kind': { type: 'string' },
  'keep-going': { type: 'boolean', short: 'k' },
  'dry-run': { type: 'boolean', short: 'n' },
  json: { type: 'boolean' },
  wait: { type: 'boolean' },
  progress: { type: 'string' },
  executor: { type: 'string' },
  detach: { type: 'boolean' },
} as const;

export const USAGE = `pipe: content-hashed, resumable pipelines from one YAML file

Usage:
  pipe run FILE [STAGE...] [--set params.k=v]... [--jobs N] [--devices LIST] [--device-kind cpu|cuda|npu]
                           [--keep-going] [--dry-run] [--json] [--wait] [--progress auto|tty|plain|none]
                           [--executor local|slurm] [--detach]
  pipe resume [FILE] [--json] [--wait]      repeat the last run (of FILE, or of ./cache or $PIPE_CACHE)
  pipe status [FILE] [--current | --set ...] [--json] [--why STAGE]   the run in progress or the last run
                                            (its --set); --current: the YAML as it now stands
  pipe report [FILE] [--current | --set ...] [--json]      where that run's report is, and its summary table
  pipe runs [FILE] [--json]                 every run of the pipeline in its store, newest first
  pipe compare [FILE] RUN_A RUN_B [RUN...] [--json] [--html OUT]   runs side by side (ids from pipe runs,
                                            last, last~1): what differs, Dice per label, paired per-case tests
  pipe gc [FILE] [--dry-run] [--force] [--json]   remove store objects no recorded pipeline references
  pipe verify [FILE] [--set ...] [--repair] [--json]   rehash the objects a pipeline uses; exit 1 on damage
  pipe watch FILE [run flags]               rerun what is stale when the file or its inputs change

Global flag: --debug   show JavaScript stacks with errors (and in stage logs)

Exit codes: 0 ok, 1 a stage failed, 2 invalid pipeline or usage, 3 store locked by another run,
130 interrupted (SIGINT), 143 terminated (SIGTERM), 129 hung up (SIGHUP, handled as SIGTERM).`;
