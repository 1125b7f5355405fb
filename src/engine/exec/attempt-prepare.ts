/**
 * Step 1 of an attempt: everything it needs before it can start, the same for every backend. Its staging
 * folder (`out`), its workspace (`work`, kept across attempts: resume when it holds a file), its log, its
 * placement (devices and rendezvous, from the backend), its environment and its command; for a built-in
 * stage, the context file the stage child reads. An attempt that an earlier run left open keeps what that
 * run chose (its folder, log and resume) and writes nothing.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { substitute } from '../config/interpolate.js';
import { resolveValue } from '../config/validate.js';
import { earlierAttempts } from '../cache/attempt-history.js';
import type { KeyedInstance } from '../resolve/keys.js';
import { stageChildScript } from '../../stage-api/registry.js';
import type { StageContextData } from '../../stage-api/types.js';
import type { Grant } from './admission.js';
import { attemptLogPath } from './attempt-log.js';
import type { Execution } from './execution.js';
import type { OpenAttempt, Placement } from './launch/types.js';
import { commandText, runtimeValue, upstreamRefs } from './runtime-values.js';
import { holdsResumableState } from './workspace.js';

const SHELL = existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';

/** An attached attempt was placed by the run that started it. */
const PLACED_BEFORE: Placement = { env: {}, port: 0, text: '', release: () => undefined };

export interface PreparedAttempt {
  readonly attempt: number;
  /** How many attempts the instance gets in all. */
  readonly attempts: number;
  readonly out: string;
  readonly work: string;
  readonly log: string;
  readonly resume: boolean;
  readonly placement: Placement;
  readonly env: Readonly<Record<string, string>>;
  readonly file: string;
  readonly args: readonly string[];
  /** The lines written at the top of the log (the assignment record). */
  readonly header: string;
  /** The declared outputs, resolved, relative to `out`. */
  readonly outputs: readonly string[];
  /** The attempt an earlier run left open, which this one attaches to. */
  readonly open?: OpenAttempt;
}

/** The stage's environment: pipe's own, less the devices of the parent, plus what says where the attempt is. */
function attemptEnv(ex: Execution, inst: KeyedInstance, a: { out: string; work: string; attempt: number; resume: boolean; placement: Placement }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ex.o.env ?? process.env)) if (v !== undefined) env[k] = v;
  delete env['CUDA_VISIBLE_DEVICES'];
  delete env['ASCEND_RT_VISIBLE_DEVICES'];
  delete env['PIPE_RESUME'];
  Object.assign(env, {
    PIPE_OUT: a.out, PIPE_WORK: a.work, PIPE_STAGE: inst.name, PIPE_KEY: inst.key, PIPE_PROJECT: ex.o.keyed.pipeline.projectDir,
    PIPE_ATTEMPT: String(a.attempt), ...a.placement.env,
  });
  if (a.resume) env['PIPE_RESUME'] = '1';
  return env;
}

export async function prepareAttempt(ex: Execution, inst: KeyedInstance, grant: Grant, attempt: number, attempts: number, open: OpenAttempt | undefined): Promise<PreparedAttempt> {
  const { keyed, store, journal } = ex.o;
  const s = inst.stage;
  const out = open?.out ?? store.freshOutput(inst.key);
  const work = store.workDir(inst.key);
  const resume = open?.resume ?? holdsResumableState(work);
  mkdirSync(work, { recursive: true });
  const log = open?.log ?? attemptLogPath(store.root, inst.name, inst.key, ex.o.run, attempt);
  const placement = open !== undefined ? PLACED_BEFORE : await ex.backend.place(grant.kind, grant.devices);
  const value = runtimeValue(keyed, store, inst, out, grant);
  const env = attemptEnv(ex, inst, { out, work, attempt, resume, placement });
  const outputs = inst.material.outputs.map((p) => substitute(p, commandText(value, false)));
  let file: string;
  let args: string[];
  let shown: string;
  if (s.run !== undefined) {
    shown = substitute(s.run, commandText(value, true));
    file = SHELL;
    args = ['-c', shown];
  } else {
    const withResolved = resolveValue(structuredClone(s.with), value) as Record<string, unknown>;
    const { port } = placement;
    const data: StageContextData = {
      stage: inst.name, kind: s.uses ?? '', key: inst.key, with: withResolved, matrix: inst.matrix, out, committedOut: store.objectDir(inst.key), work, resume,
      ...(resume ? { earlierAttempts: earlierAttempts(journal.read(), inst.key) } : {}),
      projectDir: keyed.pipeline.projectDir, needs: upstreamRefs(keyed, store, inst), devices: grant.devices, deviceKind: grant.kind, ...(port > 0 ? { masterPort: port } : {}),
    };
    const contextPath = `${out}.context.json`;
    if (open === undefined) writeFileSync(contextPath, JSON.stringify(data, null, 1));
    env['PIPE_CONTEXT'] = contextPath;
    file = process.execPath;
    args = [stageChildScript()];
    shown = `${s.uses} (built-in) with ${JSON.stringify(withResolved)}`;
  }
  const header = `# pipe: ${inst.name} key ${inst.key} attempt ${attempt}/${attempts} ${new Date().toISOString()}\n` +
    `# pipe: devices ${grant.kind}:${grant.devices.join(',') || '-'} ${placement.text}${resume ? ' resume' : ''}\n# pipe: ${shown}\n`;
  return { attempt, attempts, out, work, log, resume, placement, env, file, args, header, outputs, ...(open !== undefined ? { open } : {}) };
}
