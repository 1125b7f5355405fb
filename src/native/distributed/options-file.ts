// Training options travel to the rank processes as one JSON file; the class locations (Int32Array) are written as
// tagged arrays and restored on the rank's side.
import { readFileSync, writeFileSync } from 'node:fs';

import type { TrainOptions } from '../addon/index.js';

const TAG = '__int32__';

export function writeOptionsFile(path: string, options: TrainOptions): void {
  const json = JSON.stringify(options, (_key, value: unknown) =>
    value instanceof Int32Array ? { [TAG]: Array.from(value) } : value,
  );
  writeFileSync(path, json);
}

export function readOptionsFile(path: string): TrainOptions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the training options file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && TAG in value) {
      const list = (value as Record<string, unknown>)[TAG];
      if (!Array.isArray(list)) throw new Error(`${path}: malformed ${TAG} entry`);
      return Int32Array.from(list as number[]);
    }
    return value;
  }) as TrainOptions;
}
