/**
 * numpy's legacy `numpy.random.RandomState(seed)` stream, so that factor initialisation matches
 * Surprise (which draws its factors from `RandomState(random_state).normal`).
 *
 * - Generator: MT19937 (Matsumoto and Nishimura, 1998). An integer seed goes through
 *   `mt19937_seed`, the reference `init_genrand` recurrence
 *   `key[i] = 1812433253 · (key[i-1] ^ (key[i-1] >>> 30)) + i`; numpy uses `init_by_array` only
 *   when the seed is an array.
 * - `randomSample()`: numpy's `random_sample`, a 53-bit double `(a >>> 5) · 2^26 + (b >>> 6)`
 *   divided by 2^53 from two consecutive 32-bit outputs a, b.
 * - `standardNormal()`: numpy's `legacy_gauss`, the polar Box–Muller method. Each accepted pair
 *   (x1, x2) yields f·x2 now and caches f·x1 for the next call.
 * - `normal(loc, scale)`: `loc + scale · standardNormal()`.
 *
 * Checked against numpy 1.24.2 on glibc 2.36: raw outputs and uniform draws are identical, and
 * normal draws are identical except about 3 in 10,000, which differ by one ulp because glibc's
 * `log` misrounds arguments whose logarithm lies next to a rounding midpoint (see ./rounded-log.ts).
 */

import { roundedLog } from './rounded-log.js';

const STATE_LENGTH = 624;
const SHIFT = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** Largest seed numpy's legacy seeding accepts (2^32 − 1). */
export const MAX_NUMPY_SEED = 0xffffffff;

export class NumpyRandomState {
  private readonly key = new Uint32Array(STATE_LENGTH);
  private position = STATE_LENGTH;
  private hasGauss = false;
  private gauss = 0;

  /** Seeds like `numpy.random.RandomState(seed)` for an integer seed in [0, 2^32 − 1]. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_NUMPY_SEED) {
      throw new RangeError(`invalid seed ${seed}: expected an integer from 0 to ${MAX_NUMPY_SEED}`);
    }
    let value = seed >>> 0;
    for (let i = 0; i < STATE_LENGTH; i++) {
      this.key[i] = value;
      // Math.imul keeps the 32-bit product exact; `>>> 0` reads it back as unsigned.
      value = (Math.imul(1812433253, (value ^ (value >>> 30)) >>> 0) + i + 1) >>> 0;
    }
    this.position = STATE_LENGTH;
  }

  /** Returns the next raw 32-bit output as an unsigned integer. */
  nextUint32(): number {
    if (this.position >= STATE_LENGTH) this.regenerate();
    let y = this.key[this.position++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Draws a double uniform on [0, 1) with 53 random bits, as numpy's `random_sample`. */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Draws a standard normal value, as numpy's legacy `standard_normal` (polar Box–Muller with a cached value). */
  standardNormal(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      const cached = this.gauss;
      this.gauss = 0;
      return cached;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomSample() - 1;
      x2 = 2 * this.randomSample() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * roundedLog(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** Draws a normal value with mean `loc` and standard deviation `scale`, as numpy's legacy `normal`. */
  normal(loc: number, scale: number): number {
    return loc + scale * this.standardNormal();
  }

  /**
   * Draws an integer uniform on [0, max], as numpy's `random_interval`: the smallest all-ones mask
   * covering `max`, with rejection. Supports max < 2^32.
   */
  interval(max: number): number {
    if (!Number.isInteger(max) || max < 0 || max > MAX_NUMPY_SEED) throw new RangeError(`interval bound ${max} must be an integer from 0 to ${MAX_NUMPY_SEED}`);
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    let value: number;
    do {
      value = (this.nextUint32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  /** Shuffles `values` in place as numpy's legacy `RandomState.shuffle` does for a 1-D array (Fisher–Yates from the end). */
  shuffle(values: Int32Array | Float64Array | unknown[]): void {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const swap = values[i];
      values[i] = values[j];
      values[j] = swap;
    }
  }

  /**
   * Fills `out` with normal draws in index order, as `RandomState.normal(loc, scale, size)` fills a
   * C-ordered array; a row-major [rows × cols] matrix gets row 0 first.
   */
  fillNormal(out: Float64Array, loc: number, scale: number): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = loc + scale * this.standardNormal();
    return out;
  }

  private regenerate(): void {
    const key = this.key;
    let i = 0;
    for (; i < STATE_LENGTH - SHIFT; i++) {
      const y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + SHIFT] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; i < STATE_LENGTH - 1; i++) {
      const y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + SHIFT - STATE_LENGTH] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (key[STATE_LENGTH - 1] & UPPER_MASK) | (key[0] & LOWER_MASK);
    key[STATE_LENGTH - 1] = key[SHIFT - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.position = 0;
  }
}
