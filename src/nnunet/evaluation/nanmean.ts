/**
 * `np.nanmean` over a 1-D float64 list, bit-exact: NaNs are replaced by 0, the rest summed with
 * numpy's pairwise summation (`pairwise_sum_DOUBLE`: 8-way unrolled blocks of up to 128, halves
 * rounded to multiples of 8 above that) and divided by the count of non-NaN values.
 * An all-NaN (or empty) list gives NaN, as numpy does (with a warning there).
 */

/** numpy's PW_BLOCKSIZE. */
const PAIRWISE_BLOCK = 128;

/** numpy's `pairwise_sum_DOUBLE` over a[start, start + n). */
export function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= PAIRWISE_BLOCK) {
    const r = new Float64Array(8);
    for (let j = 0; j < 8; j++) r[j] = a[start + j]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j]! += a[start + i + j]!;
    }
    let res = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** `float(np.nanmean(values))`. */
export function nanMean(values: readonly number[]): number {
  const filled = new Float64Array(values.length);
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    filled[i] = v;
    count++;
  }
  // numpy's reduce starts from the identity 0.0, then adds the pairwise sum.
  return (0 + pairwiseSum(filled)) / count;
}
