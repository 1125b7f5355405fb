/**
 * The executor: runs a keyed pipeline's instances in dependency order under admission control (job slots +
 * device ids), with retries, timeouts, keep-going, and clean interruption. Every state change is
 * journalled before the engine relies on it; outputs are committed atomically by the store.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lookupParam, substitute, valueText, type Ref } from '../config/interpolate.js';
import { resolveValue } from '../config/validate.js';
import type { Journal, Outcome } from '../cache/journal.js';
import { earlierAttempts } from '../cache/attempt-history.js';
import type { StageId } from '../config/types.js';
import type { Store } from '../cache/store.js';
import { checkHit } from '../cache/hit.js';
import { damagedInputText, RebuildInputs } from '../cache/rebuild-inputs.js';
import { matchingUpstream } from '../resolve/instances.js';
import type { Logger } from '../log/logger.js';
import { stageChildScript } from '../../stage-api/registry.js';
import type { PipeMessage } from '../../stage-api/protocol.js';
import type { DeviceKind, Progress, StageContextData, UpstreamRef } from '../../stage-api/types.js';
import { removeTree } from '../../util/fs.js';
import { shellQuote } from '../../util/shell-quote.js';
import type { Admission, Grant } from './admission.js';
import type { AttemptResult, RunningAttempt } from './attempt.js';
import type { AttemptBackend } from './launch/types.js';
import { visibilityEnv } from './devices.js';
import { localBackend } from './local-backend.js';
import type { SlurmBackend } from './slurm/backend.js';
import { commitJobScript } from './slurm/commit-job-path.js';
import type { OpenJob } from './slurm/open-jobs.js';
import { jobName } from './slurm/sbatch-flags.js';
import { jobComment } from './slurm/unrecorded-jobs.js';
import type { StageKey } from '../cache/brands.js';
import { dropEmptyWorkspace } from './workspace.js';
import type { KeyedPipeline, KeyedInstance } from '../resolve/keys.js';
import { releasePort, reservePort } from './ports.js';

const SHELL = existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';

export interface ExecuteOptions {
  readonly keyed: KeyedPipeline;
  readonly store: Store;
  readonly journal: Journal;
  readonly run: string;
  readonly admission: Admission;
  readonly defaultKind: DeviceKind;
  readonly keepGoing: boolean;
  readonly graceMs: number;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Called once, before the first stage process starts (the runner starts its watchdog here). */
  readonly beforeFirstStart?: () => void;
  /** Where attempts run: local child processes (default) or Slurm jobs. */
  readonly backend?: AttemptBackend;
  /** Slurm jobs that earlier runs left open, by key: attached to (through `slurm`), never submitted again. */
  readonly openJobs?: ReadonlyMap<StageKey, OpenJob>;
  readonly slurm?: SlurmBackend;
  /** Slurm only: submit every instance (dependents with afterok) and return without waiting. */
  readonly detach?: boolean;
}

export interface ExecuteResult {
  readonly outcomes: ReadonlyMap<string, Outcome>;
  readonly interrupted: boolean;
  /** Instances left running as Slurm jobs (`--detach`), with their job ids. */
  readonly submitted: ReadonlyMap<string, string>;
}

/** An instance's result inside one execute: an outcome, or (detached) submitted as a job. */
type TaskOutcome = Outcome | 'submitted';

function tailOf(path: string, lines = 15): string {
  try {
    const text = readFileSync(path, 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export async function execute(o: ExecuteOptions): Promise<ExecuteResult> {
  const { keyed, store, journal, logger } = o;
  // Progress reaches the journal at most this often per instance (the last one always does):
  // days-long stages must not grow the journal without bound.
  const progressEveryMs = Number((o.env ?? process.env)['PIPE_PROGRESS_INTERVAL_MS'] ?? 5000);
  const outcomes = new Map<string, Outcome>();
  const submitted = new Map<string, string>();
  const backend = o.backend ?? localBackend;
  const onCluster = backend.kind === 'slurm';
  const running = new Set<RunningAttempt>();
  let stopping = false; // no new instance starts (failure without keep-going, or interrupt)
  let interrupted = false;
  let startedAny = false;
  const selected = new Set(keyed.instances.map((i) => i.name));
  const now = (): string => new Date().toISOString();
  const inputs = new RebuildInputs(store, new Date());

  const onAbort = (): void => {
    interrupted = true;
    stopping = true;
    o.admission.cancelAll(new Error('interrupted'));
    for (const r of running) void r.terminate();
  };
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });

  const finish = (inst: KeyedInstance, outcome: Outcome, extra: Omit<Parameters<NonNullable<Logger['stageFinished']>>[0], 'stage' | 'outcome' | 'key'> = {}): Outcome => {
    outcomes.set(inst.name, outcome);
    if (outcome !== 'cached') {
      journal.append({
        t: 'instance-end', run: o.run, time: now(), stage: inst.name, key: inst.key, outcome,
        ...(extra.attempts !== undefined ? { attempts: extra.attempts } : {}),
        ...(extra.exitCode !== undefined ? { exitCode: extra.exitCode } : {}),
        ...(extra.error !== undefined ? { error: extra.error } : {}),
        ...(extra.log !== undefined ? { log: extra.log } : {}),
        ...(extra.durationMs !== undefined ? { durationMs: extra.durationMs } : {}),
      });
    } else {
      journal.append({ t: 'instance-end', run: o.run, time: now(), stage: inst.name, key: inst.key, outcome });
    }
    logger.stageFinished?.({ stage: inst.name, outcome, key: inst.key, ...extra });
    return outcome;
  };

  const upstreamRefs = (inst: KeyedInstance): UpstreamRef[] =>
    inst.needs.map((n) => {
      const up = keyed.byName.get(n);
      if (up === undefined) throw new Error(`Internal error: unknown upstream ${n}`);
      return { stage: up.name, id: up.stage.id, kind: up.stage.uses ?? 'run', key: up.key, out: store.objectDir(up.key), matrix: up.matrix };
    });

  /** Committed output folders of the instances of `stage` that `inst` needs (matching matrix axes). */
  const upstreamOuts = (inst: KeyedInstance, stage: string): string[] =>
    matchingUpstream(keyed.graph.byStage.get(stage as StageId) ?? [], inst.matrix).map((u) => {
      const up = keyed.byName.get(u.name);
      if (up === undefined) throw new Error(`Internal error: upstream ${u.name} has no key`);
      return store.objectDir(up.key);
    });

  /**
   * Run-time resolution: paths and resources become concrete. `${stages.X.out}` is one folder, or a
   * list on fan-in. In commands, paths are shell-quoted and lists space-separated.
   */
  const runtimeValue = (inst: KeyedInstance, out: string, grant: Grant) => (ref: Ref): { value: unknown } => {
    switch (ref.kind) {
      case 'params':
        return { value: lookupParam(keyed.pipeline.params, ref.path) };
      case 'matrix':
        return { value: inst.matrix[ref.axis] };
      case 'out':
        return { value: out };
      case 'stage-out': {
        const ups = upstreamOuts(inst, ref.stage);
        return { value: ups.length === 1 ? ups[0] : ups };
      }
      case 'resources':
        return { value: ref.field === 'devices' ? grant.devices.length : grant.kind };
    }
  };
  const commandText = (value: (ref: Ref) => { value: unknown }, quote: boolean) => (ref: Ref): string => {
    const v = value(ref).value;
    if (ref.kind !== 'out' && ref.kind !== 'stage-out') return valueText(v);
    const paths = Array.isArray(v) ? (v as string[]) : [String(v)];
    return paths.map((p) => (quote ? shellQuote(p) : p)).join(' ');
  };

  const runAttempts = async (inst: KeyedInstance, grant: Grant): Promise<TaskOutcome> => {
    const s = inst.stage;
    // A job an earlier run submitted for this key is attached to as its attempt, never submitted again.
    const adopt = o.openJobs?.get(inst.key);
    const started = adopt !== undefined ? Date.parse(adopt.time) : Date.now();
    let last: { result: AttemptResult; log: string; error: string } | undefined;
    const first = adopt?.attempt ?? 1;
    const attempts = Math.max(s.retry + 1, first);
    let tried = 0;
    for (let attempt = first; attempt <= attempts; attempt++) {
      if (stopping && (interrupted || !o.keepGoing)) break;
      tried = attempt;
      const adopting = attempt === first ? adopt : undefined;
      if (adopting !== undefined && o.detach) {
        submitted.set(inst.name, adopting.jobId);
        return 'submitted';
      }
      const out = adopting?.out ?? store.freshOutput(inst.key);
      const work = store.workDir(inst.key);
      const resume = adopting?.resume ?? (existsSync(work) && readdirSync(work).length > 0);
      mkdirSync(work, { recursive: true });
      const log = adopting?.log ?? store.logPath(inst.name, inst.key, attempt);
      // On a cluster the job derives its rendezvous port from its job id (batch-script.ts).
      const port = onCluster || adopting !== undefined ? 0 : await reservePort();
      if (!startedAny) {
        startedAny = true;
        o.beforeFirstStart?.();
      }
      const value = runtimeValue(inst, out, grant);
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(o.env ?? process.env)) if (v !== undefined) env[k] = v;
      delete env['CUDA_VISIBLE_DEVICES'];
      delete env['ASCEND_RT_VISIBLE_DEVICES'];
      Object.assign(env, {
        PIPE_OUT: out, PIPE_WORK: work, PIPE_STAGE: inst.name, PIPE_KEY: inst.key, PIPE_PROJECT: keyed.pipeline.projectDir,
        PIPE_ATTEMPT: String(attempt),
      });
      // Locally pipe picks the devices and the port; on a cluster Slurm grants the devices (CUDA_VISIBLE_DEVICES)
      // and the batch script sets MASTER_ADDR/MASTER_PORT.
      if (!onCluster) Object.assign(env, { PIPE_MASTER_PORT: String(port), MASTER_PORT: String(port), MASTER_ADDR: '127.0.0.1', ...visibilityEnv(grant.kind, grant.devices) });
      if (o.detach) env['PIPE_JOB_COMMITS'] = '1';
      if (resume) env['PIPE_RESUME'] = '1';
      else delete env['PIPE_RESUME'];
      let file: string;
      let args: string[];
      let shown: string;
      if (s.run !== undefined) {
        shown = substitute(s.run, commandText(value, true));
        file = SHELL;
        args = ['-c', shown];
      } else {
        const withResolved = resolveValue(structuredClone(s.with), value) as Record<string, unknown>;
        const data: StageContextData = {
          stage: inst.name, kind: s.uses ?? '', key: inst.key, with: withResolved, matrix: inst.matrix, out, committedOut: store.objectDir(inst.key), work, resume,
          ...(resume ? { earlierAttempts: earlierAttempts(journal.read(), inst.key) } : {}),
          projectDir: keyed.pipeline.projectDir, needs: upstreamRefs(inst), devices: grant.devices, deviceKind: grant.kind, ...(port > 0 ? { masterPort: port } : {}),
        };
        const contextPath = `${out}.context.json`;
        if (adopting === undefined) writeFileSync(contextPath, JSON.stringify(data, null, 1));
        env['PIPE_CONTEXT'] = contextPath;
        file = process.execPath;
        args = [stageChildScript()];
        shown = `${s.uses} (built-in) with ${JSON.stringify(withResolved)}`;
      }
      const header = `# pipe: ${inst.name} key ${inst.key} attempt ${attempt}/${attempts} ${new Date().toISOString()}\n` +
        `# pipe: devices ${grant.kind}:${grant.devices.join(',') || '-'} ${onCluster ? 'on Slurm' : `port ${port}`}${resume ? ' resume' : ''}\n# pipe: ${shown}\n`;
      let firstProgress: { at: number; done: number } | undefined;
      let lastJournalled = 0;
      let pendingProgress: Progress | undefined;
      const onMessage = (m: PipeMessage): void => {
          if (m.type === 'progress') {
            const { type: _t, ...p } = m;
            firstProgress ??= { at: Date.now(), done: p.done };
            logger.progress?.({ stage: inst.name, progress: p });
            pendingProgress = p;
            if (Date.now() - lastJournalled >= progressEveryMs) {
              lastJournalled = Date.now();
              journal.append({ t: 'progress', run: o.run, time: now(), stage: inst.name, key: inst.key, progress: p });
              pendingProgress = undefined;
            }
          } else if (m.type === 'metrics') {
            journal.append({ t: 'metrics', run: o.run, time: now(), stage: inst.name, key: inst.key, metrics: m.values });
          }
      };
      let attemptRun: RunningAttempt;
      if (adopting !== undefined) {
        if (o.slurm === undefined) throw new Error('Internal error: an open Slurm job but no Slurm backend');
        attemptRun = o.slurm.attach({ jobId: adopting.jobId, log, out }, onMessage);
        logger.info?.(`${inst.name}: attached to Slurm job ${adopting.jobId} (submitted by an earlier run)`);
      } else {
        const timeout = s.timeoutMs !== undefined && !onCluster ? { timeoutMs: s.timeoutMs } : {};
        attemptRun = await backend.start({
          spec: { file, args, cwd: keyed.pipeline.projectDir, env, logPath: log, header, graceMs: o.graceMs, ...timeout, onMessage },
          instance: inst.name, key: inst.key, attempt, out,
          job: {
            name: jobName(keyed.pipeline.name, inst.name), comment: jobComment(inst.key, store.root), resources: s.resources, kind: grant.kind, executor: keyed.pipeline.executor,
            ...(s.timeoutMs !== undefined ? { timeoutMs: s.timeoutMs } : {}),
            afterOk: inst.needs.map((n) => submitted.get(n)).filter((id): id is string => id !== undefined),
          },
          commit: [process.execPath, commitJobScript(), store.root, inst.key, inst.name, out, ...inst.material.outputs.map((p) => substitute(p, commandText(value, false)))],
        });
      }
      running.add(attemptRun);
      journal.append({
        t: 'instance-start', run: o.run, time: now(), stage: inst.name, key: inst.key, attempt, pid: attemptRun.pid,
        ...(attemptRun.pidStart !== undefined ? { pidStart: attemptRun.pidStart } : {}),
        devices: grant.devices, deviceKind: grant.kind, ...(port > 0 ? { port } : {}), log, resume,
        ...(attemptRun.jobId !== undefined ? { jobId: attemptRun.jobId, out } : {}),
      });
      logger.stageStarted?.({ stage: inst.name, key: inst.key, attempt, devices: grant.devices, deviceKind: grant.kind, log, resume });
      if (o.detach && attemptRun.jobId !== undefined) {
        running.delete(attemptRun);
        submitted.set(inst.name, attemptRun.jobId);
        logger.info?.(`${inst.name}: submitted as Slurm job ${attemptRun.jobId}`);
        return 'submitted';
      }
      if (interrupted) void attemptRun.terminate();
      const result = await attemptRun.done;
      running.delete(attemptRun);
      if (port > 0) releasePort(port);
      if (pendingProgress) journal.append({ t: 'progress', run: o.run, time: now(), stage: inst.name, key: inst.key, progress: pendingProgress });
      removeTree(`${out}.context.json`);
      removeTree(`${out}.seen`);
      if (interrupted) {
        removeTree(out);
        dropEmptyWorkspace(work);
        return finish(inst, 'interrupted', { durationMs: Date.now() - started, log, attempts: attempt });
      }
      // A detached job commits its own output (commit-job.ts); an attached one finds it committed.
      if (result.failure === undefined && result.error === undefined && store.committed(inst.key)) {
        return finish(inst, 'ran', { durationMs: Date.now() - started, attempts: attempt, log, out: store.objectDir(inst.key), exitCode: 0 });
      }
      let error: string | undefined;
      if (result.failure !== undefined) error = result.failure;
      else if (result.timedOut) error = `timed out after ${(s.timeoutMs ?? 0) / 1000}s`;
      else if (result.error !== undefined) error = `could not start: ${result.error}`;
      else if (result.exitCode !== 0) error = result.exitCode === null ? `killed by ${result.signal}` : `exit ${result.exitCode}`;
      else {
        const missing = inst.material.outputs.filter((p) => !existsSync(join(out, substitute(p, commandText(value, false)))));
        if (missing.length > 0) error = `declared output(s) missing: ${missing.join(', ')}`;
      }
      if (error === undefined) {
        await store.commit(inst.key, inst.name, out);
        return finish(inst, 'ran', { durationMs: Date.now() - started, attempts: attempt, log, out: store.objectDir(inst.key), exitCode: 0 });
      }
      removeTree(out);
      dropEmptyWorkspace(work);
      last = { result, log, error };
      if (attempt < attempts) logger.info?.(`${inst.name}: attempt ${attempt}/${attempts} failed (${error}); retrying`);
    }
    if (last === undefined) return finish(inst, 'skipped', { error: 'run stopped before it started' });
    return finish(inst, 'failed', {
      durationMs: Date.now() - started, attempts: tried, exitCode: last.result.exitCode, error: last.error, log: last.log, tail: tailOf(last.log),
    });
  };

  const tasks = new Map<string, Promise<TaskOutcome>>();
  for (const inst of keyed.instances) {
    tasks.set(inst.name, (async (): Promise<TaskOutcome> => {
      const deps = await Promise.all(inst.needs.filter((n) => selected.has(n)).map((n) => tasks.get(n) ?? Promise.resolve<TaskOutcome>('failed')));
      const badIdx = deps.findIndex((d) => d !== 'ran' && d !== 'cached' && d !== 'submitted');
      if (badIdx !== -1) {
        if (interrupted) return 'interrupted';
        const up = inst.needs.filter((n) => selected.has(n))[badIdx];
        return finish(inst, 'skipped', { error: `upstream ${up} ${deps[badIdx]}` });
      }
      const hit = await checkHit(store, inst.key);
      if (hit.state === 'hit') return finish(inst, 'cached', { out: store.objectDir(inst.key) });
      if (hit.state === 'damaged') logger.info?.(`${inst.name}: its committed object ${inst.key.slice(0, 12)} is damaged (${hit.why}); removed, rebuilding`);
      if (interrupted) return 'interrupted';
      const damagedInputs = await inputs.damaged(inst.needs.flatMap((n) => keyed.byName.get(n)?.key ?? []));
      if (damagedInputs.length > 0) return finish(inst, 'failed', { error: damagedInputText(damagedInputs) });
      if (stopping) return finish(inst, 'skipped', { error: 'an earlier stage failed (use --keep-going to run independent branches)' });
      store.recordMaterial(inst.key, inst.material);
      let grant: Grant;
      const kind = inst.stage.resources.device ?? (inst.stage.resources.devices > 0 ? o.defaultKind : 'cpu');
      try {
        // On a cluster Slurm grants the devices and queues the jobs: ranks see devices 0..n-1 of their node.
        grant = onCluster || o.openJobs?.has(inst.key)
          ? { kind, devices: Array.from({ length: inst.stage.resources.devices }, (_, i) => String(i)), release: () => undefined }
          : await o.admission.acquire(kind, inst.stage.resources.devices);
      } catch {
        return interrupted ? 'interrupted' : finish(inst, 'skipped', { error: 'run stopped before it started' });
      }
      try {
        if (stopping && !interrupted && !o.keepGoing) return finish(inst, 'skipped', { error: 'an earlier stage failed (use --keep-going to run independent branches)' });
        if (interrupted) return 'interrupted';
        const outcome = await runAttempts(inst, grant);
        if (outcome === 'failed' && !o.keepGoing) stopping = true;
        return outcome;
      } catch (error) {
        if (!o.keepGoing) stopping = true;
        return finish(inst, 'failed', { error: `Internal error: ${(error as Error).stack ?? String(error)}` });
      } finally {
        grant.release();
      }
    })());
  }
  await Promise.all(tasks.values());
  o.signal?.removeEventListener('abort', onAbort);
  return { outcomes, interrupted, submitted };
}
