/** Key material: stable keys, field-level diffs and one-line reasons. */
import { describe, expect, test } from 'vitest';
import { describeChanges, diffMaterial, stageKey, KEY_SCHEMA, type KeyMaterial } from '../../../src/engine/cache/key.js';

describe('key material', () => {
  const base: KeyMaterial = { schema: KEY_SCHEMA, stage: 'train', kind: 'run', version: '1', command: 'train --bs 2', params: { batch_size: 2 }, matrix: { fold: 3 }, needs: {}, inputs: { 'a.txt': 'aa' as never }, outputs: [] };
  test('keys are stable and sensitive', () => {
    expect(stageKey(base)).toBe(stageKey(JSON.parse(JSON.stringify(base)) as KeyMaterial));
    expect(stageKey(base)).not.toBe(stageKey({ ...base, matrix: { fold: 4 } }));
  });
  test('field-level diff and reason', () => {
    const after = { ...base, command: 'train --bs 4', params: { batch_size: 4 }, inputs: { 'a.txt': 'ab' as never, 'b.txt': 'bb' as never } };
    const changes = diffMaterial(base, after);
    expect(changes.map((c) => c.field)).toEqual(['params.batch_size', 'inputs.a.txt', 'inputs.b.txt', 'command']);
    expect(describeChanges(changes)).toBe('params: batch_size 2->4; inputs: a.txt changed, b.txt added');
  });
  test('a runtime change is named with short digests', () => {
    const before: KeyMaterial = { ...base, runtime: { addon: 'sha256:3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c', torch: '1.13.0 cpu' } };
    const after: KeyMaterial = { ...base, runtime: { addon: 'sha256:9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f', torch: '1.13.0 cpu' } };
    expect(stageKey(before)).not.toBe(stageKey(after));
    expect(describeChanges(diffMaterial(before, after))).toBe('runtime: addon 3f2a1b->9c1d2e');
    expect(describeChanges(diffMaterial(before, { ...before, runtime: { ...before.runtime, torch: '2.11.0 cuda' } }))).toBe('runtime: torch 1.13.0 cpu->2.11.0 cuda');
  });
});
