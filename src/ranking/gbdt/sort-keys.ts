const floatView = new Float32Array(1);
const bitsView = new Uint32Array(floatView.buffer);
const INDEX_SPACE = 2 ** 20;

/** Largest list sortDescendingStable handles with packed keys; longer lists use a comparator sort. */
export const MAX_PACKED_LENGTH = INDEX_SPACE;

/** Maps a float32 to an unsigned integer whose ascending order is the float's descending order. */
function descendingRank(value: number): number {
  floatView[0] = value;
  const bits = bitsView[0];
  const ascending = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
  return 0xffffffff - ascending;
}

/**
 * Writes into `order` the positions 0..n-1 ordered by `valueAt(position)` descending, ties by
 * position ascending. Keys pack the float32 rank and the position into one float64 (exact below
 * 2^52), so the native numeric sort does the work without a comparator callback. `packed` is
 * scratch space of length ≥ n.
 */
export function sortDescendingStable(n: number, valueAt: (position: number) => number, order: Int32Array, packed: Float64Array): void {
  if (n > MAX_PACKED_LENGTH) {
    for (let i = 0; i < n; i++) order[i] = i;
    order.subarray(0, n).sort((a, b) => valueAt(b) - valueAt(a) || a - b);
    return;
  }
  for (let i = 0; i < n; i++) packed[i] = descendingRank(valueAt(i)) * INDEX_SPACE + i;
  const keys = packed.subarray(0, n).sort();
  for (let i = 0; i < n; i++) order[i] = keys[i] % INDEX_SPACE;
}
