/**
 * Key resolution: instances -> keys (a KeyedPipeline). Resolves each instance's key material in topological order (upstream
 * keys first), digesting declared inputs through the memo. Pure with respect to the store: it reads
 * the digest memo but writes nothing, so `status` and `--dry-run` can use it.
 */
import { existsSync } from 'node:fs';
import { relative, isAbsolute, resolve } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { PipelineError, type Diagnostic } from '../config/diagnostics.js';
import { lookupParam, scanRefs, substitute, valueText, type Ref } from '../config/interpolate.js';
import type { Pipeline, StageId } from '../config/types.js';
import { resolveValue } from '../config/validate.js';
import { compileWithSchema } from '../../stage-api/with-schema.js';
import { expandInstances, type Instance, type InstanceGraph } from './instances.js';
import { unknownStageMessage } from './unknown-stage.js';
import { withUpstream } from '../dag/select.js';
import type { FileDigest, StageKey } from '../cache/brands.js';
import type { DigestMemo } from '../cache/digests.js';
import { stageKey, KEY_SCHEMA, type KeyMaterial } from '../cache/key.js';
import { expandInput, InputWalkError } from '../cache/glob.js';
import { loadBuiltin } from '../../stage-api/registry.js';
import type { BuiltinStage, PlannedUpstream, StageRuntime } from '../../stage-api/types.js';

export interface KeyedInstance extends Instance {
  readonly key: StageKey;
  readonly material: KeyMaterial;
  /** The built-in kind, for `uses:` stages. */
  readonly builtin?: BuiltinStage;
}

export interface KeyedPipeline {
  readonly pipeline: Pipeline;
  readonly graph: InstanceGraph;
  /** Selected instances (targets and what they need), topological order. */
  readonly instances: readonly KeyedInstance[];
  readonly byName: ReadonlyMap<string, KeyedInstance>;
}

/** Params referenced anywhere in a stage (dotted path -> value). */
function referencedParams(pipeline: Pipeline, texts: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const t of texts) {
    for (const tok of scanRefs(t).tokens) {
      if (tok.ref.kind === 'params') out[tok.ref.path.join('.')] = lookupParam(pipeline.params, tok.ref.path);
    }
  }
  return out;
}

function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}

/** Key-time resolution: params and matrix become values, everything else stays symbolic. */
export function keyResolver(pipeline: Pipeline, inst: Instance): (ref: Ref) => { value: unknown } | null {
  return (ref) => {
    if (ref.kind === 'params') return { value: lookupParam(pipeline.params, ref.path) };
    if (ref.kind === 'matrix') return { value: inst.matrix[ref.axis] };
    return null;
  };
}

function textOf(r: { value: unknown } | null): string | null {
  return r === null ? null : valueText(r.value);
}

/** Resolves the target list (stage ids or instance names) to instance names. */
function selectTargets(graph: InstanceGraph, targets: readonly string[]): Set<string> | undefined {
  if (targets.length === 0) return undefined;
  const names: string[] = [];
  const errors: Diagnostic[] = [];
  for (const t of targets) {
    const stage = graph.byStage.get(t as StageId);
    if (stage !== undefined) names.push(...stage.map((i) => i.name));
    else if (graph.byName.has(t)) names.push(t);
    else errors.push({ message: unknownStageMessage(t, graph) });
  }
  if (errors.length > 0) throw new PipelineError(errors);
  const deps = Object.fromEntries(graph.instances.map((i) => [i.name, i.needs]));
  return withUpstream(deps, names);
}

export async function resolveKeys(pipeline: Pipeline, memo: DigestMemo, targets: readonly string[] = []): Promise<KeyedPipeline> {
  const graph = expandInstances(pipeline);
  const selected = selectTargets(graph, targets);
  const byName = new Map<string, KeyedInstance>();
  const validators = new Map<string, ValidateFunction>();
  const errors: Diagnostic[] = [];
  const texts = new Map([[pipeline.file, pipeline.text]]);
  const refused = new Set<StageId>();

  const digestInputs = async (entries: ReadonlyArray<{ path: string; where: (string | number)[] }>, into: Record<string, FileDigest>): Promise<void> => {
    for (const { path, where } of entries) {
      let files: string[];
      try {
        files = expandInput(path, pipeline.projectDir);
      } catch (error) {
        // A link loop or an unreadable folder below the input: the user's to fix, shown where the input is declared.
        if (!(error instanceof InputWalkError)) throw error;
        errors.push({ message: `input "${path}": ${error.path}: ${error.problem}`, span: pipeline.spanOf(where) });
        continue;
      }
      if (files.length === 0) {
        errors.push({ message: `input "${path}" matches no file (looked in ${resolve(pipeline.projectDir, path)})`, span: pipeline.spanOf(where) });
        continue;
      }
      for (const f of files) {
        const rel = relative(pipeline.projectDir, f);
        into[rel.startsWith('..') || isAbsolute(rel) ? f : rel] = await memo.digest(f);
      }
    }
  };

  for (const inst of graph.instances) {
    const s = inst.stage;
    const resolver = keyResolver(pipeline, inst);
    const inputs: Record<string, FileDigest> = {};
    await digestInputs(s.inputs.map((p, i) => ({ path: substitute(p, (ref) => textOf(resolver(ref))), where: ['stages', s.id, 'inputs', i] })), inputs);
    let builtin: BuiltinStage | undefined;
    let withResolved: unknown;
    if (s.uses !== undefined) {
      builtin = await loadBuiltin(s.uses);
      if (builtin === undefined) throw new Error(`Internal error: kind "${s.uses}" vanished after validation`);
      let check = validators.get(s.uses);
      if (check === undefined) validators.set(s.uses, (check = await compileWithSchema(builtin.withSchema)));
      withResolved = resolveValue(structuredClone(s.with), resolver);
      check(withResolved); // fills defaults; validity was checked at load time
      if (builtin.inputs) {
        const paths = builtin.inputs(withResolved as Record<string, unknown>, pipeline.projectDir);
        await digestInputs(paths.map((p) => ({ path: p, where: ['stages', s.id, 'with'] })), inputs);
      }
    }
    const runtime = builtin?.runtime === undefined ? undefined : await runtimeMaterial(builtin.runtime(), memo);
    const needs: Record<string, StageKey> = {};
    const planned: PlannedUpstream[] = [];
    for (const n of inst.needs) {
      const up = byName.get(n);
      if (up === undefined) throw new Error(`Internal error: upstream ${n} of ${inst.name} not planned before it`);
      needs[n] = up.key;
      planned.push({ stage: up.name, id: up.stage.id, kind: up.stage.uses ?? 'run', matrix: up.matrix });
    }
    // One diagnostic per stage: its instances share the cause (a missing matrix axis, a missing need).
    const problem = builtin?.checkNeeds?.({ name: inst.name, matrix: inst.matrix }, planned);
    if (problem !== undefined && !refused.has(s.id)) {
      refused.add(s.id);
      errors.push({ message: problem, span: pipeline.spanOf(['stages', s.id, s.needs.length > 0 ? 'needs' : 'uses']) });
    }
    const material: KeyMaterial = {
      schema: KEY_SCHEMA,
      stage: s.id,
      kind: s.uses ?? 'run',
      version: builtin?.version ?? '1',
      ...(s.run !== undefined ? { command: substitute(s.run, (ref) => textOf(resolver(ref))) } : {}),
      ...(s.uses !== undefined ? { with: withoutExecutionOnly(withResolved, builtin) } : {}),
      params: referencedParams(pipeline, [
        ...(s.run !== undefined ? [s.run] : []),
        ...stringsIn(withoutExecutionOnly(s.with, builtin)),
        ...s.inputs,
        ...s.outputs,
      ]),
      matrix: inst.matrix,
      needs,
      inputs,
      outputs: s.outputs.map((o) => substitute(o, (ref) => textOf(resolver(ref)))),
      ...(runtime !== undefined ? { runtime } : {}),
      ...(s.resources.keyed ? { devices: s.resources.devices } : {}),
    };
    byName.set(inst.name, { ...inst, key: stageKey(material), material, ...(builtin ? { builtin } : {}) });
  }
  if (errors.length > 0) throw new PipelineError(errors, texts);
  const instances = [...byName.values()].filter((i) => selected === undefined || selected.has(i.name));
  return { pipeline, graph, instances, byName };
}

/**
 * `with` as it enters the key: the fields a kind declares execution-only (worker counts, memory
 * budgets, thread counts) are left out, so changing them reruns nothing.
 */
function withoutExecutionOnly(value: unknown, builtin: BuiltinStage | undefined): unknown {
  const skip = builtin?.executionOnly;
  if (skip === undefined || skip.length === 0 || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([field]) => !skip.includes(field)));
}

/** A kind's runtime as key material: files by content digest (`missing` when absent), values as given. */
async function runtimeMaterial(runtime: StageRuntime, memo: DigestMemo): Promise<Record<string, string>> {
  const material: Record<string, string> = { ...runtime.values };
  for (const [name, path] of Object.entries(runtime.files ?? {})) material[name] = existsSync(path) ? await memo.digest(path) : 'missing';
  return material;
}
