import type { BinnedMatrix } from './binned-matrix.js';

/**
 * Adds the gradient pairs of the rows `rowIndex[begin..end)` to `hist` (interleaved
 * [g0, h0, g1, h1, …] per global bin, float64). `gradPairs` contains row r's gradient at 2r and its
 * hessian at 2r + 1, so one cache line serves both. Only stored (non-default) bins are touched;
 * call fillDefaultBins once all rows of the node are in. The function uses nothing outside its
 * body because the worker thread of the parallel builder compiles it from its source text.
 */
export function accumulateHistogram(bins: BinnedMatrix, rowIndex: Int32Array, begin: number, end: number, gradPairs: Float64Array, hist: Float64Array): void {
  const { rowPtr, entryBins } = bins;
  for (let i = begin; i < end; i++) {
    const r = rowIndex[i];
    const g = gradPairs[2 * r];
    const h = gradPairs[2 * r + 1];
    const stop = rowPtr[r + 1];
    let k = rowPtr[r];
    // Two entries per step: the bins of one row are distinct, so the updates do not depend on each other.
    for (; k + 1 < stop; k += 2) {
      const first = entryBins[k] << 1;
      const second = entryBins[k + 1] << 1;
      hist[first] += g;
      hist[first + 1] += h;
      hist[second] += g;
      hist[second + 1] += h;
    }
    if (k < stop) {
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

/** Adds `other` into `hist`, bin by bin. */
export function addHistogram(hist: Float64Array, other: Float64Array): void {
  for (let i = 0; i < hist.length; i++) hist[i] += other[i];
}

/**
 * Nodes with at least this many rows are summed as two halves split at the middle position, each
 * into its own buffer, and the second half is then added to the first. Every NodeKernels
 * implementation follows this rule, whatever its thread count, so a histogram has the same
 * rounding with 1 or 2 threads. Below it, waking a worker thread costs more than it saves.
 */
export const SPLIT_MIN_ROWS = 8192;
