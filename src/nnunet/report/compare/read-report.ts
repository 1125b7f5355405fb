/**
 * Reads a report stage's report.json for a comparison, checking the fields the comparison uses (the
 * per-label summary, the folds' per-case Dice and training figures), each failure naming the file
 * and the field. Returns only those fields. A report of variants (report.json with `variants`) holds one report
 * per variant, each read from its own folder.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new Error(`${file}: cannot read (${(cause as Error).message})`, { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new Error(`${file}: ${(cause as Error).message}`, { cause });
  }
}

function checked<T>(file: string, check: () => T): T {
  try {
    return check();
  } catch (cause) {
    throw new Error(`${file}: ${(cause as Error).message}`, { cause });
  }
}

export async function readComparedReport(file: string): Promise<ComparedReport> {
  const value = await readJson(file);
  return checked(file, () => checkComparedReport(value));
}

/** One report of a report output: the variant's name ('' for a report without variants) and its figures. */
export interface VariantReport {
  readonly variant: string;
  readonly report: ComparedReport;
}

/** The reports in a report.json: itself, or (a report of variants) each variant's, in its order. */
export async function readReportVariants(file: string): Promise<VariantReport[]> {
  const value = await readJson(file);
  const variants = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)['variants'] : undefined;
  if (variants === undefined) return [{ variant: '', report: checked(file, () => checkComparedReport(value)) }];
  const list = checked(file, () => arr(variants, 'variants').map((v, i) => {
    const o = obj(v, `variants[${i}]`);
    return { name: str(o['name'], `variants[${i}].name`), dir: str(o['dir'], `variants[${i}].dir`) };
  }));
  return Promise.all(list.map(async (v) => ({ variant: v.name, report: await readComparedReport(join(dirname(file), v.dir, 'report.json')) })));
}
