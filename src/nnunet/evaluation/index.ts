/** Public API of the evaluation layer: metrics and the reference's summary.json. */
export * from './types.js';
export { confusionCounts } from './confusion.js';
export { labelMetrics } from './metrics.js';
export { nanMean, pairwiseSum } from './nanmean.js';
export { pythonFloatRepr, pythonJsonDumps, pythonJsonString, pythonSorted } from './python-json.js';
export type { PythonDumpOptions } from './python-json.js';
export { parsePythonJson } from './python-json-parse.js';
export { pythonTimestamp } from './timestamp.js';
export { REFERENCE_AUTHOR, buildSummary, caseIdFromPath, caseMetrics, labelKeys, meanMetrics, mergeSummaries, summaryId, summaryPythonTree } from './summary.js';
export { checkSummary, readSummaryJson, serializeSummary, writeSummaryJson } from './summary-file.js';
export { evaluateFold } from './evaluate-fold.js';
export type { CaseToEvaluate } from './evaluate-fold.js';
