/** How the comparison writes its numbers, shared by the text and the HTML. */
import type { SignedRankResult } from '../../../util/stats/signed-rank.js';

export const dice = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(2));
export const signed = (x: number | null): string => (x === null ? 'n/a' : `${x > 0 ? '+' : ''}${x.toFixed(2)}`);
export const meanStd = (mean: number | null, std: number | null): string => `${dice(mean)}${std === null ? '' : ` ± ${dice(std)}`}`;

/** A p-value: four decimals down to 0.001, then two significant digits. */
export function pValue(p: number): string {
  if (p >= 0.001) return p.toFixed(4).replace(/0+$/, '').replace(/\.$/, '.0');
  return p.toExponential(1);
}

/** `p = 0.0413 (exact, n = 20)`, or why there is no test. */
export function wilcoxonText(w: SignedRankResult): string {
  if (!w.testable) return `no Wilcoxon test (${w.reason})`;
  const notes = [w.method === 'exact' ? 'exact' : 'normal approximation', `n = ${w.n}`];
  if (w.zeros > 0) notes.push(`${w.zeros} zero difference(s) dropped`);
  if (w.tied > 0) notes.push(`${w.tied} tied`);
  return `Wilcoxon p = ${pValue(w.pValue)} (${notes.join(', ')})`;
}
