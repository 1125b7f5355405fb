/**
 * The kinds' load-time checks of their upstream instances (src/nnunet/stages/needs-rules.ts, variants.ts):
 * a validation matching two variants' trainings, a postprocessing pooling two variants, and what they say.
 */
import { describe, expect, test } from 'vitest';
import { allOf, atLeastOne, atMostOne, exactlyOne, onePerVariant, oneVariant } from '../../../src/nnunet/stages/needs-rules.js';
import { differingAxes, groupByVariant, variantName, variantOf } from '../../../src/nnunet/stages/variants.js';
import type { MatrixValue, PlannedUpstream } from '../../../src/stage-api/types.js';

function up(id: string, kind: string, matrix: Record<string, MatrixValue> = {}): PlannedUpstream {
  const parts = Object.entries(matrix).map(([k, v]) => `${k}=${String(v)}`);
  return { stage: parts.length ? `${id}[${parts.join(',')}]` : id, id, kind, matrix };
}

const trains = (fold: number, networks: string[]) => networks.map((network) => up('train', 'train', { fold, network }));

describe('variants', () => {
  test('a variant is the matrix without the fold axis', () => {
    expect(variantOf({ fold: 2, network: 'unet', batch_size: 4 })).toEqual({ network: 'unet', batch_size: 4 });
    expect(variantName({ fold: 2, network: 'unet', batch_size: 4 })).toBe('network=unet,batch_size=4');
    expect(variantName({ fold: 2 })).toBe('');
  });

  test('groups keep the order variants first appear in, each with its items', () => {
    const items = [0, 1].flatMap((fold) => trains(fold, ['unetpp', 'unet']));
    const groups = groupByVariant(items);
    expect(groups.map((g) => [g.name, g.items.map((i) => i.stage)])).toEqual([
      ['network=unetpp', ['train[fold=0,network=unetpp]', 'train[fold=1,network=unetpp]']],
      ['network=unet', ['train[fold=0,network=unet]', 'train[fold=1,network=unet]']],
    ]);
    expect(differingAxes(items)).toEqual(['fold', 'network']);
  });
});

describe('needs rules', () => {
  const validate = { name: 'validate[fold=0]', matrix: { fold: 0 } };

  test('validate matching two variants’ trainings names them and the missing axis', () => {
    const rule = exactlyOne('train');
    expect(rule(validate, trains(0, ['unetpp', 'unet']))).toBe(
      'validate[fold=0] matches 2 train instances (train[fold=0,network=unetpp], train[fold=0,network=unet]) but takes exactly one: ' +
        'give validate the matrix axis network that train has');
    expect(rule({ name: 'validate[fold=0,network=unet]', matrix: { fold: 0, network: 'unet' } }, trains(0, ['unet']))).toBeUndefined();
    expect(rule(validate, [up('preprocess', 'preprocess')])).toBe('validate[fold=0] needs one train instance but its needs have none: add a stage of kind train to needs');
  });

  test('a postprocessing over two variants’ validations would pool them', () => {
    const validations = [0, 1].flatMap((fold) => ['unetpp', 'unet'].map((network) => up('validate', 'validate', { fold, network })));
    const rule = oneVariant('validate');
    expect(rule({ name: 'postprocessing', matrix: {} }, validations)).toBe(
      'postprocessing fans in validate instances of 2 variants (network=unetpp; network=unet), which it would take as one: ' +
        'give postprocessing the matrix axis network that validate has');
    expect(rule({ name: 'postprocessing[network=unet]', matrix: { network: 'unet' } }, validations.filter((v) => v.matrix['network'] === 'unet'))).toBeUndefined();
  });

  test('one per variant, at most one, at least one, and the first problem of several', () => {
    const decisions = [up('pp', 'determine_postprocessing', { network: 'unet' }), up('pp2', 'determine_postprocessing', { network: 'unet' })];
    expect(onePerVariant('determine_postprocessing')({ name: 'report', matrix: {} }, decisions)).toBe(
      'report matches 2 determine_postprocessing instances (pp[network=unet], pp2[network=unet]) of one variant but takes one per variant');
    expect(onePerVariant('determine_postprocessing')({ name: 'report', matrix: {} }, [decisions[0]!, up('pp', 'determine_postprocessing', { network: 'unetpp' })])).toBeUndefined();
    expect(atMostOne('preprocess')(validate, [up('a', 'preprocess'), up('b', 'preprocess')])).toBe('validate[fold=0] matches 2 preprocess instances (a, b) but takes at most one');
    expect(atLeastOne('validate')({ name: 'report', matrix: {} }, [])).toMatch(/^report needs validate instances but its needs have none/);
    const both = allOf(atLeastOne('validate'), exactlyOne('preprocess'));
    expect(both({ name: 'report', matrix: {} }, [up('p', 'preprocess')])).toMatch(/needs validate instances/);
    expect(both({ name: 'report', matrix: {} }, [up('v', 'validate'), up('p', 'preprocess')])).toBeUndefined();
  });
});
