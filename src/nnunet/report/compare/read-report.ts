/**
 * Reads a report stage's report.json for a comparison, checking the fields the comparison uses (the
 * per-label summary, the folds' per-case Dice and training figures), each failure naming the file
 * and the field. Returns only those fields.
 */
import { readFile } from 'node:fs/promises';
import { fail, num, obj, str } from '../../../util/field-check.js';
import type { CaseDice, FoldReport, FoldTraining, LabelReport, Report } from '../types.js';

export type ComparedLabel = Pick<LabelReport, 'label' | 'name' | 'perFoldPercent' | 'meanPercent' | 'stdPercent'>;
export type ComparedTraining = Pick<FoldTraining, 'epochs' | 'wallSeconds' | 'samplesPerSecond'>;
export interface ComparedFold extends Pick<FoldReport, 'fold' | 'perCase'> {
  readonly training: ComparedTraining | null;
}

/** The part of report.json a comparison reads. */
export interface ComparedReport extends Pick<Report, 'pipeline' | 'task' | 'labels' | 'totalTrainingSeconds'> {
  readonly summary: readonly ComparedLabel[];
  readonly folds: readonly ComparedFold[];
}

const arr = (v: unknown, field: string): unknown[] => (Array.isArray(v) ? v : fail('an array', field, v));
/** A percentage or null (report.json writes NaN as null). */
const percentOrNull = (v: unknown, field: string): number | null => (v === null ? null : num(v, field));

function label(v: unknown, field: string): ComparedLabel {
  const o = obj(v, field);
  return {
    label: str(o['label'], `${field}.label`),
    name: str(o['name'], `${field}.name`),
    perFoldPercent: arr(o['perFoldPercent'], `${field}.perFoldPercent`).map((x, i) => percentOrNull(x, `${field}.perFoldPercent[${i}]`)),
    meanPercent: percentOrNull(o['meanPercent'], `${field}.meanPercent`),
    stdPercent: percentOrNull(o['stdPercent'], `${field}.stdPercent`),
  };
}

function caseDice(v: unknown, field: string): CaseDice {
  const o = obj(v, field);
  const dice = obj(o['dicePercent'], `${field}.dicePercent`);
  return {
    id: str(o['id'], `${field}.id`),
    dicePercent: Object.fromEntries(Object.entries(dice).map(([k, x]) => [k, percentOrNull(x, `${field}.dicePercent.${k}`)])),
  };
}

function training(v: unknown, field: string): ComparedTraining | null {
  if (v === null) return null;
  const o = obj(v, field);
  return { epochs: num(o['epochs'], `${field}.epochs`), wallSeconds: num(o['wallSeconds'], `${field}.wallSeconds`), samplesPerSecond: num(o['samplesPerSecond'], `${field}.samplesPerSecond`) };
}

function fold(v: unknown, field: string): ComparedFold {
  const o = obj(v, field);
  return {
    fold: num(o['fold'], `${field}.fold`),
    perCase: arr(o['perCase'], `${field}.perCase`).map((c, i) => caseDice(c, `${field}.perCase[${i}]`)),
    training: training(o['training'] ?? null, `${field}.training`),
  };
}

/** The checked fields of a parsed report.json. */
export function checkComparedReport(value: unknown): ComparedReport {
  const o = obj(value, 'report.json');
  const labels = obj(o['labels'], 'labels');
  return {
    pipeline: str(o['pipeline'], 'pipeline'),
    task: str(o['task'], 'task'),
    labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, str(v, `labels.${k}`)])),
    totalTrainingSeconds: num(o['totalTrainingSeconds'], 'totalTrainingSeconds'),
    summary: arr(o['summary'], 'summary').map((l, i) => label(l, `summary[${i}]`)),
    folds: arr(o['folds'], 'folds').map((f, i) => fold(f, `folds[${i}]`)),
  };
}

export async function readComparedReport(file: string): Promise<ComparedReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new Error(`${file}: cannot read (${(cause as Error).message})`, { cause });
  }
  try {
    return checkComparedReport(JSON.parse(text));
  } catch (cause) {
    throw new Error(`${file}: ${(cause as Error).message}`, { cause });
  }
}
