/**
 * `listRuns`: the runs of a pipeline recorded in its store's journal, newest first (run-history.ts),
 * each with the headline figures of its committed outputs that a stage kind can describe (the report
 * kind: mean Dice per label). Runs of a copy of the file elsewhere count as runs of the pipeline
 * when they carry its `name:`, as `pipe status` reads them. Read-only.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Journal } from '../cache/journal.js';
import { lockHeldByLiveProcess } from '../cache/lock.js';
import { Store } from '../cache/store.js';
import { readPipelineFile } from '../config/load.js';
import { pipelineStore } from '../config/store-location.js';
import { loadBuiltin } from '../../stage-api/registry.js';
import type { OutputAnalysis, OutputHeadline } from '../../stage-api/types.js';
import { runHistory, type RunEntry } from './run-history.js';

export interface RunsOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface RunHeadline extends OutputHeadline {
  /** The instance whose output it describes (`report`). */
  readonly stage: string;
}

export interface ListedRun extends RunEntry {
  /** Headlines of its committed outputs (empty when none of its kinds describes one, or they are gone). */
  readonly headlines: readonly RunHeadline[];
}

export interface RunListing {
  readonly pipeline: string;
  readonly name: string;
  readonly store: string;
  /** Newest first. */
  readonly runs: readonly ListedRun[];
}

/** The pipeline's `name:` as the loader defaults it, read without validating the file. */
export function pipelineName(file: string): string {
  const doc = readPipelineFile(resolve(file));
  const raw = doc.value !== null && typeof doc.value === 'object' ? (doc.value as { name?: unknown }) : {};
  return typeof raw.name === 'string' ? raw.name : basename(doc.file).replace(/\.ya?ml$/, '');
}

/** Every run recorded in `store`, oldest first. */
export function storeRuns(store: Store): RunEntry[] {
  const holder = lockHeldByLiveProcess(store.lockPath);
  return runHistory(new Journal(store.journalPath).read(), (start) => holder !== undefined && holder.pid === start.pid && holder.host === start.host);
}

/** The kind of a key as its material recorded it; undefined for shell stages and unrecorded keys. */
export function kindOf(store: Store, key: RunEntry['instances'][number]['key']): string | undefined {
  const kind = store.material(key)?.kind;
  return kind === undefined || kind === 'run' ? undefined : kind;
}

/** Loads each kind's analysis once. */
export class Analyses {
  readonly #loaded = new Map<string, Promise<OutputAnalysis | undefined>>();
  get(kind: string): Promise<OutputAnalysis | undefined> {
    let a = this.#loaded.get(kind);
    if (a === undefined) {
      a = loadBuiltin(kind).then((stage) => stage?.analysis?.());
      this.#loaded.set(kind, a);
    }
    return a;
  }
}

async function headlines(store: Store, run: RunEntry, analyses: Analyses): Promise<RunHeadline[]> {
  const out: RunHeadline[] = [];
  for (const inst of run.instances) {
    if (inst.outcome !== 'ran' && inst.outcome !== 'cached') continue;
    const kind = kindOf(store, inst.key);
    if (kind === undefined || store.committed(inst.key) === undefined) continue;
    const analysis = await analyses.get(kind);
    try {
      const h = await analysis?.headline(store.objectDir(inst.key));
      if (h !== undefined) out.push({ stage: inst.stage, ...h });
    } catch (error) {
      // One unreadable output must not hide the other runs: the line says what is wrong with it.
      out.push({ stage: inst.stage, text: `(no headline: ${(error as Error).message})`, values: {} });
    }
  }
  return out;
}

/** The last line a failed attempt wrote to its log, past the engine's own `# pipe:` header lines. */
export function lastLogLine(log: string): string | undefined {
  let text: string;
  try {
    const fd = openSync(log, 'r');
    try {
      const size = fstatSync(fd).size;
      const buffer = Buffer.alloc(Math.min(size, 8192));
      readSync(fd, buffer, 0, buffer.length, size - buffer.length);
      text = buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('# pipe:')).pop();
}

function withLogLines(run: RunEntry): RunEntry {
  if (run.counts.failed === 0) return run;
  return {
    ...run,
    instances: run.instances.map((i) => {
      const line = i.outcome === 'failed' && i.log !== undefined ? lastLogLine(i.log) : undefined;
      return line === undefined ? i : { ...i, logLine: line };
    }),
  };
}

export async function listRuns(file: string, options: RunsOptions = {}): Promise<RunListing> {
  const env = options.env ?? process.env;
  const located = pipelineStore(file, env);
  const name = pipelineName(located.file);
  const store = new Store(located.store);
  const analyses = new Analyses();
  const mine = storeRuns(store).filter((r) => r.pipeline === located.file || r.name === name).reverse();
  const runs = await Promise.all(mine.map(async (r) => ({ ...withLogLines(r), headlines: await headlines(store, r, analyses) })));
  return { pipeline: located.file, name, store: store.root, runs };
}
