/**
 * What a fold trains and validates on, read from a preprocess output folder (plans.json,
 * splits.json, cases/<id>.*): the plan's configuration and the fold's train/val case ids.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plans, StagePlan } from '../plans/types.js';

export interface FoldData {
  /** The preprocess output folder. */
  readonly dir: string;
  readonly plans: Plans;
  readonly stage: StagePlan;
  readonly train: readonly string[];
  readonly val: readonly string[];
}

async function readJson(file: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (cause) {
    throw new Error(`${file}: cannot read the ${what} (${(cause as Error).message})`, { cause });
  }
}

export async function readPlans(dir: string): Promise<Plans> {
  return (await readJson(join(dir, 'plans.json'), 'plan')) as Plans;
}

export async function readFoldData(dir: string, fold: number, configuration = '3d_fullres'): Promise<FoldData> {
  const plans = await readPlans(dir);
  const stage = (plans.configurations as Record<string, StagePlan | undefined>)[configuration];
  if (stage === undefined) {
    throw new Error(`${join(dir, 'plans.json')}: no configuration ${configuration} (available: ${Object.keys(plans.configurations).join(', ')})`);
  }
  const splitsFile = join(dir, 'splits.json');
  const splits = await readJson(splitsFile, 'cross-validation splits');
  if (!Array.isArray(splits)) throw new Error(`${splitsFile}: expected an array of {train, val} folds`);
  const split = splits[fold] as { train?: unknown; val?: unknown } | undefined;
  if (split === undefined) {
    throw new Error(`fold ${fold} does not exist: ${splitsFile} holds ${splits.length} folds (0..${splits.length - 1})`);
  }
  const ids = (v: unknown, name: string): string[] => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${splitsFile}: fold ${fold}.${name} is not a list of case ids`);
    return v as string[];
  };
  const train = ids(split.train, 'train');
  const val = ids(split.val, 'val');
  if (train.length === 0) throw new Error(`${splitsFile}: fold ${fold} has no training cases`);
  return { dir, plans, stage, train, val };
}
