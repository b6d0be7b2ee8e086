import type { BinnedMatrix } from './binned-matrix.js';

/**
 * Adds the gradients and hessians of the rows `rowIndex[begin..end)` to `hist` (interleaved
 * [g0, h0, g1, h1, …] per global bin, float64). Only stored (non-default) bins are touched; call
 * fillDefaultBins once all rows of the node are in.
 */
export function accumulateHistogram(
  bins: BinnedMatrix,
  rowIndex: Int32Array,
  begin: number,
  end: number,
  grad: Float32Array,
  hess: Float32Array,
  hist: Float64Array,
): void {
  const { rowPtr, entryBins } = bins;
  for (let i = begin; i < end; i++) {
    const r = rowIndex[i];
    const g = grad[r];
    const h = hess[r];
    const stop = rowPtr[r + 1];
    for (let k = rowPtr[r]; k < stop; k++) {
      const slot = entryBins[k] << 1;
      hist[slot] += g;
      hist[slot + 1] += h;
    }
  }
}

/** Sets each feature's default bin to the node totals minus the feature's other bins. */
export function fillDefaultBins(bins: BinnedMatrix, hist: Float64Array, sumGrad: number, sumHess: number): void {
  const { binStart, defaultBin, columns } = bins;
  for (let f = 0; f < columns; f++) {
    let g = 0;
    let h = 0;
    for (let b = binStart[f]; b < binStart[f + 1]; b++) {
      g += hist[2 * b];
      h += hist[2 * b + 1];
    }
    const d = 2 * defaultBin[f];
    hist[d] = sumGrad - (g - hist[d]);
    hist[d + 1] = Math.max(0, sumHess - (h - hist[d + 1]));
  }
}

/** Writes `parent - child` into `out` (the sibling's histogram). `out` may be `parent`. */
export function subtractHistogram(parent: Float64Array, child: Float64Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = parent[i] - child[i];
}

/** Builds the full histogram of a node; implementations split the rows across threads. */
export interface HistogramBuilder {
  build(rowIndex: Int32Array, begin: number, end: number, grad: Float32Array, hess: Float32Array, hist: Float64Array): void;
  close(): Promise<void>;
}

/** Builds histograms on the calling thread. */
export class SerialHistogramBuilder implements HistogramBuilder {
  constructor(private readonly bins: BinnedMatrix) {}

  build(rowIndex: Int32Array, begin: number, end: number, grad: Float32Array, hess: Float32Array, hist: Float64Array): void {
    accumulateHistogram(this.bins, rowIndex, begin, end, grad, hess, hist);
  }

  async close(): Promise<void> {}
}
