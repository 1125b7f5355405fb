/**
 * What train.json says beyond the run's settings, for the report: how the run departs from the
 * reference recipe (recipe.ts) and, for a fold that was interrupted and resumed, its attempts and
 * the wall time of all of them (killed ones included). Both are absent in train.json files written
 * before they were recorded; the check below reads what is there.
 */
import type { EarlierAttempt } from '../../stage-api/types.js';
import { fail, num, obj, str } from '../../util/field-check.js';
import type { RecipeDeparture } from './recipe.js';

export interface FoldAttempts {
  /** The attempts this run resumed from (interrupted or failed), oldest first. */
  readonly earlier: readonly EarlierAttempt[];
  /** Wall time of the attempt that finished, seconds. */
  readonly finalAttemptSeconds: number;
  /** All attempts together, seconds. */
  readonly wallSeconds: number;
}

export interface TrainRecord {
  readonly fold: number;
  /** Absent: written before departures were recorded (unknown); empty: the reference recipe. */
  readonly departures?: readonly RecipeDeparture[];
  /** Absent: written before attempts were recorded. */
  readonly attempts?: FoldAttempts;
}

/** The attempts record of a run that took `finalAttemptSeconds` after `earlier` attempts. */
export function foldAttempts(earlier: readonly EarlierAttempt[] | undefined, finalAttemptSeconds: number): FoldAttempts {
  const before = earlier ?? [];
  return { earlier: before, finalAttemptSeconds, wallSeconds: before.reduce((a, e) => a + e.seconds, finalAttemptSeconds) };
}

function checkDeparture(v: unknown, field: string): RecipeDeparture {
  const d = obj(v, field);
  return { setting: str(d['setting'], `${field}.setting`), value: str(d['value'], `${field}.value`), reference: str(d['reference'], `${field}.reference`) };
}

function checkAttempt(v: unknown, field: string): EarlierAttempt {
  const a = obj(v, field);
  const outcome = a['outcome'];
  if (outcome !== 'interrupted' && outcome !== 'failed') fail('"interrupted" or "failed"', `${field}.outcome`, outcome);
  return { startedAt: str(a['startedAt'], `${field}.startedAt`), seconds: num(a['seconds'], `${field}.seconds`), outcome };
}

/** Reads train.json's fold, departures and attempts; `file` names it in errors. */
export function checkTrainRecord(v: unknown, file: string): TrainRecord {
  const t = obj(v, file);
  const fold = num(t['fold'], `${file}: fold`);
  const departures = t['departures'];
  if (departures !== undefined && !Array.isArray(departures)) fail('an array', `${file}: departures`, departures);
  const attempts = t['attempts'] === undefined ? undefined : obj(t['attempts'], `${file}: attempts`);
  const earlier = attempts?.['earlier'];
  if (attempts !== undefined && !Array.isArray(earlier)) fail('an array', `${file}: attempts.earlier`, earlier);
  return {
    fold,
    ...(Array.isArray(departures) ? { departures: departures.map((d, i) => checkDeparture(d, `${file}: departures[${i}]`)) } : {}),
    ...(attempts !== undefined
      ? {
          attempts: {
            earlier: (earlier as unknown[]).map((e, i) => checkAttempt(e, `${file}: attempts.earlier[${i}]`)),
            finalAttemptSeconds: num(attempts['finalAttemptSeconds'], `${file}: attempts.finalAttemptSeconds`),
            wallSeconds: num(attempts['wallSeconds'], `${file}: attempts.wallSeconds`),
          },
        }
      : {}),
  };
}
