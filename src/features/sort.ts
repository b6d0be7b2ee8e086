/**
 * Sorting kernels for the point-in-time join: stable permutations on typed arrays, linear in the
 * input size, with no per-element allocation.
 */

const DIGIT_BITS = 16;
const DIGIT_COUNT = 1 << DIGIT_BITS;
const DIGIT_MASK = DIGIT_COUNT - 1;
/** Below this size a comparison sort beats the radix passes over 65,536 digit counters. */
const SMALL_INPUT = 1024;

/**
 * Returns the permutation that sorts `order` (indices into `keys`) by `keys` ascending, stably:
 * equal keys keep their order in `order`. Least-significant-digit radix sort over the 64-bit
 * pattern of each double, rewritten so that unsigned order equals numeric order (flip the sign bit
 * of positives, every bit of negatives). Passes whose digit is the same for every key are skipped,
 * so millisecond timestamps from one era take two or three passes. Keys must not be NaN.
 */
export function radixSortByFloat64(keys: Float64Array, order: Uint32Array): Uint32Array {
  const n = order.length;
  if (n < SMALL_INPUT) return Uint32Array.from(Array.from(order).sort((a, b) => keys[a] - keys[b]));

  const bits = new Uint32Array(2);
  const bitsView = new Float64Array(bits.buffer);
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    // Adding 0 turns -0 into +0, so the two zeros compare equal as they do numerically.
    bitsView[0] = keys[order[i]] + 0;
    const low = bits[0];
    const high = bits[1];
    if (high & 0x80000000) {
      lo[i] = ~low >>> 0;
      hi[i] = ~high >>> 0;
    } else {
      lo[i] = low;
      hi[i] = (high | 0x80000000) >>> 0;
    }
  }

  let current = order.slice();
  let nextOrder = new Uint32Array(n);
  let nextLo = new Uint32Array(n);
  let nextHi = new Uint32Array(n);
  const counts = new Uint32Array(DIGIT_COUNT);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? lo : hi;
    const shift = (pass % 2) * DIGIT_BITS;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(word[i] >>> shift) & DIGIT_MASK]++;
    if (n === 0 || counts[(word[0] >>> shift) & DIGIT_MASK] === n) continue;

    let sum = 0;
    for (let d = 0; d < DIGIT_COUNT; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const position = counts[(word[i] >>> shift) & DIGIT_MASK]++;
      nextOrder[position] = current[i];
      nextLo[position] = lo[i];
      nextHi[position] = hi[i];
    }
    [current, nextOrder] = [nextOrder, current];
    [lo, nextLo] = [nextLo, lo];
    [hi, nextHi] = [nextHi, hi];
  }
  return current;
}

/** A permutation grouped by code, with `offsets[c]..offsets[c + 1]` the slice of code c. */
export interface GroupedOrder {
  readonly order: Uint32Array;
  /** Shape [codeCount + 1]. */
  readonly offsets: Uint32Array;
}

/**
 * Stable counting sort of `order` by `codes[order[i]]`, for codes in [0, codeCount). Entries with
 * a negative code (an entity the other side does not have) are dropped from the result.
 */
export function groupByCode(codes: Int32Array, order: Uint32Array, codeCount: number): GroupedOrder {
  const offsets = new Uint32Array(codeCount + 1);
  for (let i = 0; i < order.length; i++) {
    const code = codes[order[i]];
    if (code >= 0) offsets[code + 1]++;
  }
  for (let c = 0; c < codeCount; c++) offsets[c + 1] += offsets[c];

  const cursor = offsets.slice(0, codeCount);
  const grouped = new Uint32Array(offsets[codeCount]);
  for (let i = 0; i < order.length; i++) {
    const index = order[i];
    const code = codes[index];
    if (code >= 0) grouped[cursor[code]++] = index;
  }
  return { order: grouped, offsets };
}

/** {@link groupByCode} of the indices 0 … codes.length - 1, without building the identity permutation. */
export function groupIndicesByCode(codes: Int32Array, codeCount: number): GroupedOrder {
  const offsets = new Uint32Array(codeCount + 1);
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i];
    if (code >= 0) offsets[code + 1]++;
  }
  for (let c = 0; c < codeCount; c++) offsets[c + 1] += offsets[c];

  const cursor = offsets.slice(0, codeCount);
  const grouped = new Uint32Array(offsets[codeCount]);
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i];
    if (code >= 0) grouped[cursor[code]++] = i;
  }
  return { order: grouped, offsets };
}

/** Returns the identity permutation of length n. */
export function identityOrder(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}
