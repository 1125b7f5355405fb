/**
 * The native runtime's identity, for the cache keys of the kinds that compute with it: the built addon
 * (its file, digested by content by the engine) and the LibTorch it linked (version, CPU or CUDA), read
 * from `runtime.json`, which scripts/build-native.sh writes beside the addon. Reading it does not load
 * the addon, so `pipe status` stays fast.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { addonCandidates } from './load.js';

/** Build facts written beside the addon. */
interface RuntimeFile {
  readonly torchVersion?: string;
  readonly builtWithCuda?: boolean;
}

/** `files.addon`: the addon that will be loaded; `values.torch`: e.g. `1.13.1 cpu`, `2.11.0 cuda`. */
export function nativeRuntimeIdentity(): { files: Record<string, string>; values: Record<string, string> } {
  const addon = addonCandidates().find((path) => existsSync(path));
  if (addon === undefined) return { files: {}, values: { addon: 'not built', torch: 'unknown' } };
  let facts: RuntimeFile = {};
  try {
    facts = JSON.parse(readFileSync(join(dirname(addon), 'runtime.json'), 'utf8')) as RuntimeFile;
  } catch {
    // an addon built without the script (PIPE_NATIVE_ADDON): its digest still identifies it
  }
  const torch = facts.torchVersion === undefined ? 'unknown' : `${facts.torchVersion} ${facts.builtWithCuda === true ? 'cuda' : 'cpu'}`;
  return { files: { addon }, values: { torch } };
}
