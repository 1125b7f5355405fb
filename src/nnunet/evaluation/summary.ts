/**
 * Builds the reference's `summary.json` (nnU-Net v1 `aggregate_scores`) from per-case confusion
 * counts: 13 metrics per label per case, nan-means per label, the header fields and the `id`
 * (md5 of Python's `json.dumps` of the dict before `id`, in the reference's insertion order).
 * Serialisation and file I/O live in summary-file.ts.
 */
import { createHash } from 'node:crypto';

import { labelMetrics } from './metrics.js';
import { nanMean } from './nanmean.js';
import { pythonJsonDumps, pythonSorted } from './python-json.js';
import { pythonTimestamp } from './timestamp.js';
import { INTEGER_METRICS, METRIC_NAMES } from './types.js';
import type { CaseEvaluation, CaseMetrics, LabelMetrics, SummaryHeader, SummaryJson } from './types.js';

/** The reference's default author (`aggregate_scores(json_author="Fabian")`). */
export const REFERENCE_AUTHOR = 'Fabian';

/** Label ids of a per-case/mean object, in ascending numeric order (the reference's range(num_classes)). */
export function labelKeys(entry: object): string[] {
  return Object.keys(entry)
    .filter((k) => k !== 'test' && k !== 'reference')
    .sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** One label's metrics as an ordered dict; per-case integer metrics become Python ints. */
function metricsTree(metrics: LabelMetrics, intsAsInt: boolean): Map<string, number | bigint> {
  const tree = new Map<string, number | bigint>();
  for (const name of METRIC_NAMES) {
    const v = metrics[name];
    tree.set(name, intsAsInt && INTEGER_METRICS.has(name) && Number.isSafeInteger(v) ? BigInt(v) : v);
  }
  return tree;
}

/**
 * The summary as Python would hold it: ordered dicts (Maps) in the reference's insertion order
 * (name, description, timestamp, task, author, results[, id]) and Python ints where it has ints.
 */
export function summaryPythonTree(summary: Omit<SummaryJson, 'id'> & { id?: string }): Map<string, unknown> {
  const all = summary.results.all.map((c) => {
    const entry = new Map<string, unknown>();
    for (const label of labelKeys(c)) entry.set(label, metricsTree(c[label] as LabelMetrics, true));
    entry.set('test', c.test);
    entry.set('reference', c.reference);
    return entry;
  });
  const mean = new Map<string, unknown>();
  for (const label of labelKeys(summary.results.mean)) {
    mean.set(label, metricsTree(summary.results.mean[label]!, false));
  }
  const tree = new Map<string, unknown>([
    ['name', summary.name],
    ['description', summary.description],
    ['timestamp', summary.timestamp],
    ['task', summary.task],
    ['author', summary.author],
    [
      'results',
      new Map<string, unknown>([
        ['all', all],
        ['mean', mean],
      ]),
    ],
  ]);
  if (summary.id !== undefined) tree.set('id', summary.id);
  return tree;
}

/** `hashlib.md5(json.dumps(json_dict).encode("utf-8")).hexdigest()[:12]` of the dict before `id`. */
export function summaryId(summary: Omit<SummaryJson, 'id'> & { id?: string }): string {
  const { id: _ignored, ...before } = summary;
  const text = pythonJsonDumps(summaryPythonTree(before));
  return createHash('md5').update(text, 'utf8').digest('hex').slice(0, 12);
}

/** Per-case metrics of one evaluated case, labels in the given order. */
export function caseMetrics(evaluation: CaseEvaluation, labels: readonly number[]): CaseMetrics {
  const entry: Record<string, LabelMetrics | string> = {};
  for (const label of labels) {
    const counts = evaluation.counts.get(label);
    if (counts === undefined) {
      throw new Error(`Expected confusion counts for label ${label} in case ${evaluation.id} but received none`);
    }
    entry[String(label)] = labelMetrics(counts);
  }
  entry['test'] = evaluation.test;
  entry['reference'] = evaluation.reference;
  return entry as CaseMetrics;
}

/** `results.mean`: per label, `float(np.nanmean(...))` of every metric over the cases. */
export function meanMetrics(all: readonly CaseMetrics[]): Record<string, LabelMetrics> {
  const mean: Record<string, LabelMetrics> = {};
  const first = all[0];
  if (first === undefined) return mean;
  for (const label of labelKeys(first)) {
    const m = {} as Record<(typeof METRIC_NAMES)[number], number>;
    for (const name of METRIC_NAMES) {
      m[name] = nanMean(
        all.map((c, i) => {
          const lm = c[label];
          if (typeof lm !== 'object') throw new Error(`Expected label ${label} in results.all[${i}] but received none`);
          return lm[name];
        }),
      );
    }
    mean[label] = m;
  }
  return mean;
}

/**
 * The whole summary for one fold's validation. Cases are ordered by id (Python string order), as
 * the reference iterates its sorted validation keys; `labels` defaults to every label seen, ascending.
 */
/** Case id from a prediction path: `/…/liver_3.nii.gz` -> `liver_3`. */
export function caseIdFromPath(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.replace(/\.nii(\.gz)?$|\.nrrd$|\.mha$/i, '');
}

/**
 * One summary over the cases of several (e.g. every fold's validation), from their `results.all` entries as
 * they are: the same as buildSummary over all those cases, without evaluating any prediction again.
 */
export function mergeSummaries(header: SummaryHeader, summaries: readonly SummaryJson[]): SummaryJson {
  const byId = new Map<string, CaseMetrics>();
  for (const entry of summaries.flatMap((s) => s.results.all)) {
    const id = caseIdFromPath(entry.test);
    if (byId.has(id)) throw new Error(`Expected unique case ids but received ${id} twice`);
    byId.set(id, entry);
  }
  const all = pythonSorted(byId.keys()).map((id) => byId.get(id)!);
  const before = {
    name: header.name,
    description: header.description ?? '',
    timestamp: header.timestamp ?? pythonTimestamp(),
    task: header.task,
    author: header.author ?? REFERENCE_AUTHOR,
    results: { all, mean: meanMetrics(all) },
  };
  return { ...before, id: summaryId(before) };
}

export function buildSummary(
  header: SummaryHeader,
  cases: readonly CaseEvaluation[],
  labels?: readonly number[],
): SummaryJson {
  const ids = new Set<string>();
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`Expected unique case ids but received ${c.id} twice`);
    ids.add(c.id);
  }
  const evaluated =
    labels ?? [...new Set(cases.flatMap((c) => [...c.counts.keys()]))].sort((a, b) => a - b);
  const byId = new Map(cases.map((c) => [c.id, c]));
  const all = pythonSorted(byId.keys()).map((id) => caseMetrics(byId.get(id)!, evaluated));
  const before = {
    name: header.name,
    description: header.description ?? '',
    timestamp: header.timestamp ?? pythonTimestamp(),
    task: header.task,
    author: header.author ?? REFERENCE_AUTHOR,
    results: { all, mean: meanMetrics(all) },
  };
  return { ...before, id: summaryId(before) };
}
