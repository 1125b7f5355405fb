// The channels_last training option (issue 12 item 1): auto by default (core TrainOptions owns it), one of
// off | on | auto, a bad value refused naming the field. The CPU path ignores it: `train_digest_bench channels_last=on`
// prints the default's digest (783bc1a609d24097 on Debian's LibTorch 1.13).
import { describe, expect, it } from 'vitest';

import { addonAvailable, defaultTrainOptions, resolveTrainOptions } from '../../src/native/addon/index.js';
import type { NetworkPlan, TrainOptions } from '../../src/native/addon/index.js';

const network: NetworkPlan = {
  inChannels: 1,
  numClasses: 3,
  baseFeatures: 4,
  maxFeatures: 8,
  poolKernels: [[2, 2, 2], [2, 2, 2]],
  convKernels: [[3, 3, 3], [3, 3, 3], [3, 3, 3]],
};
const base = { network, trainCases: [{ id: 'a', dataPath: 'a', segPath: 'b' }], outDir: '/tmp', patchSize: [16, 16, 16] };

describe.runIf(addonAvailable() || Boolean(process.env['CI']))('channelsLast training option', () => {
  it('defaults to auto from core and passes on | off through', () => {
    expect(defaultTrainOptions().channelsLast).toBe('auto');
    expect(resolveTrainOptions(base as TrainOptions).channelsLast).toBe('auto');
    expect(resolveTrainOptions({ ...base, channelsLast: 'on' } as TrainOptions).channelsLast).toBe('on');
    expect(resolveTrainOptions({ ...base, channelsLast: 'off' } as TrainOptions).channelsLast).toBe('off');
  });
  it('refuses another value, naming the field', () => {
    expect(() => resolveTrainOptions({ ...base, channelsLast: 'yes' } as unknown as TrainOptions)).toThrow(
      /for channelsLast but received "yes"/,
    );
  });
});
