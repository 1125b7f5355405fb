/**
 * The gate between a parsed file and a `Pipeline`: JSON Schema (ajv) first, then the semantic checks
 * a schema cannot express (run xor uses, unknown needs, cycles, references, matrix axis mismatches,
 * built-in `with` against the kind's schema). Every problem is a located diagnostic; all of them are
 * collected before throwing one PipelineError.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { findCycle } from '../dag/cycle.js';
import { knownKinds, loadBuiltin } from '../../stage-api/registry.js';
import type { DeviceKind, MatrixValue } from '../../stage-api/types.js';
import { compileWithSchema } from '../../stage-api/with-schema.js';
import { suggestion } from '../../util/did-you-mean.js';
import { parseDuration } from '../../util/duration.js';
import { PipelineError, type Diagnostic } from './diagnostics.js';
import { lookupParam, scanRefs, soleRef, substitute, valueText, type Ref } from './interpolate.js';
import type { RawDocument } from './load.js';
import { applyOverrides } from './overrides.js';
import { schemaDiagnostics } from './schema-errors.js';
import { pipelineSchemaValidator } from './schema-validator.js';
import { storeDir } from './store-location.js';
import { executorConfig, slurmResources, type RawExecutor } from './executor-config.js';
import { matrixAxisValues, matrixCombinations, type RawMatrixAxis } from './matrix-axes.js';
import type { Pipeline, StageConfig, StageId, SourceSpan } from './types.js';

interface RawStage {
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
  needs?: string[];
  matrix?: Record<string, RawMatrixAxis>;
  resources?: { devices?: number | string; device?: DeviceKind | string; keyed?: boolean; nodes?: number; time?: string | number; memory?: string; partition?: string };
  inputs?: string[];
  outputs?: string[];
  retry?: number;
  timeout?: number | string;
}

interface RawPipeline {
  name?: string;
  project?: string;
  cache?: string;
  params?: Record<string, unknown>;
  executor?: RawExecutor;
  stages: Record<string, RawStage>;
}

export interface ValidateOptions {
  /** `--set params.x=v` overrides. */
  readonly overrides?: readonly string[];
  /** Environment (for PIPE_CACHE); default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export async function validatePipeline(doc: RawDocument, options: ValidateOptions = {}): Promise<Pipeline> {
  const texts = new Map([[doc.file, doc.text]]);
  const fail = (diagnostics: Diagnostic[]): never => {
    throw new PipelineError(diagnostics, texts);
  };
  const validate = await pipelineSchemaValidator();
  if (!validate(doc.value)) {
    // An empty list means only run-xor-uses (oneOf) failed: the semantic checks below say it better.
    const diagnostics = schemaDiagnostics(validate.errors ?? [], doc, doc.value);
    if (diagnostics.length > 0) fail(diagnostics);
  }
  const raw = doc.value as RawPipeline;
  const errors: Diagnostic[] = [];
  const at = (path: ReadonlyArray<string | number>, key = false): SourceSpan => doc.spanOf(path, key);
  const error = (message: string, path: ReadonlyArray<string | number>, key = false): void => {
    errors.push({ message, span: at(path, key) });
  };

  const { params, errors: overrideErrors } = applyOverrides(raw.params ?? {}, options.overrides ?? []);
  errors.push(...overrideErrors);

  const projectDir = resolve(dirname(doc.file), raw.project ?? '.');
  if (raw.project !== undefined && !existsSync(projectDir)) {
    error(`project directory ${projectDir} does not exist (project is relative to the pipeline file)`, ['project']);
  }
  const env = options.env ?? process.env;
  const store = storeDir(projectDir, raw.cache, env);

  const ids = Object.keys(raw.stages);
  // Every stage's axes first: the axis check below compares a stage's values with its upstreams'.
  const matrices = new Map<string, [string, MatrixValue[]][]>();
  for (const id of ids) {
    const axes: [string, MatrixValue[]][] = [];
    for (const [axis, rawAxis] of Object.entries(raw.stages[id]?.matrix ?? {})) {
      const r = matrixAxisValues(axis, rawAxis, params);
      // An axis in error stays declared (no instances), so that its ${matrix.*} references are not reported too.
      if ('problem' in r) error(r.problem, ['stages', id, 'matrix', axis]);
      axes.push([axis, 'problem' in r ? [] : r.values]);
    }
    matrices.set(id, axes);
  }
  const kinds = await knownKinds();
  const stages = new Map<StageId, StageConfig>();

  for (const id of ids) {
    const s = raw.stages[id] ?? {};
    const base = ['stages', id];
    if (s.run !== undefined && s.uses !== undefined) error(`stage "${id}" has both run and uses: expected exactly one of them`, [...base, 'uses'], true);
    if (s.run === undefined && s.uses === undefined) error(`stage "${id}" has neither run nor uses: expected a shell command (run) or a built-in kind (uses)`, base, true);
    if (s.run !== undefined && s.with !== undefined) error(`"with" is only for built-in stages (uses); a run stage takes parameters as \${params.*} in its command`, [...base, 'with'], true);
    const needs = s.needs ?? [];
    needs.forEach((n, i) => {
      if (n === id) error(`stage "${id}" cannot need itself`, [...base, 'needs', i]);
      else if (!Object.hasOwn(raw.stages, n)) error(`unknown stage "${n}" in needs of "${id}": expected one of ${ids.filter((x) => x !== id).join(', ')}${suggestion(n, ids)}`, [...base, 'needs', i]);
    });
    const matrix = matrices.get(id) ?? [];

    // References in run, inputs, outputs and with.
    const checkRefs = (text: string, path: ReadonlyArray<string | number>, where: 'run' | 'with' | 'inputs' | 'outputs'): void => {
      const { tokens, errors: refErrors } = scanRefs(text);
      const span = at(path);
      const precise = (raw: string): SourceSpan => {
        const idx = doc.text.slice(span.start, span.end).indexOf(raw);
        return idx === -1 ? span : { file: span.file, start: span.start + idx, end: span.start + idx + raw.length };
      };
      for (const e of refErrors) errors.push({ message: `${e.message} (in ${base.join('.')}.${where})`, span: precise(text.slice(e.start, e.end)) });
      for (const t of tokens) {
        const problem = refProblem(t.ref, where);
        if (problem !== undefined) errors.push({ message: problem, span: precise(t.raw) });
      }
    };
    const refProblem = (ref: Ref, where: string): string | undefined => {
      switch (ref.kind) {
        case 'params':
          if (lookupParam(params, ref.path) === undefined) {
            const known = Object.keys(params);
            return `unknown param "params.${ref.path.join('.')}": ${known.length ? `expected one of ${known.map((k) => `params.${k}`).join(', ')}` : 'the pipeline defines no params'}${suggestion(ref.path[0] ?? '', known)}`;
          }
          return undefined;
        case 'matrix':
          if (!matrix.some(([a]) => a === ref.axis)) {
            const axes = matrix.map(([a]) => a);
            return `stage "${id}" has no matrix axis "${ref.axis}": ${axes.length ? `expected one of ${axes.join(', ')}` : 'it declares no matrix'}${suggestion(ref.axis, axes)}`;
          }
          return undefined;
        case 'out':
          return where === 'inputs' ? `\${out} cannot be an input: inputs are files the stage reads` : undefined;
        case 'stage-out':
          if (where === 'inputs') return `\${stages.${ref.stage}.out} cannot be an input: upstream outputs reach the key through the upstream's key; list "${ref.stage}" in needs`;
          if (!Object.hasOwn(raw.stages, ref.stage)) return `unknown stage "${ref.stage}" in \${stages.${ref.stage}.out}: expected one of ${ids.join(', ')}${suggestion(ref.stage, ids)}`;
          if (!needs.includes(ref.stage)) return `\${stages.${ref.stage}.out} refers to "${ref.stage}", which is not in needs of "${id}": add it to needs`;
          return undefined;
        case 'resources':
          return where === 'inputs' ? `\${resources.${ref.field}} cannot be part of an input path` : undefined;
      }
    };
    if (s.run !== undefined) checkRefs(s.run, [...base, 'run'], 'run');
    (s.inputs ?? []).forEach((p, i) => checkRefs(p, [...base, 'inputs', i], 'inputs'));
    (s.outputs ?? []).forEach((p, i) => checkRefs(p, [...base, 'outputs', i], 'outputs'));
    const walkWith = (v: unknown, path: (string | number)[]): void => {
      if (typeof v === 'string') checkRefs(v, path, 'with');
      else if (Array.isArray(v)) v.forEach((x, i) => walkWith(x, [...path, i]));
      else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walkWith(x, [...path, k]);
    };
    walkWith(s.with ?? {}, [...base, 'with']);

    // Matrix axes shared with an upstream must match instance by instance.
    for (const n of needs) {
      const up = raw.stages[n];
      if (up === undefined || n === id) continue;
      const upAxes = new Map(matrices.get(n) ?? []);
      for (const [axis, values] of matrix) {
        const upValues = upAxes.get(axis);
        if (upValues === undefined) continue;
        const missing = values.filter((v) => !upValues.includes(v));
        if (missing.length > 0) {
          error(`matrix axis mismatch: ${id}[${axis}=${JSON.stringify(missing[0])}] has no matching instance of "${n}" (${n}'s ${axis} values: ${upValues.map((v) => JSON.stringify(v)).join(', ')})`, [...base, 'matrix', axis]);
        }
      }
    }

    // Built-in kinds: known, and `with` valid for every instance.
    if (s.uses !== undefined) {
      const stage = await loadBuiltin(s.uses);
      if (stage === undefined) {
        error(`unknown stage kind "${s.uses}": expected one of ${kinds.length ? kinds.join(', ') : '(no built-in kinds are registered)'}${suggestion(s.uses, kinds)}`, [...base, 'uses']);
      } else {
        const check = await compileWithSchema(stage.withSchema);
        const seen = new Set<string>();
        for (const combo of matrixCombinations(matrix)) {
          const resolved = resolveWithForCheck(s.with ?? {}, params, combo);
          if (!check(resolved)) {
            for (const d of schemaDiagnostics(check.errors ?? [], doc, resolved, [...base, 'with'])) {
              if (!seen.has(d.message)) errors.push(d);
              seen.add(d.message);
            }
          }
        }
      }
    }

    // resources.devices / resources.device may be one `${params.x}` reference (so `--set params.devices=2` works).
    const resource = (field: 'devices' | 'device'): unknown => {
      const v = s.resources?.[field];
      if (typeof v !== 'string') return v;
      const ref = soleRef(v);
      if (ref === undefined || ref.kind !== 'params') {
        if (field === 'device' && ['cpu', 'cuda', 'npu'].includes(v)) return v;
        error(`resources.${field}: expected ${field === 'devices' ? 'an integer' : 'cpu, cuda or npu'} or one \${params.*} reference but received "${v}"`, [...base, 'resources', field]);
        return undefined;
      }
      const value = lookupParam(params, ref.path);
      const ok = field === 'devices' ? Number.isInteger(value) && (value as number) >= 0 : ['cpu', 'cuda', 'npu'].includes(value as string);
      if (!ok) error(`resources.${field}: ${v} is ${JSON.stringify(value)}; expected ${field === 'devices' ? 'an integer >= 0' : 'cpu, cuda or npu'}`, [...base, 'resources', field]);
      return ok ? value : undefined;
    };
    const devicesValue = resource('devices') as number | undefined;
    const deviceValue = resource('device') as DeviceKind | undefined;
    const nodes = s.resources?.nodes ?? 1;
    if (nodes > 1 && (devicesValue === undefined || devicesValue % nodes !== 0 || devicesValue < nodes)) {
      error(`resources.nodes: ${nodes} nodes need a device count that they share evenly (the ranks are spread N/nodes per node) but devices is ${devicesValue ?? 0}`, [...base, 'resources', 'nodes']);
    }
    const timeoutMs = s.timeout === undefined ? undefined : parseDuration(s.timeout);
    stages.set(id as StageId, {
      id: id as StageId,
      ...(s.run !== undefined ? { run: s.run } : {}),
      ...(s.uses !== undefined ? { uses: s.uses } : {}),
      with: s.with ?? {},
      needs: needs as StageId[],
      matrix,
      resources: { devices: devicesValue ?? 0, keyed: s.resources?.keyed ?? false, ...(deviceValue ? { device: deviceValue } : {}), ...slurmResources(s.resources ?? {}) },
      inputs: s.inputs ?? [],
      outputs: s.outputs ?? [],
      retry: s.retry ?? 0,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
  }

  const cycle = findCycle(Object.fromEntries(ids.map((id) => [id, (raw.stages[id]?.needs ?? []).filter((n) => Object.hasOwn(raw.stages, n))])));
  if (cycle !== undefined && cycle.length > 1) {
    const [a, b] = cycle;
    const idx = (raw.stages[a ?? '']?.needs ?? []).indexOf(b ?? '');
    error(`cycle in needs: ${cycle.join(' -> ')}`, ['stages', a ?? '', 'needs', idx]);
  }

  if (errors.length > 0) fail(errors);
  return {
    name: raw.name ?? basename(doc.file).replace(/\.ya?ml$/, ''),
    file: doc.file,
    projectDir,
    store,
    params,
    stages,
    executor: executorConfig(raw.executor),
    overrides: [...(options.overrides ?? [])],
    spanOf: doc.spanOf,
    text: doc.text,
  };
}

/** `with` with params and matrix values substituted; paths replaced by a placeholder (for checking). */
function resolveWithForCheck(value: unknown, params: Readonly<Record<string, unknown>>, matrix: Readonly<Record<string, MatrixValue>>): unknown {
  return resolveValue(value, (ref) => {
    if (ref.kind === 'params') return { value: lookupParam(params, ref.path) };
    if (ref.kind === 'matrix') return { value: matrix[ref.axis] };
    if (ref.kind === 'resources') return { value: ref.field === 'devices' ? 1 : 'cpu' };
    return { value: '/pipe/placeholder' };
  });
}

/**
 * Resolves references inside a `with` value. A string that is exactly one reference takes the
 * referenced value with its type; references inside longer strings are written as text. The
 * resolver returns `null` to keep a reference symbolic.
 */
export function resolveValue(value: unknown, resolver: (ref: Ref) => { value: unknown } | null): unknown {
  if (typeof value === 'string') {
    const { tokens } = scanRefs(value);
    const only = tokens[0];
    if (tokens.length === 1 && only !== undefined && only.start === 0 && only.end === value.length) {
      const r = resolver(only.ref);
      return r === null ? value : r.value;
    }
    return substitute(value, (ref) => {
      const r = resolver(ref);
      return r === null ? null : valueText(r.value);
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, resolver));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(v, resolver)]));
  }
  return value;
}
