/**
 * convert_decathlon's work: validate an MSD task folder, split 4D multi-modal images into channel
 * files, check integrity (optional), and write the manifest (see manifest.ts). Never modifies the
 * input folder. All problems are gathered and thrown together as one DatasetError.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import pLimit from 'p-limit';
import { estimateCaseBytes, formatGb } from './case-memory.js';
import { dataSizeProblems } from './data-size-check.js';
import { MemoryBudget } from './memory-budget.js';
import { memoryBudget } from '../../../util/machine-memory.js';
import { parseDatasetJson, type DecathlonDatasetJson } from './dataset-json.js';
import { DatasetError } from './errors.js';
import { inspectCase, type CaseEntry, type CaseRecord } from './inspect-case.js';
import { CASES_FILE, DATASET_FILE, type ConvertedCases, type ConvertedDatasetJson } from './manifest.js';
import { discardSavedCases, loadSavedCase, moveSplitFiles, saveCase, splitDir } from './resume.js';
import { isDirectory, isFile, listNiftiFiles, resolveImageFiles, resolveListed } from './task-folder.js';

export interface ConvertOptions {
  /** Run nnU-Net's integrity checks (reads every training voxel). Default true. */
  readonly verify?: boolean;
  /** Cases inspected at once (each holds one image and its label in memory). Default 2. */
  readonly workers?: number;
  /**
   * Voxel memory the cases checked at once may hold together, in GiB. A case waits for room, one above
   * a worker's share runs alone; a case that needs more than the whole budget is reported as a
   * problem. Default (undefined or null): what the machine offers less a margin (util/machine-memory.ts).
   */
  readonly memoryGb?: number | null;
  /** The stage's id, for the refusal's advice (default `convert`). */
  readonly stage?: string;
  readonly compressionLevel?: number;
  /**
   * A folder that survives a killed run (the stage's ctx.work): finished cases are saved there and
   * skipped on the next run; split files are staged there and moved to `outDir` at the end.
   */
  readonly workDir?: string;
  readonly onCase?: (done: number, total: number, id: string) => void;
  readonly log?: (message: string) => void;
  readonly signal?: AbortSignal;
}

export interface ConvertResult {
  readonly dataset: ConvertedDatasetJson;
  readonly cases: ConvertedCases;
  /** Non-fatal findings (orientation differences, naming). */
  readonly warnings: string[];
  /** Channel files written by splitting 4D images. */
  readonly splitFiles: number;
  /** Cases taken from an interrupted run's work folder. */
  readonly resumed: number;
}

export async function convertDecathlon(taskDirIn: string, outDir: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  const taskDir = resolve(taskDirIn);
  const verify = options.verify ?? true;
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    options.log?.(`warning: ${m}`);
  };

  const dataset = await readTask(taskDir);
  if (!/^Task[0-9]{2}_/.test(basename(taskDir))) {
    warn(`folder name ${basename(taskDir)} does not follow MSD's Task<2 digits>_<name> rule (nnU-Net v1 would refuse it)`);
  }
  const channels = Object.keys(dataset.modality).length;
  const labels = new Set(Object.keys(dataset.labels).map(Number));
  const labelNames = Object.entries(dataset.labels)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

  // Listed files, resolved inside the task folder.
  const problems: string[] = [];
  const entries: CaseEntry[] = [];
  const inside = (listed: string, what: string, id: string): string | undefined => {
    const abs = resolveListed(taskDir, listed);
    if (!abs) problems.push(`${id}: ${what} path ${listed} points outside the task folder`);
    return abs;
  };
  for (const t of dataset.training) {
    const image = inside(t.image, 'image', t.id);
    const label = inside(t.label, 'label', t.id);
    if (image && label) entries.push({ id: t.id, image, label, split: 'imagesTr' });
  }
  for (const t of dataset.test) {
    const image = inside(t.image, 'image', t.id);
    if (image) entries.push({ id: t.id, image, split: 'imagesTs' });
  }
  problems.push(...(await findStragglers(taskDir, entries, channels)));

  // Cases, in parallel; every problem kept.
  const workers = Math.max(1, options.workers ?? 2);
  const limit = pLimit(workers);
  const choice = memoryBudget(options.memoryGb, workers);
  const budget = new MemoryBudget(choice.bytes, choice.share);
  const stageId = options.stage ?? 'convert';
  let done = 0;
  let resumed = 0;
  let overBudget = false;
  const work = options.workDir;
  const results = await Promise.all(
    entries.map((entry) =>
      limit(async () => {
        options.signal?.throwIfAborted();
        const saved = work ? await loadSavedCase(work, entry.id, verify) : undefined;
        if (saved) {
          resumed++;
          options.onCase?.(++done, entries.length, entry.id);
          return { record: saved, problems: [] };
        }
        // Voxels are read when verifying, and for 4D images (to split them).
        const found = await resolveImageFiles(entry.image, channels);
        const images = found.kind === 'single' ? [found.file] : found.kind === 'channels' ? found.files : [];
        const sizeProblems = await dataSizeProblems(entry.id, [
          ...images.map((file) => ({ role: 'image' as const, file })),
          ...(entry.label ? [{ role: 'label' as const, file: entry.label }] : []),
        ], taskDir);
        if (sizeProblems.length > 0) {
          options.onCase?.(++done, entries.length, entry.id);
          return { problems: sizeProblems };
        }
        const bytes = await estimateCaseBytes([...images, ...(entry.label ? [entry.label] : [])], (f) =>
          verify || (found.kind === 'single' && f === found.file && channels > 1),
        );
        if (!budget.fits(bytes)) {
          overBudget = true;
          options.onCase?.(++done, entries.length, entry.id);
          return {
            problems: [
              `${entry.id}: needs about ${formatGb(bytes)} of voxel memory to check, more than memory_gb ` +
                `(${formatGb(budget.capacity)}); raise memory_gb or run with verify: false ` +
                `(either in the \`with:\` of stage \`${stageId}\`, e.g. with: {memory_gb: ${Math.ceil(bytes / 2 ** 30)}}; ` +
                `memory_gb: null, the default, takes the budget from the machine)`,
            ],
          };
        }
        const release = await budget.acquire(bytes);
        let r;
        try {
          r = await inspectCase(entry, {
            taskDir,
            outDir: work ? splitDir(work) : outDir,
            verify,
            channels,
            labels,
            labelNames,
            ...(options.compressionLevel !== undefined ? { compressionLevel: options.compressionLevel } : {}),
          });
        } finally {
          release();
        }
        if (work && r.record) await saveCase(work, r.record, verify);
        options.onCase?.(++done, entries.length, entry.id);
        return r;
      }),
    ),
  );
  for (const r of results) problems.push(...r.problems);
  if (problems.length > 0) {
    // The same input (the key holds its digest) fails the same way: the saved cases are never resumed.
    // Only memory_gb, which is not in the key, can make a rerun of this key pass: then they are kept.
    if (work && !overBudget) await discardSavedCases(work);
    throw new DatasetError(taskDir, problems);
  }
  if (resumed > 0) options.log?.(`resumed: ${resumed} of ${entries.length} cases were checked by an interrupted run`);
  if (work) await moveSplitFiles(work, outDir);

  const records = results.map((r) => r.record!);
  const byId = (a: CaseRecord, b: CaseRecord) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const training = records.filter((r) => r.label).sort(byId);
  const test = records.filter((r) => !r.label).sort(byId);

  const codes = new Map<string, string[]>();
  for (const r of training) codes.set(r.axisCodes, [...(codes.get(r.axisCodes) ?? []), r.id]);
  if (codes.size > 1) {
    const summary = [...codes].map(([c, ids]) => `${c}: ${ids.length} case(s), e.g. ${ids[0]}`).join('; ');
    warn(`training images have different orientations (${summary}); nnU-Net only warns about this`);
  }

  const converted: ConvertedDatasetJson = {
    name: dataset.name,
    description: dataset.description,
    tensorImageSize: dataset.tensorImageSize,
    modality: dataset.modality,
    labels: dataset.labels,
    numTraining: training.length,
    numTest: test.length,
    training: dataset.training.map((t) => ({ image: t.image, label: t.label })),
    test: dataset.test.map((t) => t.image),
    source: taskDir,
  };
  const cases: ConvertedCases = { version: 1, source: taskDir, verified: verify, training, test };
  await writeFile(join(outDir, DATASET_FILE), `${JSON.stringify(converted, null, 2)}\n`);
  await writeFile(join(outDir, CASES_FILE), `${JSON.stringify(cases, null, 1)}\n`);
  const splitFiles = records.reduce((n, r) => n + r.images.filter((p) => !isAbsolute(p)).length, 0);
  return { dataset: converted, cases, warnings, splitFiles, resumed };
}

/** Required layout + a valid dataset.json, or one DatasetError naming everything missing. */
async function readTask(taskDir: string): Promise<DecathlonDatasetJson> {
  if (!(await isDirectory(taskDir))) throw new DatasetError(taskDir, ['the task folder does not exist']);
  const problems: string[] = [];
  for (const sub of ['imagesTr', 'labelsTr']) {
    if (!(await isDirectory(join(taskDir, sub)))) problems.push(`${sub}/ is missing (an MSD task has imagesTr/, labelsTr/, imagesTs/)`);
  }
  const jsonPath = join(taskDir, 'dataset.json');
  let json: unknown;
  if (!(await isFile(jsonPath))) {
    problems.push('dataset.json is missing');
  } else {
    try {
      json = JSON.parse(await readFile(jsonPath, 'utf8'));
    } catch (error) {
      problems.push(`dataset.json is not valid JSON (${(error as Error).message})`);
    }
  }
  if (json !== undefined) {
    const parsed = parseDatasetJson(json);
    problems.push(...parsed.problems);
    if (problems.length === 0 && parsed.dataset) return parsed.dataset;
  }
  throw new DatasetError(taskDir, problems);
}

/** `.nii.gz` files in imagesTr/labelsTr/imagesTs that dataset.json does not account for. */
async function findStragglers(taskDir: string, entries: readonly CaseEntry[], channels: number): Promise<string[]> {
  const claimed = new Set<string>();
  for (const e of entries) {
    claimed.add(e.image);
    const stem = e.image.replace(/\.nii\.gz$/, '');
    for (let c = 0; c < channels; c++) claimed.add(`${stem}_${String(c).padStart(4, '0')}.nii.gz`);
    if (e.label) claimed.add(e.label);
  }
  const out: string[] = [];
  for (const sub of ['imagesTr', 'labelsTr', 'imagesTs']) {
    for (const file of await listNiftiFiles(join(taskDir, sub))) {
      if (!claimed.has(file)) out.push(`straggler: ${relative(taskDir, file)} is not listed in dataset.json`);
    }
  }
  return out;
}
