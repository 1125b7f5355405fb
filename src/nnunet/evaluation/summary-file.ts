/**
 * summary.json on disk: written exactly like batchgenerators' `save_json` (indent 4, sort_keys,
 * bare NaN tokens, per-case "Total Positives" as ints), atomically; read back with NaN support and
 * a structural check whose errors name the file and the field.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';

import { parsePythonJson } from './python-json-parse.js';
import { pythonJsonDumps } from './python-json.js';
import { labelKeys, summaryPythonTree } from './summary.js';
import { METRIC_NAMES } from './types.js';
import type { SummaryJson } from './types.js';

/** The file's text: `json.dump(summary, f, sort_keys=True, indent=4)` (no trailing newline). */
export function serializeSummary(summary: SummaryJson): string {
  return pythonJsonDumps(summaryPythonTree(summary), { indent: 4, sortKeys: true });
}

/** Writes summary.json via a temporary file + rename, so a failure never leaves half a file. */
export async function writeSummaryJson(path: string, summary: SummaryJson): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, serializeSummary(summary), 'utf8');
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

const describe = (v: unknown): string =>
  `${v === null ? 'null' : typeof v === 'object' ? (Array.isArray(v) ? 'array' : 'object') : JSON.stringify(v)} (${Array.isArray(v) ? 'array' : typeof v})`;

function expectObject(v: unknown, field: string, source: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new Error(`Expected an object for ${field} in ${source} but received ${describe(v)}`);
  }
  return v as Record<string, unknown>;
}

function expectString(v: unknown, field: string, source: string): string {
  if (typeof v !== 'string') throw new Error(`Expected a string for ${field} in ${source} but received ${describe(v)}`);
  return v;
}

function checkLabelMetrics(v: unknown, field: string, source: string): void {
  const m = expectObject(v, field, source);
  for (const name of METRIC_NAMES) {
    if (typeof m[name] !== 'number') {
      throw new Error(`Expected a number for ${field}["${name}"] in ${source} but received ${describe(m[name])}`);
    }
  }
}

/** Checks that a parsed value has the reference's summary.json structure; returns it typed. */
export function checkSummary(value: unknown, source = 'summary.json'): SummaryJson {
  const root = expectObject(value, 'the top level', source);
  for (const key of ['author', 'description', 'id', 'name', 'task', 'timestamp']) {
    expectString(root[key], key, source);
  }
  const results = expectObject(root['results'], 'results', source);
  const all = results['all'];
  if (!Array.isArray(all)) throw new Error(`Expected an array for results.all in ${source} but received ${describe(all)}`);
  all.forEach((entry: unknown, i) => {
    const c = expectObject(entry, `results.all[${i}]`, source);
    expectString(c['test'], `results.all[${i}].test`, source);
    expectString(c['reference'], `results.all[${i}].reference`, source);
    for (const label of labelKeys(c)) {
      if (!/^\d+$/.test(label)) throw new Error(`Expected label ids as keys of results.all[${i}] in ${source} but received "${label}"`);
      checkLabelMetrics(c[label], `results.all[${i}]["${label}"]`, source);
    }
  });
  const mean = expectObject(results['mean'], 'results.mean', source);
  for (const label of labelKeys(mean)) checkLabelMetrics(mean[label], `results.mean["${label}"]`, source);
  return value as SummaryJson;
}

/** Reads and checks a summary.json (ours or the reference's). */
export async function readSummaryJson(path: string): Promise<SummaryJson> {
  const text = await readFile(path, 'utf8');
  return checkSummary(parsePythonJson(text, path), path);
}
