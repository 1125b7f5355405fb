/**
 * Pairs the validation cases of two runs' reports for one label, by case id: what the paired
 * statistics run on. A case validated in only one run, or without a Dice in either (the label is in
 * neither its reference nor its prediction: nnU-Net's NaN), is counted and left out.
 */
import type { ComparedReport } from './read-report.js';

export interface CasePair {
  readonly id: string;
  /** Dice in percent in the baseline run and in the other run. */
  readonly baseline: number;
  readonly other: number;
}

export interface PairedCases {
  /** Sorted by case id (numbers in ids compare as numbers). */
  readonly pairs: readonly CasePair[];
  readonly onlyBaseline: readonly string[];
  readonly onlyOther: readonly string[];
  /** Shared cases whose Dice for the label is undefined in one run or both. */
  readonly withoutDice: readonly string[];
}

const byId = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** Case id -> Dice (percent or null) for `label`; a case in two folds is an error (pairs would be ambiguous). */
function diceByCase(report: ComparedReport, label: string, run: string): Map<string, number | null> {
  const out = new Map<string, number | null>();
  const foldOf = new Map<string, number>();
  for (const f of report.folds) {
    for (const c of f.perCase) {
      const earlier = foldOf.get(c.id);
      if (earlier !== undefined) throw new Error(`run ${run}: case ${c.id} is validated in fold ${earlier} and fold ${f.fold}; cases must be unique across folds to be paired`);
      foldOf.set(c.id, f.fold);
      out.set(c.id, c.dicePercent[label] ?? null);
    }
  }
  return out;
}

export function pairCases(baseline: { run: string; report: ComparedReport }, other: { run: string; report: ComparedReport }, label: string): PairedCases {
  const a = diceByCase(baseline.report, label, baseline.run);
  const b = diceByCase(other.report, label, other.run);
  const pairs: CasePair[] = [];
  const withoutDice: string[] = [];
  for (const [id, da] of a) {
    if (!b.has(id)) continue;
    const db = b.get(id) ?? null;
    if (da === null || db === null) withoutDice.push(id);
    else pairs.push({ id, baseline: da, other: db });
  }
  return {
    pairs: pairs.sort((x, y) => byId(x.id, y.id)),
    onlyBaseline: [...a.keys()].filter((id) => !b.has(id)).sort(byId),
    onlyOther: [...b.keys()].filter((id) => !a.has(id)).sort(byId),
    withoutDice: withoutDice.sort(byId),
  };
}
