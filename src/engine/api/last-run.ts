/**
 * The run that `pipe status`, `report` and `resume` follow: the last `run-start` recorded for a
 * pipeline file in its store's journal, whether that run is still going, and how it ended.
 */
import { readFileSync } from 'node:fs';
import type { JournalRecord, RunOptionsRecord } from '../cache/journal.js';
import { lockHeldByLiveProcess } from '../cache/lock.js';
import type { Store } from '../cache/store.js';

type RunStart = Extract<JournalRecord, { t: 'run-start' }>;

export interface RecordedRun {
  readonly id: string;
  /** ISO time of its start. */
  readonly time: string;
  readonly pipeline: string;
  readonly command: string;
  /** Its targets, `--set` overrides and execution flags, as `pipe resume` repeats them. */
  readonly options: RunOptionsRecord;
  /** `running`: its runner holds the store lock; `ended`: it closed its run (exitCode); `stopped`: its runner died. */
  readonly state: 'running' | 'ended' | 'stopped';
  readonly exitCode?: number;
}

/**
 * The run-start and run-end records of a journal, without parsing the rest: a journal of a days-long
 * run holds many progress lines, and status reads it once more for the instances. Records are
 * written with `t` first (journal.ts), so a run record's line starts with `{"t":"run-`.
 */
export function readRunRecords(journalPath: string): JournalRecord[] {
  let text: string;
  try {
    text = readFileSync(journalPath, 'utf8');
  } catch {
    return [];
  }
  const out: JournalRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{"t":"run-')) continue;
    try {
      out.push(JSON.parse(line) as JournalRecord);
    } catch {
      /* a torn line from a crash mid-append */
    }
  }
  return out;
}

/** The last run-start of `file` (any file when undefined) in `records`. */
export function lastRunStart(records: readonly JournalRecord[], file?: string): RunStart | undefined {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i];
    if (r?.t === 'run-start' && (file === undefined || r.pipeline === file)) return r;
  }
  return undefined;
}

/** The last run of `file` recorded in `store`, with its state; undefined when the file never ran there. */
export function lastRunOf(store: Store, records: readonly JournalRecord[], file: string): RecordedRun | undefined {
  const start = lastRunStart(records, file);
  if (start === undefined) return undefined;
  const end = records.find((r): r is Extract<JournalRecord, { t: 'run-end' }> => r.t === 'run-end' && r.run === start.run);
  const base = { id: start.run, time: start.time, pipeline: start.pipeline, command: start.command, options: start.options };
  if (end !== undefined) return { ...base, state: 'ended', exitCode: end.exitCode };
  return { ...base, state: lockHeldByLiveProcess(store.lockPath)?.pid === start.pid ? 'running' : 'stopped' };
}
