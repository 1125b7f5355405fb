/**
 * nnU-Net's stage kinds, as pipelines name them (`uses: <kind>`), each loaded lazily. To add a kind,
 * add one line here: `kind: load(() => import('./kind.js'))`.
 */
import type { BuiltinStage } from '../../stage-api/types.js';
import type { StageKinds } from '../../stage-api/registry.js';

const load = (loader: () => Promise<{ default: BuiltinStage }>) => async () => (await loader()).default;

export const nnunetStageKinds: StageKinds = {
  synthesize_decathlon: load(() => import('./synthesize-decathlon.js')),
  convert_decathlon: load(() => import('./convert-decathlon.js')),
  plan: load(() => import('./plan.js')),
  preprocess: load(() => import('./preprocess.js')),
  train: load(() => import('./train.js')),
  validate: load(() => import('./validate.js')),
  report: load(() => import('./report.js')),
  predict: load(() => import('./predict.js')),
  determine_postprocessing: load(() => import('./determine-postprocessing.js')),
};
