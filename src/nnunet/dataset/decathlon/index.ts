/** MSD task folders: dataset.json, conversion, integrity checks, and the converted manifest. */
export { convertDecathlon, type ConvertOptions, type ConvertResult } from './convert.js';
export { parseDatasetJson, caseIdOf, type DecathlonDatasetJson, type TrainingEntry, type TestEntry } from './dataset-json.js';
export { DatasetError } from './errors.js';
export type { CaseRecord } from './inspect-case.js';
export {
  loadConvertedDataset,
  CASES_FILE,
  DATASET_FILE,
  type ConvertedCases,
  type ConvertedDataset,
  type ConvertedDatasetJson,
} from './manifest.js';
export { readCase, type CaseVolumes } from './read-case.js';
export { geometryOf, geometryDifferences, axisCodes, type VolumeGeometry } from './geometry.js';
