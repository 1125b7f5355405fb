/**
 * `pipe runs [FILE] [--json]`: every run of the pipeline recorded in its store, newest first, one
 * line each (short id, start, duration, state with counts, executor, --set), then what runs or
 * failed in it and its report's headline. A thin layer over listRuns.
 */
import { relative } from 'node:path';
import { lastPipelineFile } from '../api/run.js';
import { listRuns } from '../api/runs.js';
import { parse } from './options.js';
import { detailLines, durationText, localTime, overridesText, stateText } from './run-list-text.js';

export async function runsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse('runs', args, { json: { type: 'boolean' } });
  const file = positionals[0] ?? lastPipelineFile();
  const listing = await listRuns(file);
  if (values['json']) {
    process.stdout.write(`${JSON.stringify(listing)}\n`);
    return 0;
  }
  const lines = [`pipeline ${listing.name} (${relative(process.cwd(), listing.pipeline)}), store ${relative(process.cwd(), listing.store) || '.'}: ${listing.runs.length} run(s), newest first`];
  const rows = listing.runs.map((r) => [r.short, localTime(r.time), durationText(r), stateText(r), r.executor, overridesText(r)]);
  const widths = rows.reduce((w, row) => row.map((c, i) => Math.max(w[i] ?? 0, c.length)), [] as number[]);
  listing.runs.forEach((r, k) => {
    const row = rows[k] as string[];
    lines.push(`  ${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}`);
    for (const d of detailLines(r)) lines.push(`      ${d}`);
    for (const h of r.headlines) lines.push(`      ${h.stage}: ${h.text}`);
    if (r.pipeline !== listing.pipeline) lines.push(`      (a run of ${relative(process.cwd(), r.pipeline)}, a copy with the same name)`);
  });
  if (listing.runs.length === 0) lines.push(`  no run recorded; pipe run ${relative(process.cwd(), listing.pipeline)} starts one`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
