/**
 * Ends the human view of a run with where its report is: after the summary line, the report.html
 * and report.md of every instance that the run committed or found cached whose output holds them
 * (the engine knows no report kind: any stage writing these files is a report).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './logger.js';

export const REPORT_FILES = ['report.html', 'report.md'] as const;

/** The report lines for one committed output folder, or none when it holds no report. */
export function reportPathLines(stage: string, out: string): string[] {
  const [html, md] = REPORT_FILES.map((f) => join(out, f)).map((p) => (existsSync(p) ? p : undefined));
  if (html !== undefined) return [`${stage}: ${html}`, ...(md !== undefined ? [`  markdown ${md}`] : [])];
  return md !== undefined ? [`${stage}: ${md}`] : [];
}

export function withReportPaths(inner: Logger, out: NodeJS.WritableStream = process.stdout): Logger {
  const committed = new Map<string, string>();
  return {
    ...inner,
    runStarted: (info) => {
      committed.clear();
      inner.runStarted?.(info);
    },
    stageFinished: (e) => {
      if ((e.outcome === 'ran' || e.outcome === 'cached') && e.out !== undefined) committed.set(e.stage, e.out);
      inner.stageFinished?.(e);
    },
    runFinished: (summary) => {
      inner.runFinished?.(summary);
      const lines = [...committed].flatMap(([stage, dir]) => reportPathLines(stage, dir));
      if (lines.length > 0) out.write(`${lines.join('\n')}\n`);
    },
  };
}
