import type { BinnedMatrix } from './binned-matrix.js';

/** One node's partition: rows in local bins 0..leftMaxBin of `feature`, and missing values when `defaultLeft`, go left. */
export interface PartitionJob {
  begin: number;
  end: number;
  feature: number;
  leftMaxBin: number;
  defaultLeft: boolean;
}

/** Sets `goesRight[bin]` for a split of `feature`: 1 for local bins above leftMaxBin, and for the missing bin unless defaultLeft. */
export function fillGoesRight(goesRight: Uint8Array, bins: BinnedMatrix, feature: number, leftMaxBin: number, defaultLeft: boolean): Uint8Array {
  const missingBin = bins.binStart[feature + 1] - bins.binStart[feature] - 1;
  for (let b = 0; b < missingBin; b++) goesRight[b] = b <= leftMaxBin ? 0 : 1;
  goesRight[missingBin] = defaultLeft ? 0 : 1;
  return goesRight;
}

/** Largest number of local bins of any feature, missing bin included: the size a goesRight table needs. */
export function maxFeatureBins(bins: BinnedMatrix): number {
  let max = 0;
  for (let f = 0; f < bins.columns; f++) max = Math.max(max, bins.binStart[f + 1] - bins.binStart[f]);
  return max;
}

/**
 * Stable in-place partition of `rowIndex[begin..end)` by one binned column: `column[offset + r]`
 * is row r's local bin, and `goesRight[bin]` is 1 for the bins of the right child. Rows of the
 * left child are packed from `begin`; rows of the right child are written to `spill[0..)`, in
 * order. Returns the number of left rows. The function uses nothing outside its body because the
 * worker thread of the parallel kernels compiles it from its source text.
 */
export function partitionRange(
  rowIndex: Int32Array,
  begin: number,
  end: number,
  column: Uint16Array | Int32Array,
  offset: number,
  goesRight: Uint8Array,
  spill: Int32Array,
): number {
  // Branch-free: each row is written to both outputs and only the cursor of its side advances,
  // since the side of a row is as hard to predict as the split. `write <= i` keeps reads ahead of writes.
  let write = begin;
  let spilled = 0;
  for (let i = begin; i < end; i++) {
    const r = rowIndex[i];
    const right = goesRight[column[offset + r]];
    rowIndex[write] = r;
    spill[spilled] = r;
    write += 1 - right;
    spilled += right;
  }
  return write - begin;
}
