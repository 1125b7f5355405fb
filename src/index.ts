/** The library API: every CLI command is a thin layer over these functions. */
export { runPipeline, resumePipeline, defaultStore, type RunOptions, type RunResult } from './exec/run.js';
export { getStatus, explainKey, type PipelineStatus, type KeyExplanation, type StatusOptions } from './report/status-api.js';
export type { InstanceStatus, InstanceState } from './report/status.js';
export { gc, type GcResult } from './cache/gc.js';
export { watch, type WatchOptions } from './exec/watch.js';
export { loadPipeline } from './config/load-pipeline.js';
export { PipelineError, type Diagnostic } from './config/diagnostics.js';
export { StoreBusyError } from './cache/lock.js';
export type { Pipeline, StageConfig } from './config/types.js';
export type { Logger } from './report/logger.js';
export type { StageKey, FileDigest } from './cache/brands.js';
export type { KeyMaterial, KeyChange } from './cache/fingerprint.js';
