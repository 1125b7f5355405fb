/** `${...}` references in pipeline text: scanning and substitution. */
import { describe, expect, test } from 'vitest';
import { scanRefs, substitute } from '../../../src/engine/config/interpolate.js';

describe('references', () => {
  test.each([
    ['echo ${params.batch_size}', [{ kind: 'params', path: ['batch_size'] }], []],
    ['${matrix.fold} ${out} ${stages.plan.out} ${resources.devices}', [{ kind: 'matrix', axis: 'fold' }, { kind: 'out' }, { kind: 'stage-out', stage: 'plan' }, { kind: 'resources', field: 'devices' }], []],
    ['echo ${HOME} $${params.x}', [], []],
    ['echo ${parms.x}', [], ['unknown reference']],
    ['echo ${stages.plan}', [], ['expected ${stages.<stage>.out}']],
    ['echo ${out', [], ['unterminated']],
  ])('%s', (text, refs, errors) => {
    const r = scanRefs(text);
    expect(r.tokens.map((t) => t.ref)).toEqual(refs);
    expect(r.errors.map((e) => e.message)).toEqual(errors.map((e) => expect.stringContaining(e)));
  });
  test('substitute keeps unresolved references and unescapes $${', () => {
    expect(substitute('a ${params.x} ${out} $${params.x}', (ref) => (ref.kind === 'params' ? '4' : null))).toBe('a 4 ${out} ${params.x}');
  });
});
