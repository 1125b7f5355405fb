import { describe, expect, it } from 'vitest';

import { keepLargestComponent, labelComponents } from '../../../src/nnunet/postprocessing/connected-components.js';
import type { Shape3 } from '../../../src/nnunet/postprocessing/connected-components.js';
import { hasPython, pythonEval } from '../evaluation/python-helper.js';

describe('labelComponents', () => {
  it('uses face connectivity: diagonal neighbours are separate objects', () => {
    // 1x3x3 slice:  1 0 1 / 0 1 0 / 1 1 0
    const mask = Uint8Array.from([1, 0, 1, 0, 1, 0, 1, 1, 0]);
    const { count, sizes } = labelComponents(mask, [1, 3, 3]);
    expect(count).toBe(3);
    expect(sizes.slice(1).sort()).toEqual([1, 1, 3]);
  });

  it.runIf(hasPython)('finds the same component sizes as scipy.ndimage.label', () => {
    const shape: Shape3 = [7, 9, 11];
    let s = 42;
    const mask = Uint8Array.from({ length: 7 * 9 * 11 }, () => ((s = (s * 48271) % 2147483647) / 2147483647 < 0.4 ? 1 : 0));
    const ours = labelComponents(mask, shape).sizes.slice(1).sort((a, b) => a - b);
    const py = pythonEval(
      'import sys, json\nimport numpy as np\nfrom scipy.ndimage import label\n' +
        'm = np.frombuffer(bytes.fromhex(sys.stdin.read()), dtype=np.uint8).reshape(7, 9, 11)\n' +
        'l, n = label(m)\nprint(json.dumps(sorted(int((l == i).sum()) for i in range(1, n + 1))))',
      Buffer.from(mask).toString('hex'),
    );
    expect(ours).toEqual(JSON.parse(py));
  });
});

describe('keepLargestComponent', () => {
  it('keeps the largest object per class, or of a class group, and leaves other labels alone', () => {
    // one row (1x1x9): liver 1 1 1 _ 1 _ tumour 2 _ 2 2
    const labels = Uint8Array.from([1, 1, 1, 0, 1, 0, 2, 0, 2]);
    expect([...keepLargestComponent(labels, [1, 1, 9], [1])]).toEqual([1, 1, 1, 0, 0, 0, 2, 0, 2]);
    // tumour objects tie in size (1 and 1): both kept, as in the reference
    expect([...keepLargestComponent(labels, [1, 1, 9], [2])]).toEqual([1, 1, 1, 0, 1, 0, 2, 0, 2]);
    // all foreground as one object: [1 1 1] is largest, the rest goes
    expect([...keepLargestComponent(labels, [1, 1, 9], [[1, 2]])]).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0]);
    // the input is not modified
    expect([...labels]).toEqual([1, 1, 1, 0, 1, 0, 2, 0, 2]);
  });

  it('rejects a shape that does not match the volume', () => {
    expect(() => keepLargestComponent(new Uint8Array(5), [1, 2, 2], [1])).toThrow(/Expected 4 voxels/);
  });
});

describe('keepLargestComponent on many objects', () => {
  it('handles 150k separate objects (no call-stack limits), keeping all tied largest ones', () => {
    const labels = Uint8Array.from({ length: 300_001 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    labels[1] = 1; // voxels 0..2 form the one largest object
    const kept = keepLargestComponent(labels, [1, 1, 300_001], [1]);
    expect(kept.reduce((a, b) => a + b, 0)).toBe(3);
  });
});
