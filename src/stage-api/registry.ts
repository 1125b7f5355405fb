/**
 * The stage kinds a pipeline may name with `uses: <kind>`. The engine asks this registry; it never
 * imports a kind itself. An application registers its kinds once at start-up (`src/app.ts` registers
 * nnU-Net's, from `nnunet/stages/index.ts`), as a map from kind to a lazy loader, so a `status` imports
 * only the kinds a pipeline uses. It also names the script that runs one kind in a child process.
 *
 * A kind module must stay cheap to import (no native addon load at import time): the engine imports
 * it at validation time to read `version`, `withSchema` and `inputs`.
 *
 * Extra kinds can be plugged in without editing any table: `PIPE_STAGE_MODULES` is a list of module
 * paths (separated by `:`), each default-exporting a BuiltinStage or an array of them.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { BuiltinStage } from './types.js';

/** Kind -> loader of its module's stage. */
export type StageKinds = Readonly<Record<string, () => Promise<BuiltinStage>>>;

let registered: StageKinds = {};
let childScript: string | undefined;
let extra: Promise<Map<string, BuiltinStage>> | undefined;

/**
 * Registers the application's kinds and the script that runs one of them in a child process
 * (`node <childScript>` with PIPE_CONTEXT; see `child.ts`). Later calls replace earlier ones.
 */
export function registerStageKinds(kinds: StageKinds, options: { readonly childScript: string }): void {
  registered = kinds;
  childScript = options.childScript;
}

/** The script that runs a built-in kind in a child process. */
export function stageChildScript(): string {
  if (childScript === undefined)
    throw new Error('Internal error: no stage kinds registered (import src/app.ts before running a pipeline)');
  return childScript;
}

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
  return [...new Set([...Object.keys(registered), ...(await extra).keys()])].sort();
}

/** The stage for `kind`, or undefined when no such kind exists. */
export async function loadBuiltin(kind: string): Promise<BuiltinStage | undefined> {
  extra ??= extraStages();
  const plugged = (await extra).get(kind);
  if (plugged !== undefined) return plugged;
  const loader = Object.hasOwn(registered, kind) ? registered[kind] : undefined;
  return loader === undefined ? undefined : loader();
}
