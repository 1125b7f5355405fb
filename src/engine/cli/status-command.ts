/**
 * `pipe status`: a table (or `--json`), and `--why STAGE` for a field-level key diff. It describes the
 * run in progress or the last run of the file (its --set overrides); `--current` or `--set` the YAML
 * as it now stands.
 */
import { lastPipelineFile } from '../api/run.js';
import { getStatus, explainKey } from '../api/status.js';
import { progressText } from '../log/progress-text.js';
import { formatDuration } from '../../util/duration.js';
import { parse } from './options.js';
import { leftJobs, viewHeader } from './run-view-text.js';
import { slurmJson, slurmText } from './slurm-status-text.js';
import { relative } from 'node:path';

/** A running instance quiet for longer than this is flagged as possibly hung. */
const HUNG_AFTER_MS = Number(process.env['PIPE_HUNG_AFTER_MS'] ?? 15 * 60_000);

export async function statusCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse('status', args, { json: { type: 'boolean' }, why: { type: 'string' }, set: { type: 'string', multiple: true }, current: { type: 'boolean' } });
  // Without FILE: the pipeline of the last run recorded in ./cache (or $PIPE_CACHE).
  const file = positionals[0] ?? lastPipelineFile();
  const overrides = (values['set'] as string[] | undefined) ?? [];
  const why = values['why'] as string | undefined;
  const view = { overrides, current: values['current'] === true };
  if (why !== undefined) {
    const explanations = await explainKey(file, why, view);
    if (values['json']) {
      process.stdout.write(`${JSON.stringify({ why: explanations })}\n`);
      return 0;
    }
    for (const e of explanations) {
      if (e.previousKey === undefined) process.stdout.write(`${e.stage}: key ${e.key.slice(0, 12)}; no earlier key recorded (never ran)\n`);
      else if (e.previousKey === e.key) process.stdout.write(`${e.stage}: key ${e.key.slice(0, 12)} unchanged since it last ran\n`);
      else {
        process.stdout.write(`${e.stage}: key ${e.previousKey.slice(0, 12)} -> ${e.key.slice(0, 12)}${e.changes.length === 0 ? ' (no key material recorded for the earlier key)' : ''}\n`);
        for (const c of e.changes) process.stdout.write(`  ${c.field}: ${c.from ?? '(absent)'} -> ${c.to ?? '(absent)'}\n`);
      }
    }
    return 0;
  }
  const status = await getStatus(file, view);
  if (values['json']) {
    process.stdout.write(`${JSON.stringify({
      pipeline: status.pipeline, name: status.name, store: status.store, view: status.view,
      stages: status.stages.map((s) => ({
        stage: s.stage, state: s.state, key: s.key, out: s.out ?? null, reason: s.reason ?? null, failure: s.failure ?? null,
        durationMs: s.durationMs ?? null, progress: s.progress ?? null, devices: s.devices ?? null, log: s.log ?? null, metrics: s.metrics ?? null,
        ...slurmJson(s),
      })),
    })}\n`);
    return 0;
  }
  const w = Math.max(5, ...status.stages.map((s) => s.stage.length));
  const lines = [`pipeline ${status.name} (${relative(process.cwd(), status.pipeline)}), store ${relative(process.cwd(), status.store) || '.'}`, viewHeader(status.view, 'status', leftJobs(status.stages))];
  for (const s of status.stages) {
    let detail = s.reason ?? '';
    if (s.slurm !== undefined) detail = slurmText(s);
    else if (s.state === 'running') {
      detail = s.progress ? progressText(s.progress, s.rate) : `started ${s.startedAt ?? ''}`;
      if (s.devices?.length) detail += ` [devices ${s.devices.join(',')}]`;
      // A day-long stage that stopped reporting may be hung: say how long it has been quiet.
      const quietMs = Date.now() - Date.parse(s.lastProgressAt ?? s.startedAt ?? '');
      if (Number.isFinite(quietMs) && quietMs > HUNG_AFTER_MS) detail += ` (no progress for ${formatDuration(quietMs)}: hung?)`;
      // Why Slurm's view of its job is missing (slurmctld not answering).
      if (s.reason !== undefined) detail += `; ${s.reason}`;
    }
    const d = s.durationMs !== undefined ? formatDuration(s.durationMs) : '';
    lines.push(`  ${s.stage.padEnd(w)}  ${s.state.padEnd(11)} ${s.key.slice(0, 12)}  ${d.padEnd(7)} ${detail}`.trimEnd());
  }
  const counts = new Map<string, number>();
  for (const s of status.stages) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  lines.push(`${status.stages.length} instance(s): ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
