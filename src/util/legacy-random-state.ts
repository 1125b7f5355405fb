/**
 * numpy's legacy RandomState(seed) (MT19937) for the two places the reference draws random numbers
 * we must reproduce: the KFold shuffle (seed 12345) and the class-location sampling (seed 1234).
 */
const N = 624;
const M = 397;

export class LegacyRandomState {
  readonly #mt = new Uint32Array(N);
  #index = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new Error(`Expected a seed between 0 and 2**32 - 1 but received ${seed}`);
    }
    this.#mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = (this.#mt[i - 1] as number) ^ ((this.#mt[i - 1] as number) >>> 30);
      // 1812433253 * prev + i, modulo 2^32, without losing bits to doubles.
      this.#mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  #generate(): void {
    const mt = this.#mt;
    for (let k = 0; k < N; k++) {
      const y = ((mt[k] as number) & 0x80000000) | ((mt[(k + 1) % N] as number) & 0x7fffffff);
      mt[k] = (mt[(k + M) % N] as number) ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.#index = 0;
  }

  /** The next 32-bit output (tempered). */
  nextUint32(): number {
    if (this.#index >= N) this.#generate();
    let y = this.#mt[this.#index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform integer in [0, max] by masked rejection (numpy's legacy random_interval, max < 2^32). */
  interval(max: number): number {
    if (max === 0) return 0;
    if (max > 0xffffffff) throw new Error(`Internal error: interval bound ${max} exceeds 32 bits`);
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.nextUint32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }

  /** In-place Fisher-Yates from the end, as RandomState.shuffle does for a 1-D array. */
  shuffle<T extends { [i: number]: number; length: number }>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = values[i] as number;
      values[i] = values[j] as number;
      values[j] = t;
    }
    return values;
  }

  /** RandomState.permutation(n). */
  permutation(n: number): Int32Array {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    return this.shuffle(a);
  }

  /** RandomState.choice(n, size, replace=False): the first `size` entries of permutation(n). */
  choiceWithoutReplacement(n: number, size: number): Int32Array {
    if (size > n) throw new Error(`Expected a sample size <= ${n} but received ${size}`);
    return this.permutation(n).subarray(0, size);
  }
}
