/**
 * Reads what convert_decathlon wrote (its output folder): `dataset.json` (modality, labels) and
 * `cases.json` ({ training: [{ id, images: [channel files], label, ... }] }); relative paths are
 * relative to that folder. Only the fields below are used, so a hand-written cases.json of this
 * shape works too.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

export interface CaseSource {
  readonly id: string;
  /** Absolute channel image paths, in modality order. */
  readonly images: readonly string[];
  /** Absolute label path. */
  readonly label: string;
  /** Voxels per channel, when the manifest records the shape (convert's cases.json does); for memory budgeting. */
  readonly voxels?: number;
}

export interface DatasetSource {
  /** The convert output folder. */
  readonly dir: string;
  /** Modality name per channel, in channel order ("0", "1", ... keys of dataset.json `modality`). */
  readonly modalities: string[];
  /** Label names keyed by value (dataset.json `labels`). */
  readonly labels: Record<string, string>;
  /** Label values > 0. */
  readonly allClasses: number[];
  /** Training cases, sorted by id. */
  readonly cases: CaseSource[];
}

function fail(file: string, message: string): never {
  throw new Error(`${file}: ${message}`);
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new Error(`${file}: cannot read (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new Error(`${file}: not valid JSON (${(cause as Error).message})`, { cause });
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function loadDatasetSource(dir: string): Promise<DatasetSource> {
  const datasetFile = join(dir, 'dataset.json');
  const casesFile = join(dir, 'cases.json');
  const dataset = await readJson(datasetFile);
  if (!isRecord(dataset)) fail(datasetFile, 'expected an object');
  const modality = dataset['modality'];
  const labels = dataset['labels'];
  if (!isRecord(modality) || Object.keys(modality).length === 0) fail(datasetFile, 'expected a non-empty `modality` object');
  if (!isRecord(labels)) fail(datasetFile, 'expected a `labels` object');
  const modalityKeys = Object.keys(modality).map(Number).sort((a, b) => a - b);
  modalityKeys.forEach((k, i) => {
    if (k !== i) fail(datasetFile, `expected modality keys 0..${modalityKeys.length - 1} but received ${Object.keys(modality).join(', ')}`);
  });
  const labelValues = Object.keys(labels).map(Number);
  if (labelValues.some((v) => !Number.isInteger(v) || v < 0 || v > 127)) {
    fail(datasetFile, `expected integer label keys in 0..127 but received ${Object.keys(labels).join(', ')}`);
  }
  const cases = await readJson(casesFile);
  if (!isRecord(cases) || !Array.isArray(cases['training'])) fail(casesFile, 'expected an object with a `training` array');
  const abs = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  const training = (cases['training'] as unknown[]).map((c, i): CaseSource => {
    if (!isRecord(c) || typeof c['id'] !== 'string' || !Array.isArray(c['images']) || typeof c['label'] !== 'string') {
      fail(casesFile, `training[${i}]: expected { id: string, images: string[], label: string }`);
    }
    const images = (c['images'] as unknown[]).map((p) => {
      if (typeof p !== 'string') fail(casesFile, `training case ${String(c['id'])}: image paths must be strings`);
      return abs(p);
    });
    if (images.length !== modalityKeys.length) {
      fail(casesFile, `training case ${c['id']}: expected ${modalityKeys.length} channel file(s) but received ${images.length}`);
    }
    const shape = c['shape'];
    const voxels = Array.isArray(shape) && shape.every((v) => typeof v === 'number' && v > 0)
      ? (shape as number[]).reduce((p, v) => p * v, 1)
      : undefined;
    return { id: c['id'], images, label: abs(c['label']), ...(voxels !== undefined ? { voxels } : {}) };
  });
  const ids = training.map((c) => c.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup !== undefined) fail(casesFile, `case id ${dup} is listed twice`);
  training.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    dir,
    modalities: modalityKeys.map((k) => String(modality[String(k)])),
    labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
    allClasses: labelValues.filter((v) => v > 0).sort((a, b) => a - b),
    cases: training,
  };
}
