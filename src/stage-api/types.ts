/**
 * The contract between the engine and a built-in stage (`uses: <kind>` in a pipeline).
 *
 * The engine runs every stage instance as a child process in its own process group. For a built-in
 * stage that child is `node dist/stage-api/child.js`, which reads the context JSON named by the
 * `PIPE_CONTEXT` environment variable, looks the kind up in `registry.ts`, and calls `run(ctx)`.
 * A stage never imports the engine; it only sees this context.
 *
 * Progress, metrics and log lines travel back on stdout as lines `::pipe:: <json>` (see
 * `protocol.ts`); shell (`run:`) stages may print the same lines.
 */

/** A value in a matrix axis: `fold: [0, 1, 2]`. */
export type MatrixValue = string | number | boolean;

/** Device kinds the runtime knows. `npu` (Ascend) is planned: the device layer keeps room for it. */
export type DeviceKind = 'cpu' | 'cuda' | 'npu';

/** An upstream instance this instance needs (its `needs`, resolved to instances). */
export interface UpstreamRef {
  /** Instance id, e.g. `plan` or `train[fold=3]`. */
  readonly stage: string;
  /** Stage id without the matrix part, e.g. `train`. */
  readonly id: string;
  /** Built-in kind (`uses:`), or `run` for a shell stage. */
  readonly kind: string;
  /** Its cache key. */
  readonly key: string;
  /** Absolute path of its committed output folder. */
  readonly out: string;
  readonly matrix: Readonly<Record<string, MatrixValue>>;
}

/**
 * An upstream instance as the instance graph gives it at load time, before anything has run: what
 * BuiltinStage.checkNeeds sees of the instances `needs` and the matrix match.
 */
export type PlannedUpstream = Pick<UpstreamRef, 'stage' | 'id' | 'kind' | 'matrix'>;

/** What a built-in stage is given when it runs (serialised as JSON to the child). */
export interface StageContextData {
  /** Instance id, e.g. `train[fold=3]`. */
  readonly stage: string;
  readonly kind: string;
  /** This instance's cache key. */
  readonly key: string;
  /** Resolved `with` parameters: interpolations applied, defaults from the stage's schema filled in. */
  readonly with: Readonly<Record<string, unknown>>;
  readonly matrix: Readonly<Record<string, MatrixValue>>;
  /** Absolute, empty temporary output folder. Write results here; committed atomically on success. */
  readonly out: string;
  /** Absolute path `out` will have once committed: for paths recorded in results (summary.json). */
  readonly committedOut: string;
  /**
   * Absolute attempt workspace for this key. Survives a crash or kill of the instance (checkpoints,
   * finished per-case results), is not part of the key, and is removed once the output is committed.
   */
  readonly work: string;
  /** True when an earlier attempt of this same key was interrupted and `work` holds what it left. */
  readonly resume: boolean;
  /**
   * With `resume`: the earlier attempts of this key since it was last committed (oldest first), from the
   * run journal, so that a stage can record what its result took (e.g. a fold's wall time including
   * killed attempts). Absent on a fresh start.
   */
  readonly earlierAttempts?: readonly EarlierAttempt[];
  /** Absolute project directory (where the pipeline file lives). */
  readonly projectDir: string;
  readonly needs: readonly UpstreamRef[];
  /** Device ids allocated to this instance (e.g. `["0","1"]`); empty when it needs none. */
  readonly devices: readonly string[];
  readonly deviceKind: DeviceKind;
  /** A free TCP port chosen by the engine for multi-device rendezvous (c10d TCPStore). */
  readonly masterPort?: number;
}

/** An earlier attempt of an instance's key that ended without a commit (see StageContextData.earlierAttempts). */
export interface EarlierAttempt {
  /** ISO time it started. */
  readonly startedAt: string;
  /**
   * Its wall time in seconds: start to recorded end. When its runner died (kill -9, power loss), the end is
   * the last progress it journalled (at most PIPE_PROGRESS_INTERVAL_MS early), not when the death was noticed.
   */
  readonly seconds: number;
  /** interrupted: stopped by a signal, a kill or a dead runner; failed: a non-zero exit or a timeout. */
  readonly outcome: 'interrupted' | 'failed';
}

export interface Progress {
  /** Units done so far (cases, epochs, iterations). */
  readonly done: number;
  readonly total?: number;
  /** What is counted: `case`, `epoch`, ... */
  readonly unit: string;
  /** Free-form numbers shown by `pipe status` (loss, dice, samplesPerSecond, lr, ...). */
  readonly values?: Readonly<Record<string, number>>;
  /** A short human text (`case liver_3`). */
  readonly message?: string;
  /**
   * Progress inside the unit in hand, when one unit takes long: the tiles of the case being predicted
   * (`{done: 40, total: 216, unit: 'tiles'}`), shown after the count as `tiles 40/216`.
   */
  readonly within?: ProgressWithin;
  /**
   * The stage's own estimate of the time left, in seconds (a trainer knows its iterations and their
   * time); shown as the ETA instead of the engine's estimate from how fast `done` advances.
   */
  readonly remainingSeconds?: number;
}

export interface ProgressWithin {
  readonly done: number;
  readonly total: number;
  /** What is counted, plural as shown: `tiles`. */
  readonly unit: string;
}

export interface StageReporter {
  log(message: string): void;
  progress(progress: Progress): void;
  /** Final figures recorded in the journal and shown in reports. Later calls merge. */
  metrics(values: Readonly<Record<string, number | string>>): void;
}

/**
 * What one phase of work (training a fold, predicting cases, validating a fold) needs from the stage
 * instance that runs it: where to write, where to keep resumable state, how to report, when to stop.
 * Phase code takes this (and explicit options), never the whole StageContext.
 */
export interface PhaseRun {
  /** Instance id for messages, e.g. `train[fold=3]`. */
  readonly stage: string;
  readonly out: string;
  /** Where `out` will live once committed (paths recorded in results). */
  readonly committedOut: string;
  readonly work: string;
  readonly resume: boolean;
  /** See StageContextData.earlierAttempts. */
  readonly earlierAttempts?: readonly EarlierAttempt[];
  readonly signal: AbortSignal;
  readonly report: StageReporter;
}

/** The devices the engine granted an instance, and its rendezvous port for multi-device work. */
export interface DeviceGrant {
  readonly deviceKind: DeviceKind;
  readonly devices: readonly string[];
  readonly masterPort?: number;
}

/** The context a kind's `run` gets; `W` is its `with` after validation and defaults (see BuiltinStage). */
export interface StageContext<W = Readonly<Record<string, unknown>>> extends Omit<StageContextData, 'with'> {
  readonly with: W;
  /** Aborted on SIGINT/SIGTERM: write a checkpoint, then return or throw. */
  readonly signal: AbortSignal;
  readonly report: StageReporter;
}

/** A kind's runtime identity (see BuiltinStage.runtime). */
export interface StageRuntime {
  readonly files?: Readonly<Record<string, string>>;
  readonly values?: Readonly<Record<string, string>>;
}

/**
 * A built-in stage kind. `W` is the type of its validated `with`: declare the kind as
 * `BuiltinStage<TrainWith>` and its schema as ajv's `JSONSchemaType<TrainWith>`, so the compiler keeps the
 * schema and the type in step and `run` reads `ctx.with` without a cast.
 */
export interface BuiltinStage<W = unknown> {
  readonly kind: string;
  /** Implementation version: part of every key of this kind; bump it when results change. */
  readonly version: string;
  /**
   * Fields of `with` that only change how the work is done, never its result (worker counts, memory
   * budgets, thread counts): they stay out of the key, so editing them reruns nothing.
   */
  readonly executionOnly?: readonly string[];
  /** JSON Schema (2020-12) of `with`, with defaults; validated at load time with located errors. */
  readonly withSchema: Readonly<Record<string, unknown>>;
  /**
   * Files or folders (absolute, or relative to the project) whose content this stage reads, given its
   * resolved `with`. Their content digests go into the key (folders: every file below, sorted).
   */
  inputs?(withParams: W, projectDir: string): string[];
  /**
   * What the kind computes with beyond its own code (a native library, the LibTorch it links): it
   * enters the key as `runtime`, so a rebuilt or upgraded runtime reruns the kind. `files` are
   * digested by content (name -> absolute path), `values` go in as they are (name -> text).
   */
  runtime?(): StageRuntime;
  /**
   * Checks at load time the upstream instances one instance of this kind is given (what `needs` and the shared
   * matrix axes match), for a graph its `run` would refuse: the problem in the pipeline's words, or undefined.
   * So a validation that would match two trainings fails before anything runs, not after the training.
   */
  checkNeeds?(instance: { readonly name: string; readonly matrix: Readonly<Record<string, MatrixValue>> }, needs: readonly PlannedUpstream[]): string | undefined;
  run(ctx: StageContext<W>): Promise<void>;
  /**
   * How this kind's committed outputs read across runs (`pipe runs`, `pipe compare`). A loader, so
   * the kind's module stays cheap to import: only those two commands load the analysis.
   */
  readonly analysis?: () => Promise<OutputAnalysis>;
}

/** One run's committed output of an instance, as `pipe compare` hands it to a kind's analysis. */
export interface RunOutput {
  /** The run's short id, as `pipe runs` shows it (`3fa2c1`). */
  readonly run: string;
  /** The committed output folder (read only). */
  readonly out: string;
}

/** Headline figures of one committed output, for a line of `pipe runs`. */
export interface OutputHeadline {
  /** One short line: `Dice liver 95.12 ± 0.31, tumour 61.40 ± 4.02`. */
  readonly text: string;
  /** The same figures for `--json`, by name. */
  readonly values: Readonly<Record<string, number | null>>;
}

/** A kind's comparison of one instance's outputs across runs, three ways. */
export interface OutputComparison {
  /** Plain text for the terminal, lines without a trailing newline. */
  readonly text: string;
  /** The figures for `--json`. */
  readonly json: unknown;
  /** An HTML fragment for `--html`: self-contained (inline SVG and markup, no script, nothing fetched). */
  readonly html: string;
}

/** What a kind knows about its outputs that the engine does not (see BuiltinStage.analysis). */
export interface OutputAnalysis {
  /** Headline figures of one output; undefined when it holds none. */
  headline(out: string): Promise<OutputHeadline | undefined>;
  /** Compares the outputs of one instance in two or more runs; the first is the baseline. */
  compare(outputs: readonly RunOutput[]): Promise<OutputComparison>;
}
