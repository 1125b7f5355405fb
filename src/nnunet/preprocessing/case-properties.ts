/** Reads a preprocessed case's properties file (cases/<id>.json). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaseProperties } from './case.js';

export async function readCaseProperties(preprocessDir: string, id: string): Promise<CaseProperties> {
  const file = join(preprocessDir, 'cases', `${id}.json`);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as CaseProperties;
  } catch (cause) {
    throw new Error(`${file}: cannot read the properties of case ${id} (${(cause as Error).message})`, { cause });
  }
}

/** Task name and label names of a preprocess output (its dataset.json, written by convert_decathlon). */
export async function readTaskInfo(preprocessDir: string): Promise<{ task: string; labels: Record<string, string> }> {
  const file = join(preprocessDir, 'dataset.json');
  let d: { name?: string; source?: string; labels?: Record<string, string> };
  try {
    d = JSON.parse(await readFile(file, 'utf8')) as typeof d;
  } catch (cause) {
    throw new Error(`${file}: cannot read the dataset description (${(cause as Error).message})`, { cause });
  }
  const task = d.source ? d.source.replace(/\/+$/, '').split('/').pop() ?? d.name ?? 'task' : d.name ?? 'task';
  return { task, labels: d.labels ?? {} };
}
