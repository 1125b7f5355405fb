// The Gloo-less build (pip LibTorch wheels) skips the CPU multi-rank tests with a reason instead of failing them:
// the addon reports which c10d process groups it was built with, and the skip reason names what is missing.
import { describe, expect, it } from 'vitest';

import { addonAvailable, runtimeInfo } from '../../../src/native/addon/index.js';
import { glooSkipReason } from './gloo.js';

describe('c10d process groups of the build', () => {
  it('a build without Gloo gets a skip reason naming it; a build with Gloo none', () => {
    const reason = glooSkipReason({ c10dGloo: false, torchVersion: '2.11.0' });
    expect(reason).toMatch(/no c10d Gloo process group/);
    expect(reason).toMatch(/LibTorch 2\.11\.0/);
    expect(glooSkipReason({ c10dGloo: true, torchVersion: '1.13.0' })).toBeUndefined();
  });

  it.runIf(addonAvailable())('the addon reports c10dGloo and c10dNccl', () => {
    const info = runtimeInfo();
    expect(typeof info.c10dGloo).toBe('boolean');
    expect(typeof info.c10dNccl).toBe('boolean');
    if (!info.builtWithCuda) expect(info.c10dNccl).toBe(false);
  });
});
