import type { BinnedMatrix } from './binned-matrix.js';
import { accumulateHistogram, addHistogram, SPLIT_MIN_ROWS } from './histogram.js';
import { fillGoesRight, maxFeatureBins, partitionRange, type PartitionJob } from './partition.js';

/** One node's histogram to build: the rows `rowIndex[begin..end)` go into `hist`, which must be zeroed. */
export interface HistogramJob {
  begin: number;
  end: number;
  hist: Float64Array;
}

/**
 * The two per-row passes of growing a tree, over all nodes of one tree level at a time: building
 * histograms and partitioning rows by splits. The output does not depend on the implementation
 * or its thread count.
 */
export interface NodeKernels {
  /**
   * Builds each job's histogram (see accumulateHistogram). A node of at least SPLIT_MIN_ROWS rows
   * is summed as two halves that are then added. A smaller node is summed in one pass, in row order.
   * `onBuilt(k)` is called for every job in order, as soon as job k's histogram is complete, so the
   * caller can use it while it is still in cache.
   */
  build(rowIndex: Int32Array, gradPairs: Float64Array, jobs: readonly HistogramJob[], onBuilt?: (k: number) => void): void;
  /** Partitions each job's rows in place (stable, left child first); returns each job's boundary, where its right child starts. */
  partition(rowIndex: Int32Array, jobs: readonly PartitionJob[]): number[];
  /**
   * Adds `rightValue` to margins[r] for each row r of the job's range that the job's split sends
   * right, and `leftValue` for the others, as float32 additions, without moving rows. Returns
   * false, having done nothing, when the implementation cannot handle these arrays.
   */
  addSplitLeafValues?(rowIndex: Int32Array, margins: Float32Array, job: PartitionJob, leftValue: number, rightValue: number): boolean;
  /**
   * Returns [Σ gradient, Σ hessian] over the rows rowIndex[begin..end), each added from 0 in row
   * order. The next call overwrites the returned buffer. Returns null when the implementation
   * cannot handle these arrays.
   */
  sumGradPairs?(rowIndex: Int32Array, gradPairs: Float64Array, begin: number, end: number): Float64Array | null;
  close(): Promise<void>;
}

/** Runs both kernels on the calling thread. */
export class SerialKernels implements NodeKernels {
  private readonly secondHalf: Float64Array;
  private readonly spill: Int32Array;
  private readonly goesRight: Uint8Array;

  constructor(private readonly bins: BinnedMatrix) {
    this.secondHalf = new Float64Array(2 * bins.totalBins);
    this.spill = new Int32Array(bins.rows);
    this.goesRight = new Uint8Array(maxFeatureBins(bins));
  }

  build(rowIndex: Int32Array, gradPairs: Float64Array, jobs: readonly HistogramJob[], onBuilt?: (k: number) => void): void {
    jobs.forEach(({ begin, end, hist }, k) => {
      if (end - begin < SPLIT_MIN_ROWS) {
        accumulateHistogram(this.bins, rowIndex, begin, end, gradPairs, hist);
      } else {
        const middle = (begin + end) >>> 1;
        accumulateHistogram(this.bins, rowIndex, begin, middle, gradPairs, hist);
        this.secondHalf.fill(0);
        accumulateHistogram(this.bins, rowIndex, middle, end, gradPairs, this.secondHalf);
        addHistogram(hist, this.secondHalf);
      }
      onBuilt?.(k);
    });
  }

  partition(rowIndex: Int32Array, jobs: readonly PartitionJob[]): number[] {
    return jobs.map((job) => partitionOnCallingThread(this.bins, rowIndex, job, this.goesRight, this.spill));
  }

  async close(): Promise<void> {}
}

/** Partitions one job with the calling thread's table and spill buffer; returns the boundary. */
export function partitionOnCallingThread(bins: BinnedMatrix, rowIndex: Int32Array, job: PartitionJob, goesRight: Uint8Array, spill: Int32Array): number {
  const { begin, end, feature } = job;
  fillGoesRight(goesRight, bins, feature, job.leftMaxBin, job.defaultLeft);
  const left = partitionRange(rowIndex, begin, end, bins.columnBins, feature * bins.rows, goesRight, spill);
  rowIndex.set(spill.subarray(0, end - begin - left), begin + left);
  return begin + left;
}
