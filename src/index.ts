/** The library API (the engine with nnU-Net's stage kinds): every CLI command is a thin layer over these functions. */
import './app.js';
export { runPipeline, resumePipeline, defaultStore, type RunOptions, type RunResult } from './engine/api/run.js';
export { getStatus, explainKey, type PipelineStatus, type KeyExplanation, type StatusOptions } from './engine/api/status.js';
export type { InstanceStatus, InstanceState } from './engine/log/instance-status.js';
export type { RunView } from './engine/api/run-view.js';
export type { RecordedRun } from './engine/api/last-run.js';
export { gc, type GcResult } from './engine/api/gc.js';
export { verify, type VerifyResult, type VerifiedObject, type VerifyOptions } from './engine/api/verify.js';
export { watch, type WatchOptions } from './engine/api/watch.js';
export { loadPipeline } from './engine/config/load-pipeline.js';
export { PipelineError, type Diagnostic } from './engine/config/diagnostics.js';
export { StoreBusyError } from './engine/cache/lock.js';
export type { Pipeline, StageConfig } from './engine/config/types.js';
export type { Logger } from './engine/log/logger.js';
export type { StageKey, FileDigest } from './engine/cache/brands.js';
export type { KeyMaterial, KeyChange } from './engine/cache/key.js';
