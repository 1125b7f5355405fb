/**
 * MSD `dataset.json`: parsing and validation. nnU-Net v1 reads only `modality`, `labels`, `training`
 * and `test`; the rest (name, description, numTraining, ...) is kept for the record. Problems are
 * collected (not thrown one at a time) so a bad file is reported in full.
 */

export interface TrainingEntry {
  /** Case identifier: the image file name without `.nii.gz`. */
  readonly id: string;
  /** Paths as written in dataset.json, relative to the task folder (e.g. `./imagesTr/liver_0.nii.gz`). */
  readonly image: string;
  readonly label: string;
}

export interface TestEntry {
  readonly id: string;
  readonly image: string;
}

export interface DecathlonDatasetJson {
  readonly name: string;
  readonly description: string;
  readonly tensorImageSize: string;
  /** Channel index ("0", "1", ...) to modality name ("CT", "MRI", ...). */
  readonly modality: Readonly<Record<string, string>>;
  /** Label value ("0", "1", ...) to name. */
  readonly labels: Readonly<Record<string, string>>;
  readonly training: readonly TrainingEntry[];
  readonly test: readonly TestEntry[];
}

const NII_GZ = /\.nii\.gz$/;

/** The case id of a listed image path: `./imagesTr/liver_0.nii.gz` -> `liver_0`. */
export function caseIdOf(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.replace(NII_GZ, '').replace(/\.nii$/, '');
}

/** Validates parsed JSON; returns the dataset or the list of problems (`dataset.json: <field>: ...`). */
export function parseDatasetJson(json: unknown): { dataset?: DecathlonDatasetJson; problems: string[] } {
  const problems: string[] = [];
  const at = (field: string, msg: string) => problems.push(`dataset.json: ${field}: ${msg}`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { problems: ['dataset.json: expected a JSON object at the top level'] };
  }
  const o = json as Record<string, unknown>;

  const modality = indexMap(o.modality, 'modality', at, false);
  const labels = indexMap(o.labels, 'labels', at, true);
  if (labels && labels['0'] === undefined) at('labels', 'expected label "0" (background)');

  const training: TrainingEntry[] = [];
  if (!Array.isArray(o.training)) {
    at('training', `expected a list of {"image", "label"} but received ${describe(o.training)}`);
  } else {
    if (o.training.length === 0) at('training', 'expected at least one training case but the list is empty');
    o.training.forEach((entry, i) => {
      const e = entry as Record<string, unknown> | null;
      if (typeof e !== 'object' || e === null) return at(`training[${i}]`, `expected {"image", "label"} but received ${describe(entry)}`);
      const ok = (k: 'image' | 'label') => {
        const v = e[k];
        if (typeof v !== 'string' || !NII_GZ.test(v)) {
          at(`training[${i}].${k}`, `expected a path ending in .nii.gz but received ${describe(v)}`);
          return false;
        }
        return true;
      };
      const imageOk = ok('image');
      const labelOk = ok('label');
      if (imageOk && labelOk) {
        const image = e.image as string;
        const label = e.label as string;
        if (caseIdOf(image) !== caseIdOf(label)) {
          at(`training[${i}]`, `image ${image} and label ${label} name different cases`);
        }
        training.push({ id: caseIdOf(image), image, label });
      }
    });
  }
  const seen = new Map<string, number>();
  training.forEach((t, i) => {
    const first = seen.get(t.id);
    if (first !== undefined) at(`training[${i}]`, `duplicate case id ${t.id} (also training[${first}])`);
    else seen.set(t.id, i);
  });

  const test: TestEntry[] = [];
  if (o.test !== undefined) {
    if (!Array.isArray(o.test)) {
      at('test', `expected a list of image paths but received ${describe(o.test)}`);
    } else {
      o.test.forEach((entry, i) => {
        // Some tools write {"image": ...} objects instead of strings: accept both.
        const path = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>).image : entry;
        if (typeof path !== 'string' || !NII_GZ.test(path)) {
          return at(`test[${i}]`, `expected a path ending in .nii.gz but received ${describe(entry)}`);
        }
        const id = caseIdOf(path);
        if (seen.has(id) || test.some((t) => t.id === id)) at(`test[${i}]`, `duplicate case id ${id}`);
        test.push({ id, image: path });
      });
    }
  }

  if (problems.length > 0 || !modality || !labels) return { problems };
  return {
    dataset: {
      name: typeof o.name === 'string' ? o.name : '',
      description: typeof o.description === 'string' ? o.description : '',
      tensorImageSize: typeof o.tensorImageSize === 'string' ? o.tensorImageSize : '',
      modality,
      labels,
      training,
      test,
    },
    problems,
  };
}

/** A {"0": name, "1": name, ...} map: keys are non-negative integers; modality keys must be 0..n-1. */
function indexMap(
  value: unknown,
  field: string,
  at: (field: string, msg: string) => void,
  sparse: boolean,
): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    at(field, `expected an object like {"0": "..."} but received ${describe(value)}`);
    return undefined;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) {
    at(field, 'expected at least one entry but the object is empty');
    return undefined;
  }
  let ok = true;
  for (const [k, v] of entries) {
    if (!/^(0|[1-9][0-9]*)$/.test(k)) {
      at(`${field}["${k}"]`, 'expected a non-negative integer key');
      ok = false;
    }
    if (typeof v !== 'string') {
      at(`${field}["${k}"]`, `expected a name (string) but received ${describe(v)}`);
      ok = false;
    }
  }
  if (ok && !sparse) {
    const keys = entries.map(([k]) => Number(k)).sort((a, b) => a - b);
    if (keys.some((k, i) => k !== i)) {
      at(field, `expected keys 0..${keys.length - 1} but received ${JSON.stringify(entries.map(([k]) => k))}`);
      ok = false;
    }
  }
  return ok ? (Object.fromEntries(entries) as Record<string, string>) : undefined;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return `${s && s.length > 60 ? `${s.slice(0, 57)}...` : s} (${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v})`;
}
