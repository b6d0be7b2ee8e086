import type { BinnedMatrix } from './binned-matrix.js';
import { accumulateHistogram, addHistogram, SPLIT_MIN_ROWS } from './histogram.js';
import { partitionRange } from './partition.js';

/**
 * The two per-row passes of growing a tree: building a node's histogram and partitioning a
 * node's rows by a split. Both produce the same output whatever the implementation's thread count.
 */
export interface NodeKernels {
  /**
   * Adds the rows `rowIndex[begin..end)` to a zeroed `hist` (see accumulateHistogram). Nodes of at
   * least SPLIT_MIN_ROWS rows are summed as two halves that are then added, in every implementation.
   */
  build(rowIndex: Int32Array, begin: number, end: number, gradPairs: Float64Array, hist: Float64Array): void;
  /**
   * Stable partition of `rowIndex[begin..end)` by the local bins of `feature`, with the bins
   * where `goesRight` (the array given when the kernels were made) is 1 going right. Returns the
   * boundary: the left child is `begin..boundary`.
   */
  partition(rowIndex: Int32Array, begin: number, end: number, feature: number): number;
  close(): Promise<void>;
}

/** Runs both kernels on the calling thread. */
export class SerialKernels implements NodeKernels {
  private readonly secondHalf: Float64Array;
  private readonly spill: Int32Array;

  constructor(
    private readonly bins: BinnedMatrix,
    private readonly goesRight: Uint8Array,
  ) {
    this.secondHalf = new Float64Array(2 * bins.totalBins);
    this.spill = new Int32Array(bins.rows);
  }

  build(rowIndex: Int32Array, begin: number, end: number, gradPairs: Float64Array, hist: Float64Array): void {
    if (end - begin < SPLIT_MIN_ROWS) {
      accumulateHistogram(this.bins, rowIndex, begin, end, gradPairs, hist);
      return;
    }
    const middle = (begin + end) >>> 1;
    accumulateHistogram(this.bins, rowIndex, begin, middle, gradPairs, hist);
    this.secondHalf.fill(0);
    accumulateHistogram(this.bins, rowIndex, middle, end, gradPairs, this.secondHalf);
    addHistogram(hist, this.secondHalf);
  }

  partition(rowIndex: Int32Array, begin: number, end: number, feature: number): number {
    const left = partitionRange(rowIndex, begin, end, this.bins.columnBins, feature * this.bins.rows, this.goesRight, this.spill);
    rowIndex.set(this.spill.subarray(0, end - begin - left), begin + left);
    return begin + left;
  }

  async close(): Promise<void> {}
}
