import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { confusionCounts } from '../../../src/nnunet/evaluation/confusion.js';
import { evaluateFold } from '../../../src/nnunet/evaluation/evaluate-fold.js';
import { buildSummary, mergeSummaries, summaryId } from '../../../src/nnunet/evaluation/summary.js';
import { readSummaryJson, serializeSummary, writeSummaryJson } from '../../../src/nnunet/evaluation/summary-file.js';
import type { CaseEvaluation, LabelMap } from '../../../src/nnunet/evaluation/types.js';
import { hasPython, runPython } from './python-helper.js';

const LABELS = [0, 1, 2];
const HEADER = {
  name: 'nnUNetPlusPlusTrainerV2 val tiled True',
  description: '',
  task: 'Task003_Liver',
  author: 'Fabian',
  timestamp: '2021-01-01 12:34:56.789000',
};

/** Small synthetic cases: a liver blob, sometimes a tumour, prediction = reference with noise. */
function makeCase(seed: number, tumourInRef: boolean, tumourInTest: boolean, int8: boolean) {
  const n = 6 * 7 * 8;
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const ref = new Uint8Array(n);
  const test = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const liver = i % 8 > 1 && i % 8 < 6 && Math.floor(i / 56) > 0;
    ref[i] = liver ? 1 : 0;
    test[i] = liver !== rand() < 0.1 ? 1 : 0;
  }
  if (tumourInRef) for (const i of [100, 101, 108, 109]) ref[i] = 2;
  if (tumourInTest) for (const i of [101, 109, 117]) test[i] = 2;
  const cast = (a: Uint8Array): LabelMap => (int8 ? Int8Array.from(a) : a);
  return { ref: cast(ref), test: cast(test) };
}

const CASES = [
  { id: 'liver_3', ...makeCase(1, true, true, false) },
  { id: 'liver_10', ...makeCase(2, false, false, false) }, // no tumour anywhere: tumour Dice NaN
  { id: 'liver_27', ...makeCase(3, true, false, true) }, // missed tumour: Dice 0, Precision NaN
  { id: 'liver_101', ...makeCase(4, false, true, false) }, // false-positive tumour: Recall NaN
];

let dir = '';
let evaluations: CaseEvaluation[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pipe-summary-'));
  evaluations = [];
  for (const c of CASES) {
    const testRaw = join(dir, `${c.id}.test.raw`);
    const referenceRaw = join(dir, `${c.id}.ref.raw`);
    await writeFile(testRaw, c.test);
    await writeFile(referenceRaw, c.ref);
    evaluations.push({
      id: c.id,
      test: `/abs/fold_0/validation_raw/${c.id}.nii.gz`,
      reference: `/abs/gt_segmentations/${c.id}.nii.gz`,
      counts: confusionCounts(c.test, c.ref, LABELS, c.id),
    });
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('buildSummary', () => {
  it('orders cases like Python sorted() and applies the NaN rules and nan-mean', () => {
    const s = buildSummary(HEADER, evaluations, LABELS);
    expect(s.results.all.map((c) => c.test.split('/').pop())).toEqual([
      'liver_10.nii.gz',
      'liver_101.nii.gz',
      'liver_27.nii.gz',
      'liver_3.nii.gz',
    ]);
    const tumour = s.results.all.map((c) => (c['2'] as Record<string, number>)['Dice']);
    expect(tumour[0]).toBeNaN(); // liver_10: no tumour in either
    expect(tumour[1]).toBe(0); // liver_101: false positive only
    expect(tumour[2]).toBe(0); // liver_27: missed
    expect(tumour[3]).toBeCloseTo((2 * 2) / (2 * 2 + 1 + 2), 12); // liver_3: tp 2, fp 1, fn 2
    expect(s.results.mean['2']!.Dice).toBe((0 + 0 + tumour[3]!) / 3); // NaN case dropped
    expect(Object.keys(s.results.mean)).toEqual(['0', '1', '2']);
    expect(s.id).toMatch(/^[0-9a-f]{12}$/);
  });

  it('rejects duplicate ids and missing labels, naming the case', () => {
    expect(() => buildSummary(HEADER, [evaluations[0]!, evaluations[0]!])).toThrow(/unique case ids.*liver_3/);
    expect(() => buildSummary(HEADER, [evaluations[0]!], [0, 1, 2, 3])).toThrow(/label 3 in case liver_3/);
  });
});

describe('mergeSummaries', () => {
  it('equals buildSummary over all the cases (order, means, id) without evaluating again', () => {
    const [a, b, c, d] = evaluations as [CaseEvaluation, CaseEvaluation, CaseEvaluation, CaseEvaluation];
    const fold0 = buildSummary(HEADER, [c, a], LABELS);
    const fold1 = buildSummary(HEADER, [d, b], LABELS);
    expect(mergeSummaries(HEADER, [fold1, fold0])).toEqual(buildSummary(HEADER, [a, b, c, d], LABELS));
    expect(() => mergeSummaries(HEADER, [fold0, fold0])).toThrow(/unique case ids but received liver_\d+ twice/);
  });
});

describe.runIf(hasPython)('summary.json against Python (Debian python3 + numpy)', () => {
  it('is byte-identical to an independent Python aggregate_scores, id included', () => {
    const s = buildSummary(HEADER, evaluations, LABELS);
    const spec = {
      ...HEADER,
      labels: LABELS,
      cases: CASES.map((c, i) => ({
        id: c.id,
        dtype: c.test instanceof Int8Array ? 'int8' : 'uint8',
        testRaw: join(dir, `${c.id}.test.raw`),
        referenceRaw: join(dir, `${c.id}.ref.raw`),
        test: evaluations[i]!.test,
        reference: evaluations[i]!.reference,
      })),
    };
    const py = JSON.parse(runPython([join(import.meta.dirname, 'fixtures/reference_summary.py')], JSON.stringify(spec))) as {
      text: string;
      id: string;
    };
    expect(s.id).toBe(py.id);
    expect(serializeSummary(s)).toBe(py.text);
  });

  it('loads with json.load, has the reference keys and sorted keys, and its id re-derives in Python', async () => {
    const s = buildSummary(HEADER, evaluations, LABELS);
    const path = join(dir, 'summary.json');
    await writeSummaryJson(path, s);
    const check = String.raw`
import json, hashlib, math, sys
from collections import OrderedDict
text = open(sys.argv[1]).read()
d = json.load(open(sys.argv[1]))
assert sorted(d.keys()) == ["author", "description", "id", "name", "results", "task", "timestamp"], d.keys()
assert list(d.keys()) == sorted(d.keys())
assert sorted(d["results"].keys()) == ["all", "mean"]
assert list(d["results"]["mean"].keys()) == ["0", "1", "2"]
assert len(d["results"]["all"]) == 4
c = d["results"]["all"][0]
assert list(c.keys()) == ["0", "1", "2", "reference", "test"], list(c.keys())
assert list(c["1"].keys()) == sorted(c["1"].keys())
assert len(c["1"]) == 13
assert isinstance(c["1"]["Total Positives Test"], int)
assert isinstance(d["results"]["mean"]["1"]["Total Positives Test"], float)
assert math.isnan(c["2"]["Dice"])
assert json.dumps(d, sort_keys=True, indent=4) == text
# rebuild the dict before id in the reference's insertion order and hash it
M = sorted(["False Positive Rate", "Dice", "Jaccard", "Precision", "Recall", "Accuracy", "False Omission Rate",
     "Negative Predictive Value", "False Negative Rate", "True Negative Rate", "False Discovery Rate",
     "Total Positives Test", "Total Positives Reference"])
def metrics(m): return OrderedDict((k, m[k]) for k in M)
allc = []
for c in d["results"]["all"]:
    o = OrderedDict((l, metrics(c[l])) for l in ["0", "1", "2"])
    o["test"] = c["test"]; o["reference"] = c["reference"]
    allc.append(o)
j = OrderedDict([("name", d["name"]), ("description", d["description"]), ("timestamp", d["timestamp"]),
                 ("task", d["task"]), ("author", d["author"]),
                 ("results", OrderedDict([("all", allc), ("mean", OrderedDict((l, metrics(d["results"]["mean"][l])) for l in ["0", "1", "2"]))]))])
print(hashlib.md5(json.dumps(j).encode("utf-8")).hexdigest()[:12], d["id"], d["results"]["mean"]["2"]["Dice"])
`;
    const [pyId, fileId, meanTumour] = runPython(['-c', check, path]).trim().split(' ');
    expect(pyId).toBe(s.id);
    expect(fileId).toBe(s.id);
    expect(Number(meanTumour)).toBe(s.results.mean['2']!.Dice);
  });
});

describe('summary.json round trip', () => {
  it('reads back what it wrote, NaNs included, and re-serialises identically', async () => {
    const s = buildSummary(HEADER, evaluations, LABELS);
    const path = join(dir, 'roundtrip.json');
    await writeSummaryJson(path, s);
    const back = await readSummaryJson(path);
    expect((back.results.all[0]!['2'] as Record<string, number>)['Dice']).toBeNaN();
    expect(serializeSummary(back)).toBe(await readFile(path, 'utf8'));
    expect(summaryId(back)).toBe(s.id);
  });

  it('names the file and field of a malformed summary', async () => {
    const path = join(dir, 'bad.json');
    const s = JSON.parse(JSON.stringify(buildSummary(HEADER, evaluations.slice(0, 1), LABELS))) as {
      results: { all: Record<string, Record<string, unknown>>[] };
    };
    delete s.results.all[0]!['1']!['Dice'];
    await writeFile(path, JSON.stringify(s));
    await expect(readSummaryJson(path)).rejects.toThrow(/number for results.all\[0\]\["1"\]\["Dice"\] in .*bad.json/);
  });
});

describe('evaluateFold', () => {
  it('loads cases one by one and gives the same summary as buildSummary', async () => {
    const seen: string[] = [];
    const s = await evaluateFold(
      HEADER,
      CASES.map((c, i) => ({
        id: c.id,
        test: evaluations[i]!.test,
        reference: evaluations[i]!.reference,
        load: async () => ({ test: c.test, reference: c.ref }),
      })),
      LABELS,
      (done, total, id) => seen.push(`${done}/${total} ${id}`),
    );
    expect(s).toEqual(buildSummary(HEADER, evaluations, LABELS));
    expect(seen).toEqual(['1/4 liver_3', '2/4 liver_10', '3/4 liver_27', '4/4 liver_101']);
  });
});
