/**
 * The run journal: `<store>/journal.jsonl`, append-only JSON lines. State changes are fsync'd before
 * the engine acts on them; progress lines are not (losing the last few is harmless). A torn last line
 * (a crash while appending) is ignored on read and repaired before the next append (torn-tail.ts),
 * so a new record never lands glued to it.
 */
import { readFileSync } from 'node:fs';
import type { StageKey } from './brands.js';
import { appendDurable } from '../../util/fs.js';
import { repairTornTail, type TailRepair } from './torn-tail.js';
import type { Progress } from '../../stage-api/types.js';

/** What a later `pipe resume` needs to repeat a run. */
export interface RunOptionsRecord {
  readonly targets: readonly string[];
  readonly overrides: readonly string[];
  readonly jobs?: number;
  readonly devices?: readonly string[];
  readonly deviceKind?: string;
  readonly keepGoing?: boolean;
  /** `--executor` given on the command line. */
  readonly executor?: 'local' | 'slurm';
}

/** Where a run happened (recorded, never part of a key). */
export interface Provenance {
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpus: number;
  /** `nvidia-smi -L` lines. */
  readonly gpus: readonly string[];
}

export type Outcome = 'ran' | 'cached' | 'failed' | 'skipped' | 'interrupted';

/**
 * A `Failure` (log/events.ts) as an instance-end record keeps it. The journal stores it without reading it, so
 * only its key is named here (the cache layer sits below log/); `error` beside it keeps the rendered text that
 * older journals have alone.
 */
export interface RecordedFailure {
  readonly reason: string;
}

export type JournalRecord =
  | { readonly t: 'run-start'; readonly run: string; readonly time: string; readonly pipeline: string; /** The pipeline's `name` (its identity across copies of the file); absent in older journals. */ readonly name?: string; readonly pid: number; readonly pidStart?: string; readonly host: string; readonly command: string; readonly options: RunOptionsRecord; readonly provenance?: Provenance }
  | { readonly t: 'run-end'; readonly run: string; readonly time: string; readonly exitCode: number }
  | { readonly t: 'instance-start'; readonly run: string; readonly time: string; readonly stage: string; readonly key: StageKey; readonly attempt: number; readonly pid: number; readonly pidStart?: string; readonly devices: readonly string[]; readonly deviceKind: string; readonly port?: number; readonly log: string; readonly resume: boolean; readonly jobId?: string; readonly out?: string; readonly context?: string }
  | { readonly t: 'progress'; readonly run: string; readonly time: string; readonly stage: string; readonly key: StageKey; readonly progress: Progress }
  | { readonly t: 'metrics'; readonly run: string; readonly time: string; readonly stage: string; readonly key: StageKey; readonly metrics: Readonly<Record<string, number | string>> }
  | { readonly t: 'instance-end'; readonly run: string; readonly time: string; readonly stage: string; readonly key: StageKey; readonly outcome: Outcome; readonly attempts?: number; readonly exitCode?: number | null; readonly signal?: string | null; readonly error?: string; readonly failure?: RecordedFailure; readonly log?: string; readonly durationMs?: number; readonly pipeline?: string };

/**
 * A run-end torn exactly at its closing brace lost nothing: `JSON.stringify` writes exitCode last.
 * Only codes that are no prefix of another are taken (0 and three digits: 130, 143, 129, 137); a cut
 * leaving `1` could be 1 or 130, and that run is left for the sweep to close.
 */
const COMPLETABLE = /^\{"t":"run-end","run":"[^"\\]+","time":"[^"\\]+","exitCode":(?:0|\d{3})$/;

export class Journal {
  readonly path: string;
  constructor(path: string) {
    this.path = path;
  }
  append(record: JournalRecord): void {
    // One byte read per append: a runner that died mid-append may have been any of the writers.
    this.repairTail();
    // Progress and cache hits are not worth an fsync each: losing the last few changes nothing.
    const sync = record.t !== 'progress' && !(record.t === 'instance-end' && record.outcome === 'cached');
    appendDurable(this.path, `${JSON.stringify(record)}\n`, sync);
  }
  /**
   * Ends a torn last line (see torn-tail.ts); what it did, or undefined when the journal was whole.
   * Only a writer calls it (the lock holder, or a watchdog whose runner is gone).
   */
  repairTail(): TailRepair | undefined {
    return repairTornTail(this.path, COMPLETABLE);
  }
  read(): JournalRecord[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return [];
    }
    const out: JournalRecord[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        out.push(JSON.parse(line) as JournalRecord);
      } catch {
        /* a torn line from a crash mid-append */
      }
    }
    return out;
  }
}
