/**
 * What `pipe report` proposes when the report it looks for is not there. The hint only ever names a
 * command that completes the configuration being looked at: `pipe resume` for the followed run
 * (same targets, --set and devices), `pipe run FILE report --set ...` with exactly the overrides in
 * view otherwise; nothing while the followed run is still going.
 */
import type { RunView } from '../api/run-view.js';

export function reportHint(file: string, view: RunView, reportStages: readonly string[]): string | undefined {
  if (reportStages.length === 0) return undefined;
  if (view.run?.state === 'running') {
    // Any run now would find the store locked; the followed run may still build the report itself.
    return view.source === 'run' ? `the run is still going; pipe status ${file} shows how far it is` : `a run of ${file} is still going (pipe status ${file}); the report of the YAML as it now stands can only be built after it`;
  }
  const run = view.source === 'run' ? view.run : undefined;
  const targets = run?.options.targets ?? [];
  const includesReport = targets.length === 0 || targets.some((t) => reportStages.some((r) => t === r || r.startsWith(`${t}[`)));
  if (run !== undefined && includesReport) return `pipe resume ${file} continues that run (same --set, targets and devices)`;
  const set = view.overrides.map((s) => ` --set ${s}`).join('');
  const stages = targets.length === 0 ? '' : ` ${[...new Set(reportStages.map((r) => r.replace(/\[.*$/, '')))].join(' ')}`;
  return `pipe run ${file}${stages}${set} builds it${set === '' ? '' : ' with these overrides'}`;
}
