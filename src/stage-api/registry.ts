/**
 * Built-in stage kinds (`uses: <kind>`): a map from kind to a lazy loader, so the engine imports a
 * kind's module (and whatever it pulls in) only when a pipeline uses it. To add a kind, add one line:
 *
 *     train: async () => (await import('../nnunet/stages/train.js')).trainStage,
 *
 * A kind module must stay cheap to import (no native addon load at import time): the engine imports
 * it at validation time to read `version`, `withSchema` and `inputs`.
 *
 * Extra kinds can be plugged in without editing this file: `PIPE_STAGE_MODULES` is a list of module
 * paths (separated by `:`), each default-exporting a BuiltinStage or an array of them.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { BuiltinStage } from './types.js';

const load = (loader: () => Promise<{ default: BuiltinStage }>) => async () => (await loader()).default;

export const builtinStages: Record<string, () => Promise<BuiltinStage>> = {
  synthesize_decathlon: load(() => import('../nnunet/stages/synthesize-decathlon.js')),
  convert_decathlon: load(() => import('../nnunet/stages/convert-decathlon.js')),
  plan: load(() => import('../nnunet/stages/plan.js')),
  preprocess: load(() => import('../nnunet/stages/preprocess.js')),
  train: load(() => import('../nnunet/stages/train.js')),
  validate: load(() => import('../nnunet/stages/validate.js')),
  report: load(() => import('../nnunet/stages/report.js')),
  predict: load(() => import('../nnunet/stages/predict.js')),
  determine_postprocessing: load(() => import('../nnunet/stages/determine-postprocessing.js')),
};

let extra: Promise<Map<string, BuiltinStage>> | undefined;

async function extraStages(): Promise<Map<string, BuiltinStage>> {
  const spec = process.env['PIPE_STAGE_MODULES'];
  const found = new Map<string, BuiltinStage>();
  if (spec === undefined || spec === '') return found;
  for (const path of spec.split(':').filter((p) => p !== '')) {
    const mod = (await import(pathToFileURL(resolve(path)).href)) as { default?: BuiltinStage | BuiltinStage[] };
    const list = Array.isArray(mod.default) ? mod.default : mod.default ? [mod.default] : [];
    for (const stage of list) found.set(stage.kind, stage);
  }
  return found;
}

/** Every known kind, sorted. */
export async function knownKinds(): Promise<string[]> {
  extra ??= extraStages();
  return [...new Set([...Object.keys(builtinStages), ...(await extra).keys()])].sort();
}

/** The stage for `kind`, or undefined when no such kind exists. */
export async function loadBuiltin(kind: string): Promise<BuiltinStage | undefined> {
  extra ??= extraStages();
  const plugged = (await extra).get(kind);
  if (plugged !== undefined) return plugged;
  const loader = Object.hasOwn(builtinStages, kind) ? builtinStages[kind] : undefined;
  return loader === undefined ? undefined : loader();
}
