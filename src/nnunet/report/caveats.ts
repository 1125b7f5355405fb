/**
 * What a reader must know before comparing the figures, as plain sentences rendered by report.md and
 * report.html alike: where the training departs from the reference recipe (so "Δ mean − ref" compares
 * different trainings), and which folds were interrupted and resumed, with the wall time of all their
 * attempts (the training table's time leaves out start-up and what a killed attempt did after its last
 * finished epoch).
 */
import { duration } from './format.js';
import type { FoldAttempts, Report } from './types.js';

export interface Caveat {
  readonly head: string;
  readonly items: readonly string[];
}

const folds = (list: readonly number[]): string => `fold${list.length === 1 ? '' : 's'} ${list.join(', ')}`;

/** The departures from the reference recipe, or null when the run follows it (or nothing is recorded). */
export function recipeCaveat(report: Report): Caveat | null {
  const all = report.folds.length;
  const items = report.recipeDepartures.map((d) =>
    `${d.setting}: ${d.value} vs ${d.reference}${d.folds.length === all ? '' : ` (${folds(d.folds)})`}`);
  if (report.recipeUnknownFolds.length > 0) {
    items.push(`${folds(report.recipeUnknownFolds)}: train.json records no recipe (trained by an older version), not checked`);
  }
  if (items.length === 0) return null;
  const head = report.recipeDepartures.length > 0
    ? 'Not the reference recipe: this training departs from the one the reference figures come from, so Δ compares different trainings.'
    : 'The recipe of some folds is not recorded.';
  return { head, items };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function attemptsText(a: FoldAttempts): string {
  const interrupted = a.earlier.filter((e) => e.outcome === 'interrupted').length;
  const failed = a.earlier.length - interrupted;
  const what = [interrupted > 0 ? plural(interrupted, 'interrupted attempt') : '', failed > 0 ? plural(failed, 'failed attempt') : '']
    .filter((s) => s !== '').join(' and ');
  return `resumed after ${what}; wall time incl. killed attempts ${duration(a.wallSeconds)}` +
    ` (${a.earlier.map((e) => duration(e.seconds)).join(' + ')} + ${duration(a.finalAttemptSeconds)} for the one that finished)`;
}

/** One sentence per fold that was interrupted and resumed. */
export function resumedNotes(report: Report): string[] {
  return report.folds.flatMap((f) => (f.resumed === null ? [] : [`fold ${f.fold}: ${attemptsText(f.resumed)}`]));
}
