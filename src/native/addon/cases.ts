// Case lists for training from the preprocessed layout: <dir>/cases/<id>.data.npy, <id>.seg.npy and the class
// locations stored in <id>.json (classLocations {"1": [[z,y,x], ...]}), passed to the runtime as Int32Arrays.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { NativeCase } from './native.js';

export async function casesFromPreprocessed(dir: string, ids: readonly string[]): Promise<NativeCase[]> {
  return Promise.all(
    ids.map(async (id) => {
      const base = join(dir, 'cases', id);
      const propsPath = `${base}.json`;
      let props: unknown;
      try {
        props = JSON.parse(await readFile(propsPath, 'utf8'));
      } catch (error) {
        throw new Error(`${propsPath}: cannot read the case properties of ${id}`, { cause: error });
      }
      const locations = (props as { classLocations?: unknown }).classLocations;
      const classLocations: Record<string, Int32Array> = {};
      if (locations !== undefined) {
        if (typeof locations !== 'object' || locations === null)
          throw new TypeError(`${propsPath}: Expected an object for classLocations`);
        for (const [cls, points] of Object.entries(locations)) {
          if (!Array.isArray(points)) throw new TypeError(`${propsPath}: Expected an array for classLocations.${cls}`);
          const flat = new Int32Array(points.length * 3);
          points.forEach((p: unknown, i) => {
            if (!Array.isArray(p) || p.length !== 3 || !p.every((v) => Number.isInteger(v)))
              throw new TypeError(`${propsPath}: Expected [z, y, x] integers for classLocations.${cls}[${i}]`);
            flat.set(p as number[], i * 3);
          });
          classLocations[cls] = flat;
        }
      }
      const c: NativeCase = { id, dataPath: `${base}.data.npy`, segPath: `${base}.seg.npy` };
      if (locations !== undefined) c.classLocations = classLocations;
      return c;
    }),
  );
}
