/**
 * Reads the report's inputs from disk: a training history JSON (NaN tokens allowed) and a fold's
 * summary.json. Errors name the file.
 */
import { readFile } from 'node:fs/promises';

import { parsePythonJson, readSummaryJson } from '../evaluation/index.js';
import { checkTrainingHistory } from '../training/history-format.js';
import type { FoldInput, TrainingHistory } from './types.js';

export async function readTrainingHistory(path: string): Promise<TrainingHistory> {
  const value = parsePythonJson(await readFile(path, 'utf8'), path);
  try {
    return checkTrainingHistory(value);
  } catch (err) {
    throw new Error(`${(err as Error).message} (in ${path})`, { cause: err });
  }
}

/** One fold from its summary.json and (optional) history file. */
export async function readFoldInput(fold: number, summaryPath: string, historyPath?: string): Promise<FoldInput> {
  const summary = await readSummaryJson(summaryPath);
  return historyPath === undefined ? { fold, summary } : { fold, summary, history: await readTrainingHistory(historyPath) };
}
