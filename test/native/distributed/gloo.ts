// Whether the built addon can run the CPU multi-rank tests: they need c10d's Gloo process group, which pip LibTorch
// wheels do not ship (their builds probe "c10d Gloo: 0"). Those tests skip with this reason instead of failing.
import type { RuntimeInfo } from '../../../src/native/addon/index.js';

/** Why the Gloo tests cannot run on this build, or undefined when they can. */
export function glooSkipReason(info: Pick<RuntimeInfo, 'c10dGloo' | 'torchVersion'>): string | undefined {
  if (info.c10dGloo) return undefined;
  return (
    `this native build (LibTorch ${info.torchVersion}) has no c10d Gloo process group ` +
    '(pip LibTorch wheels ship no Gloo headers; the build probe prints "c10d Gloo: 0"): CPU multi-rank tests skipped'
  );
}
