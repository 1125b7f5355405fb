/** Matrix axes as written: a list, or one ${params.*} reference to a list (src/engine/config/matrix-axes.ts). */
import { describe, expect, test } from 'vitest';
import { matrixAxisValues, matrixCombinations } from '../../../src/engine/config/matrix-axes.js';

const params = { networks: ['unetpp', 'unet'], sizes: [2, 4], nested: { flags: [true, false] }, one: 3, empty: [], twice: [2, 2], deep: [[1]] };

describe('matrixAxisValues', () => {
  test('a list is its values; a reference takes the param’s list, nested paths included', () => {
    expect(matrixAxisValues('fold', [0, 1, 2], params)).toEqual({ values: [0, 1, 2] });
    expect(matrixAxisValues('network', '${params.networks}', params)).toEqual({ values: ['unetpp', 'unet'] });
    expect(matrixAxisValues('flag', '${params.nested.flags}', params)).toEqual({ values: [true, false] });
  });

  test.each([
    ['${params.one}', /\$\{params\.one\} is 3; expected a non-empty list of strings, numbers or booleans/],
    ['${params.empty}', /is \[\]; expected a non-empty list/],
    ['${params.deep}', /is \[\[1\]\]; expected a non-empty list of strings, numbers or booleans/],
    ['${params.twice}', /lists 2 twice; each value makes one instance/],
    ['${params.nope}', /unknown param "params\.nope": expected one of params\.networks, /],
    ['${matrix.fold}', /expected a list of values or one \$\{params\.\*\} reference to a list but received "\$\{matrix\.fold\}"/],
    ['x ${params.sizes}', /expected a list of values or one \$\{params\.\*\} reference/],
  ])('%s is refused, saying why', (raw, message) => {
    const r = matrixAxisValues('axis', raw, params);
    expect('problem' in r && r.problem).toMatch(message);
    expect('problem' in r && r.problem).toMatch(/^matrix axis "axis": /);
  });

  test('combinations keep the declaration order, the last axis varying fastest', () => {
    expect(matrixCombinations([['fold', [0, 1]], ['network', ['unetpp', 'unet']]])).toEqual([
      { fold: 0, network: 'unetpp' }, { fold: 0, network: 'unet' }, { fold: 1, network: 'unetpp' }, { fold: 1, network: 'unet' },
    ]);
    expect(matrixCombinations([])).toEqual([{}]);
  });
});
