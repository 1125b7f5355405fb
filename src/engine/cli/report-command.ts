/**
 * `pipe report [FILE] [--json] [--current] [--set ...]`: prints where the report of a pipeline's
 * report stage lives (report.html, report.md, report.json) and the markdown's summary table. A thin
 * layer over getStatus: the report is the committed output of every instance whose output holds
 * report.json. Like status it follows the run in progress or the last run of the file (its --set
 * overrides), and says which in its first line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { lastPipelineFile } from '../api/run.js';
import { getStatus } from '../api/status.js';
import { parse } from './options.js';
import { reportHint } from './report-hint.js';
import { viewHeader } from './run-view-text.js';

export async function reportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse('report', args, { json: { type: 'boolean' }, set: { type: 'string', multiple: true }, current: { type: 'boolean' } });
  const file = positionals[0] ?? lastPipelineFile();
  const status = await getStatus(file, { overrides: (values['set'] as string[] | undefined) ?? [], current: values['current'] === true });
  const reports = status.stages.filter((s) => s.out !== undefined && existsSync(join(s.out, 'report.json')));
  if (reports.length === 0) {
    const stages = status.stages.filter((s) => s.stage.startsWith('report'));
    const states = stages.map((s) => `${s.stage} ${s.state}`).join(', ');
    process.stderr.write(`pipe report: no finished report for ${status.name} (${states || 'no report stage'}); ${viewHeader(status.view, 'report')}\n`);
    const hint = reportHint(relative(process.cwd(), status.pipeline), status.view, stages.map((s) => s.stage));
    if (hint !== undefined) process.stderr.write(`  ${hint}\n`);
    return 1;
  }
  if (values['json']) {
    process.stdout.write(`${JSON.stringify(reports.map((s) => ({ stage: s.stage, view: status.view, html: join(s.out!, 'report.html'), markdown: join(s.out!, 'report.md'), json: join(s.out!, 'report.json') })))}\n`);
    return 0;
  }
  process.stdout.write(`${viewHeader(status.view, 'report')}\n\n`);
  for (const s of reports) {
    const out = s.out as string;
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    // The title and the "Dice per label" section (its table and notes); the rest stays in the files.
    const table = md.split('\n## ').slice(0, 2).join('\n## ');
    process.stdout.write(`${table.trimEnd()}\n\n${s.stage}: ${join(out, 'report.html')}\n  markdown ${join(out, 'report.md')}\n  json     ${join(out, 'report.json')}\n`);
  }
  return 0;
}
