/**
 * The compiled validator of schemas/pipeline.schema.json. Compiling with ajv costs ~150 ms per CLI
 * start, so the first compile also writes ajv's standalone code to
 * `node_modules/.cache/pipe/pipeline-schema-<sha>.cjs` (keyed by schema text, options and ajv version); later starts
 * evaluate that file and never load the ajv compiler. Any cache problem falls back to compiling.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ErrorObject } from 'ajv';
import { sha256Hex } from '../../util/hash.js';
import { packageRoot } from '../../util/package-root.js';

export interface SchemaCheck {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const SCHEMA_FILE = join(packageRoot(), 'schemas', 'pipeline.schema.json');
const CACHE_DIR = join(packageRoot(), 'node_modules', '.cache', 'pipe');
const require = createRequire(import.meta.url);
/** verbose: errors carry parentSchema (for listing allowed keys). Part of the cache name. */
const AJV_OPTIONS = { allErrors: true, strict: false, verbose: true } as const;

let compiled: SchemaCheck | undefined;

function evaluate(code: string): SchemaCheck {
  const module = { exports: {} as Record<string, unknown> };
  // our own generated code, from our own schema (ajv standalone output cached on disk)
  new Function('require', 'module', 'exports', code)(require, module, module.exports);
  const fn = (module.exports['default'] ?? module.exports) as SchemaCheck;
  if (typeof fn !== 'function') throw new Error('Internal error: cached validator has no function export');
  return fn;
}

export async function pipelineSchemaValidator(): Promise<SchemaCheck> {
  if (compiled) return compiled;
  const text = readFileSync(SCHEMA_FILE, 'utf8');
  const ajvVersion = (require('ajv/package.json') as { version: string }).version;
  const cacheFile = join(CACHE_DIR, `pipeline-schema-${sha256Hex(text + JSON.stringify(AJV_OPTIONS) + ajvVersion).slice(0, 16)}.cjs`);
  try {
    compiled = evaluate(readFileSync(cacheFile, 'utf8'));
    return compiled;
  } catch {
    /* not cached yet */
  }
  const { Ajv2020 } = await import('ajv/dist/2020.js');
  type Gen = (ajv: unknown, fn: unknown) => string;
  const mod = (await import('ajv/dist/standalone/index.js')) as unknown as { default: Gen | { default: Gen } };
  const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true } });
  const fn = ajv.compile(JSON.parse(text) as object);
  compiled = fn as SchemaCheck;
  try {
    const gen: Gen = typeof mod.default === 'function' ? mod.default : mod.default.default;
    const code = gen(ajv, fn);
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileSync(`${cacheFile}.${process.pid}`, code);
    const { renameSync } = await import('node:fs');
    renameSync(`${cacheFile}.${process.pid}`, cacheFile);
  } catch {
    /* read-only install: compile every time */
  }
  return compiled;
}
