/**
 * `uses: train`: trains one fold of a preprocess upstream with the native UNet++ runtime (see
 * src/nnunet/training/). `with.mode` picks a real run (train), a throughput measurement (fps) or an
 * iteration trace (profile). Needs an upstream of kind `preprocess`.
 */
import { exactlyOne } from './needs-rules.js';
import { upstreamOfKind } from './upstream.js';
import { runFps, runProfile } from '../training/perf.js';
import { runTraining } from '../training/run-training.js';
import { trainSetup } from '../training/setup.js';
import { trainWithSchema, type TrainWith } from '../training/with.js';
import { nativeRuntimeIdentity } from '../../native/addon/runtime-identity.js';
import type { BuiltinStage, StageContext } from '../../stage-api/types.js';

const stage: BuiltinStage<TrainWith> = {
  kind: 'train',
  version: '2',
  runtime: nativeRuntimeIdentity,
  withSchema: trainWithSchema,
  checkNeeds: exactlyOne('preprocess'),
  // Batches are keyed by (seed, rank, iteration), not by the thread that made them. channels_last is a memory
  // layout (CPU: ignored, bit for bit; CUDA: other cuDNN kernels, as autotuning picks), so keys stay as they were.
  executionOnly: ['loader_threads', 'channels_last'],
  async run(ctx: StageContext<TrainWith>): Promise<void> {
    const w = ctx.with;
    const setup = await trainSetup(ctx, w, upstreamOfKind(ctx, 'preprocess').out);
    if (w.mode === 'fps') return runFps(ctx, w, setup);
    if (w.mode === 'profile') return runProfile(ctx, w, setup);
    return runTraining(ctx, w, setup);
  },
};

export default stage;
