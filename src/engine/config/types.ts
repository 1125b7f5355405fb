/**
 * Shapes of a pipeline after validation (no logic here). A pipeline moves through
 * `RawDocument` (YAML with positions, load.ts) -> `Pipeline` (validate.ts) -> `KeyedPipeline` (resolve/keys.ts)
 * (instances from resolve/instances.ts). Fields note whether they reach the cache key.
 */
import type { DeviceKind, MatrixValue } from '../../stage-api/types.js';

/** A stage id: a key of `stages:` (`train`). */
export type StageId = string & { readonly __brand: 'StageId' };

/** Where a value sits in the pipeline file; printed as `file:line:col`. */
export interface SourceSpan {
  readonly file: string;
  /** 0-based character offsets into the file text. */
  readonly start: number;
  readonly end: number;
}

export interface Resources {
  /** Number of devices the instance needs (0 = none). Execution-only: never in the key. */
  readonly devices: number;
  /** Device kind the devices come from (default: the pool's kind). Execution-only: never in the key. */
  readonly device?: DeviceKind;
  /** Declared result-affecting: the device count then goes into the key (`devices` field). */
  readonly keyed: boolean;
  /** Slurm only (execution-only, never in the key): nodes to spread the ranks over (default 1). */
  readonly nodes?: number;
  /** Slurm only: the job's time limit as sbatch takes it (`48:00:00`, `1-00:00:00`, minutes). */
  readonly time?: string;
  /** Slurm only: memory per node as sbatch takes it (`64G`). */
  readonly memory?: string;
  /** Slurm only: partition for this stage (overrides the executor's). */
  readonly partition?: string;
}

/** Where instances run. Execution-only: changing it reruns nothing (never in a key). */
export interface ExecutorConfig {
  readonly kind: 'local' | 'slurm';
  readonly partition?: string;
  readonly account?: string;
  readonly qos?: string;
  /** Default time limit of a job (a stage's `resources.time` overrides it). */
  readonly time?: string;
  readonly constraint?: string;
  /** Extra sbatch flags, passed through as written. */
  readonly sbatch: readonly string[];
}

export interface StageConfig {
  readonly id: StageId;
  /** `run`: a shell command (in the key with params/matrix resolved, paths symbolic). */
  readonly run?: string;
  /** `uses`: a built-in kind (kind + its version in the key). */
  readonly uses?: string;
  /** Parameters of a built-in kind, as written (resolved + defaulted values go into the key). */
  readonly with: Readonly<Record<string, unknown>>;
  /** Upstream stage ids (their instance keys go into the key). */
  readonly needs: readonly StageId[];
  /** Matrix axes in declaration order (the instance's values go into the key). */
  readonly matrix: ReadonlyArray<readonly [string, readonly MatrixValue[]]>;
  readonly resources: Resources;
  /** Files, folders or globs read by the stage (content digests go into the key). */
  readonly inputs: readonly string[];
  /** Paths a `run` stage must create under its output folder (checked before commit; in the key). */
  readonly outputs: readonly string[];
  /** Extra attempts after a failure. Not in the key. */
  readonly retry: number;
  /** Wall-clock limit per attempt in ms. Not in the key. */
  readonly timeoutMs?: number;
}

export interface Pipeline {
  readonly name: string;
  /** Absolute path of the pipeline file. */
  readonly file: string;
  /** Absolute project directory (`project:` relative to the file, default the file's folder). */
  readonly projectDir: string;
  /** Absolute store directory. */
  readonly store: string;
  /** Params after `--set` overrides. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly stages: ReadonlyMap<StageId, StageConfig>;
  /** The `executor:` block (default `{kind: local}`); `pipe run --executor` overrides its kind. */
  readonly executor: ExecutorConfig;
  /** `--set` overrides applied, as given (recorded for `pipe resume`). */
  readonly overrides: readonly string[];
  /** Locates a data path in the pipeline file (for errors found after validation). */
  readonly spanOf: (path: ReadonlyArray<string | number>, key?: boolean) => SourceSpan;
  /** The file text, for printing located errors. */
  readonly text: string;
}
