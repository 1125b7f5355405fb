/**
 * Step 2 of an attempt: start it on the backend, or attach to the one an earlier run left open, then journal
 * the start (pid, devices, port, the backend's job id when it outlives pipe) and tell the loggers. Which
 * backend does what sits behind AttemptBackend (launch/types.ts); nothing here names one.
 */
import type { KeyedInstance } from '../resolve/keys.js';
import type { Grant } from './admission.js';
import type { PreparedAttempt } from './attempt-prepare.js';
import type { Execution } from './execution.js';
import type { OpenAttempt, RunningAttempt } from './launch/types.js';
import type { ProgressRelay } from './progress-relay.js';

function attachOpen(ex: Execution, inst: KeyedInstance, open: OpenAttempt, relay: ProgressRelay): RunningAttempt {
  const backend = ex.o.reattach?.backend;
  if (backend?.attach === undefined) throw new Error(`Internal error: an open attempt of ${inst.name} but no backend that attaches to it`);
  const timeoutMs = inst.stage.timeoutMs;
  const run = backend.attach({ jobId: open.jobId, log: open.log, out: open.out, ...(timeoutMs !== undefined ? { timeoutMs } : {}) }, relay.onMessage, relay.onNotice);
  ex.o.logger.info?.(`${inst.name}: attached to ${run.jobLabel ?? open.jobId} (submitted by an earlier run)`);
  return run;
}

export async function startOrAttach(ex: Execution, inst: KeyedInstance, grant: Grant, p: PreparedAttempt, relay: ProgressRelay): Promise<RunningAttempt> {
  const { o } = ex;
  const s = inst.stage;
  ex.starting();
  const run = p.open !== undefined
    ? attachOpen(ex, inst, p.open, relay)
    : await ex.backend.start({
      spec: {
        file: p.file, args: p.args, cwd: o.keyed.pipeline.projectDir, env: p.env, logPath: p.log, header: p.header, graceMs: o.graceMs,
        ...(s.timeoutMs !== undefined ? { timeoutMs: s.timeoutMs } : {}), onMessage: relay.onMessage, onNotice: relay.onNotice,
      },
      instance: inst.name, key: inst.key, attempt: p.attempt, out: p.out, outputs: p.outputs, resources: s.resources, kind: grant.kind,
      afterOk: inst.needs.map((n) => ex.submitted.get(n)).filter((id): id is string => id !== undefined),
      detach: o.detach ?? false,
    });
  ex.running.add(run);
  const { port } = p.placement;
  o.journal.append({
    t: 'instance-start', run: o.run, time: ex.now(), stage: inst.name, key: inst.key, attempt: p.attempt, pid: run.pid,
    ...(run.pidStart !== undefined ? { pidStart: run.pidStart } : {}),
    devices: grant.devices, deviceKind: grant.kind, ...(port > 0 ? { port } : {}), log: p.log, resume: p.resume,
    ...(run.jobId !== undefined ? { jobId: run.jobId, out: p.out } : {}),
  });
  o.logger.stageStarted?.({ stage: inst.name, key: inst.key, attempt: p.attempt, devices: grant.devices, deviceKind: grant.kind, log: p.log, resume: p.resume });
  return run;
}
