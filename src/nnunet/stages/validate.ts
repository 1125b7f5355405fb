/**
 * `uses: validate`: predicts and evaluates a fold's validation cases (src/nnunet/validation/). Needs the
 * fold's train instance (same fold axis) and the preprocess instance it trained on (taken from the
 * needs, else from the train output's train.json).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { allOf, atMostOne, exactlyOne } from './needs-rules.js';
import { upstreamOfKind } from './upstream.js';
import { runValidation } from '../validation/validate-fold.js';
import { validateWithSchema, type InferenceWith } from '../inference/with.js';
import { nativeRuntimeIdentity } from '../../native/addon/runtime-identity.js';
import type { BuiltinStage, StageContext } from '../../stage-api/types.js';

const stage: BuiltinStage<InferenceWith> = {
  kind: 'validate',
  version: '3',
  runtime: nativeRuntimeIdentity,
  withSchema: validateWithSchema,
  // One fold of one variant: with a variant axis on train, validate needs it too.
  checkNeeds: allOf(exactlyOne('train'), atMostOne('preprocess')),
  async run(ctx: StageContext<InferenceWith>): Promise<void> {
    const train = upstreamOfKind(ctx, 'train');
    const info = JSON.parse(await readFile(join(train.out, 'train.json'), 'utf8').catch(() => {
      throw new Error(`${train.stage}: ${join(train.out, 'train.json')} is missing: validate needs a train instance run in mode train`);
    })) as { fold: number; preprocessed: string };
    const pre = ctx.needs.find((n) => n.kind === 'preprocess')?.out ?? info.preprocessed;
    await runValidation(ctx, ctx.with, { trainOut: train.out, preprocessDir: pre, fold: info.fold });
  },
};

export default stage;
