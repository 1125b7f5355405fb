/** Load + validate in one call: file path -> Pipeline, or a PipelineError with located diagnostics. */
import { resolve } from 'node:path';
import { readPipelineFile } from './load.js';
import type { Pipeline } from './types.js';
import { validatePipeline, type ValidateOptions } from './validate.js';

export async function loadPipeline(file: string, options: ValidateOptions = {}): Promise<Pipeline> {
  return validatePipeline(readPipelineFile(resolve(file)), options);
}
