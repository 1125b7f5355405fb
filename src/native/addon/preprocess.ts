// The preprocessing kernels of the native addon (native/src/binding/preprocess_binding.cc), typed, through the one
// loader (load.ts): OMP_WAIT_POLICY and the composed "Could not load the pipe native runtime" error apply here too.
// Arguments are checked again in C++ (binding/args.h), which throws a TypeError naming the argument.
import { loadAddon } from './load.js';
import type { PreprocessNative } from './native.js';

export function loadPreprocessNative(): PreprocessNative {
  return loadAddon();
}
