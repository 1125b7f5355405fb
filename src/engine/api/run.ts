/**
 * `runPipeline` and `resumePipeline`: load -> plan -> (dry run: report and stop) -> lock -> sweep
 * leftovers of dead runs -> execute -> summary. Returns the exit code the CLI uses:
 * 0 ok, 1 a stage failed, 2 invalid pipeline or usage, 3 store busy, 130/143/129 interrupted (SIGINT/SIGTERM/SIGHUP).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { PipelineError, type Diagnostic } from '../config/diagnostics.js';
import { loadPipeline } from '../config/load-pipeline.js';
import { pipelineStore } from '../config/store-location.js';
import type { Pipeline } from '../config/types.js';
import { DigestMemo } from '../cache/digests.js';
import { Journal, type RunOptionsRecord } from '../cache/journal.js';
import { tornTailText } from '../cache/torn-tail.js';
import { signalExitCode } from './signal-exit.js';
import { acquireLock } from '../cache/lock.js';
import { Store } from '../cache/store.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { RunSummary } from '../log/events.js';
import { computeStatus } from '../log/instance-status.js';
import type { DeviceKind } from '../../stage-api/types.js';
import { removeTree } from '../../util/fs.js';
import { processStartTime } from '../../util/process-info.js';
import { Admission } from '../exec/admission.js';
import { defaultKind, listCudaDevices, makePools, type DevicePool } from '../exec/devices.js';
import { deviceShortfall } from '../exec/device-hint.js';
import { execute } from '../exec/executor.js';
import { resolveKeys, type KeyedPipeline } from '../resolve/keys.js';
import { sweepLeftovers } from '../exec/sweep.js';
import { SlurmBackend } from '../exec/slurm/backend.js';
import { openJobs, usedByOpenJob } from '../exec/slurm/open-jobs.js';
import { cancelUnrecordedJobs } from '../exec/slurm/unrecorded-jobs.js';
import { startWatchdog } from '../exec/watchdog.js';
import { lastRunStart, readRunRecords } from './last-run.js';

export interface RunOptions {
  /** Stage ids or instance names; empty = all. */
  readonly targets?: readonly string[];
  /** `params.x=v` overrides. */
  readonly overrides?: readonly string[];
  /** Concurrent instances (default: available cores). */
  readonly jobs?: number;
  /** Device ids of the accelerator pool (default: detected). */
  readonly devices?: readonly string[];
  /** Device kind of that pool (default: cuda when nvidia-smi lists GPUs, else cpu). */
  readonly deviceKind?: DeviceKind;
  readonly keepGoing?: boolean;
  readonly dryRun?: boolean;
  /** Wait for a busy store instead of failing. */
  readonly wait?: boolean;
  readonly logger?: Logger;
  /** Aborting interrupts the run: children get SIGTERM, then SIGKILL after `graceMs`. */
  readonly signal?: AbortSignal;
  readonly graceMs?: number;
  /** Where instances run (overrides the pipeline's `executor.kind`). */
  readonly executor?: 'local' | 'slurm';
  /** Slurm: submit what is ready (dependents with afterok) and return; `pipe resume` finishes the run. */
  readonly detach?: boolean;
  /** The command line recorded in the lock (`pipe run p.yaml`). */
  readonly command?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface RunResult extends RunSummary {
  readonly outcomes: ReadonlyMap<string, string>;
}

function checkDevices(keyed: KeyedPipeline, pools: ReadonlyMap<DeviceKind, DevicePool>, kind: DeviceKind): void {
  const errors: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const inst of keyed.instances) {
    const s = inst.stage;
    if (s.resources.devices === 0 || seen.has(s.id)) continue;
    seen.add(s.id);
    const k = s.resources.device ?? kind;
    const pool = pools.get(k);
    if (pool === undefined || pool.ids.length < s.resources.devices) {
      const { hint, field } = deviceShortfall(keyed.pipeline, s, k, pools);
      errors.push({
        message: `stage "${s.id}" needs ${s.resources.devices} ${k} device(s) but the ${k} pool has ${pool?.ids.length ?? 0}${pool ? ` (${pool.ids.join(',') || 'none'})` : ''}: ${hint}`,
        span: keyed.pipeline.spanOf(['stages', s.id, 'resources', field]),
      });
    }
  }
  if (errors.length > 0) throw new PipelineError(errors, new Map([[keyed.pipeline.file, keyed.pipeline.text]]));
}

/** The planned device ids of each instance for a dry run: round robin over the pool, in order. */
function plannedDevices(keyed: KeyedPipeline, pools: ReadonlyMap<DeviceKind, DevicePool>, kind: DeviceKind): Map<string, { kind: DeviceKind; ids: string[] }> {
  const next = new Map<DeviceKind, number>();
  const out = new Map<string, { kind: DeviceKind; ids: string[] }>();
  for (const inst of keyed.instances) {
    const n = inst.stage.resources.devices;
    const k = inst.stage.resources.device ?? (n > 0 ? kind : 'cpu');
    const ids = pools.get(k)?.ids ?? [];
    const start = next.get(k) ?? 0;
    const picked = n > 0 && ids.length > 0 ? Array.from({ length: n }, (_, i) => ids[(start + i) % ids.length] ?? '') : [];
    next.set(k, start + n);
    out.set(inst.name, { kind: k, ids: picked });
  }
  return out;
}

export async function runPipeline(file: string, options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const logger = options.logger ?? silentLogger;
  const env = options.env ?? process.env;
  const pipeline: Pipeline = await loadPipeline(file, { overrides: options.overrides ?? [], env });
  const store = new Store(pipeline.store);
  const memo = new DigestMemo(store.root);
  const keyed = await resolveKeys(pipeline, memo, options.targets ?? []);
  const pools = makePools({ ...(options.devices ? { devices: options.devices } : {}), ...(options.deviceKind ? { deviceKind: options.deviceKind } : {}) });
  const kind = defaultKind(pools);
  const executor = options.executor ?? pipeline.executor.kind;
  // On a cluster the devices are Slurm's to grant, not this machine's.
  if (executor === 'local') checkDevices(keyed, pools, kind);
  if (options.detach && executor !== 'slurm') {
    throw new PipelineError([{ message: '--detach needs the Slurm executor (executor: {kind: slurm} in the pipeline, or --executor slurm): local stages cannot outlive pipe' }]);
  }
  const empty = { ran: 0, cached: 0, failed: 0, skipped: 0, interrupted: 0 };

  if (options.dryRun) {
    const status = computeStatus(keyed, store, new Journal(store.journalPath));
    const devices = plannedDevices(keyed, pools, kind);
    for (const inst of keyed.instances) {
      const st = status.get(inst.name);
      const verdict = st?.state === 'done' || st?.state === 'cached' ? 'hit' : st?.state === 'stale' ? 'stale' : 'miss';
      const d = devices.get(inst.name) ?? { kind, ids: [] };
      // The command as hashed: params and matrix resolved, paths and resources symbolic.
      const command = inst.material.command ?? `${inst.stage.uses ?? ''} (built-in) with ${JSON.stringify(inst.material.with)}`;
      logger.planned?.({
        stage: inst.name, key: inst.key, verdict, reasons: st?.reason ? [st.reason] : [],
        command, devices: d.ids, deviceKind: d.kind, needs: inst.needs,
      });
    }
    const summary = { pipeline: pipeline.file, exitCode: 0, ...empty, durationMs: Date.now() - started };
    logger.runFinished?.(summary);
    return { ...summary, outcomes: new Map() };
  }

  store.ensure();
  const lock = await acquireLock(store.lockPath, options.command ?? `pipe run ${file}`, { wait: options.wait ?? false });
  try {
    if (lock.tookOverFrom) logger.info?.(`took over a stale lock of PID ${lock.tookOverFrom.pid} (${lock.tookOverFrom.command}), which is no longer running`);
    const journal = new Journal(store.journalPath);
    const torn = journal.repairTail();
    if (torn !== undefined) logger.info?.(tornTailText(torn, journal.path));
    const graceMs = options.graceMs ?? Number(env['PIPE_KILL_GRACE_MS'] ?? 5000);
    const swept = await sweepLeftovers(journal, graceMs);
    for (const s of swept) if (s.killed) logger.info?.(`ended leftover process group ${s.pid} of ${s.stage} from a runner that died`);
    const open = openJobs(journal.read());
    // We hold the lock, so nothing else writes temporary outputs: what is left there is half-written,
    // except the staging folders of Slurm jobs that still run (or finished) without a runner.
    const inUse = usedByOpenJob(open);
    for (const name of readdirSync(join(store.root, 'tmp'))) if (!inUse(name)) removeTree(join(store.root, 'tmp', name));
    const run = `${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
    const record: RunOptionsRecord = {
      targets: options.targets ?? [], overrides: options.overrides ?? [],
      ...(options.jobs !== undefined ? { jobs: options.jobs } : {}),
      ...(options.devices ? { devices: options.devices } : {}),
      ...(options.deviceKind ? { deviceKind: options.deviceKind } : {}),
      ...(options.keepGoing ? { keepGoing: true } : {}),
      ...(options.executor ? { executor: options.executor } : {}),
    };
    const pidStart = processStartTime(process.pid);
    journal.append({
      t: 'run-start', run, time: new Date().toISOString(), pipeline: pipeline.file, name: pipeline.name, pid: process.pid,
      ...(pidStart !== undefined ? { pidStart } : {}), host: hostname(), command: options.command ?? `pipe run ${file}`, options: record,
      provenance: { node: process.version, platform: process.platform, arch: process.arch, cpus: availableParallelism(), gpus: listCudaDevices() },
    });
    memo.save();
    logger.runStarted?.({ pipeline: pipeline.file, store: store.root, instances: keyed.instances.length });
    const admission = new Admission(options.jobs ?? availableParallelism(), pools);
    let stopWatchdog: (() => void) | undefined;
    const slurm = executor === 'slurm' || open.size > 0 ? new SlurmBackend(env, { pipeline: pipeline.name, store: store.root, executor: pipeline.executor }) : undefined;
    if (slurm !== undefined) {
      const known = new Set([...open.values()].map((j) => j.jobId));
      for (const j of await cancelUnrecordedJobs(store.root, new Set(keyed.instances.map((i) => i.key)), known, env)) {
        logger.info?.(`cancelled Slurm job ${j.jobId} (key ${j.key.slice(0, 12)}): a runner that died submitted it without recording it`);
      }
    }
    const result = await execute({
      ...(slurm ? { reattach: { backend: slurm, open } } : {}), ...(executor === 'slurm' && slurm ? { backend: slurm } : {}),
      detach: options.detach ?? false,
      keyed, store, journal, run, admission, defaultKind: kind, keepGoing: options.keepGoing ?? false, graceMs, logger,
      ...(options.signal ? { signal: options.signal } : {}), env,
      beforeFirstStart: () => {
        stopWatchdog = startWatchdog(store.journalPath, run, pidStart, graceMs);
      },
    }).finally(() => {
      stopWatchdog?.();
      slurm?.close();
    });
    const counts = { ...empty };
    for (const o of result.outcomes.values()) counts[o]++;
    const reason = options.signal?.reason as { signal?: string } | undefined;
    if (result.submitted.size > 0) {
      logger.info?.(`${result.submitted.size} instance(s) left running as Slurm jobs (${[...result.submitted.values()].join(', ')}): pipe status shows them, pipe resume ${pipeline.file} waits for them and commits their outputs`);
    }
    const exitCode = result.interrupted ? signalExitCode(reason?.signal) : counts.failed > 0 || counts.skipped > 0 || result.internalError !== undefined ? 1 : 0;
    journal.append({ t: 'run-end', run, time: new Date().toISOString(), exitCode });
    const summary = { pipeline: pipeline.file, exitCode, ...counts, durationMs: Date.now() - started };
    logger.runFinished?.(summary);
    return { ...summary, outcomes: result.outcomes };
  } finally {
    lock.release();
  }
}

/** Where `pipe resume` without a file looks: PIPE_CACHE, else ./cache. */
export function defaultStore(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const e = env['PIPE_CACHE'];
  return resolve(e !== undefined && e !== '' ? e : 'cache');
}

/** The pipeline file of the last run recorded in the default store (for `status`/`resume` without FILE). */
export function lastPipelineFile(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const storeRoot = defaultStore(env);
  const runs = new Journal(new Store(storeRoot).journalPath).read();
  const last = [...runs].reverse().find((r) => r.t === 'run-start');
  if (last === undefined || last.t !== 'run-start') {
    throw new PipelineError([{ message: `no earlier run found in the store ${storeRoot}: name the pipeline file` }]);
  }
  return last.pipeline;
}

/**
 * Repeats the last run of `file` (or, without a file, the last run recorded in the default store)
 * with its targets and overrides. Finished instances are cached; interrupted ones restart with
 * PIPE_RESUME=1 and their attempt workspace. A file that never ran there has nothing to resume: a
 * usage error, never a silent first run with the YAML's defaults.
 */
export async function resumePipeline(file: string | undefined, options: RunOptions = {}): Promise<RunResult> {
  const env = options.env ?? process.env;
  // The store, read without validating the params: a YAML that needs --set (an empty dataset) still resumes.
  const located = file === undefined ? undefined : pipelineStore(file, env);
  const storeRoot = located?.store ?? defaultStore(env);
  const last = lastRunStart(readRunRecords(new Store(storeRoot).journalPath), located?.file);
  if (last === undefined) {
    if (file === undefined) throw new PipelineError([{ message: `no earlier run found in the store ${storeRoot}: name the pipeline file (pipe resume FILE)` }]);
    throw new PipelineError([{ message: `nothing to resume for ${file}; use pipe run ${file} (the store ${storeRoot} records no run of it)` }]);
  }
  const o = last.options;
  return runPipeline(located?.file ?? last.pipeline, {
    ...options,
    targets: options.targets ?? o.targets,
    overrides: options.overrides ?? o.overrides,
    ...(options.jobs === undefined && o.jobs !== undefined ? { jobs: o.jobs } : {}),
    ...(options.devices === undefined && o.devices !== undefined ? { devices: o.devices } : {}),
    ...(options.deviceKind === undefined && o.deviceKind !== undefined ? { deviceKind: o.deviceKind as DeviceKind } : {}),
    keepGoing: options.keepGoing ?? o.keepGoing ?? false,
    ...(options.executor === undefined && o.executor !== undefined ? { executor: o.executor } : {}),
  });
}
