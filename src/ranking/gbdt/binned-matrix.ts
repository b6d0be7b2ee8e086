import { binOf, type HistogramCuts } from './quantile.js';

/**
 * The training matrix as histogram bin ids, stored row-wise and sparse: each feature f owns the
 * global bins `binStart[f] .. binStart[f] + cuts(f)` where the last one is its missing-value bin.
 * For each feature the most frequent bin (`defaultBin[f]`, a global id) is not stored: its
 * gradient sum is the node total minus the other bins of the feature. One-hot and mostly-missing
 * columns then cost almost nothing to build histograms for.
 */
export interface BinnedMatrix {
  readonly rows: number;
  readonly columns: number;
  readonly totalBins: number;
  /** First global bin of each feature; length columns + 1. */
  readonly binStart: Int32Array;
  readonly defaultBin: Int32Array;
  /** 1 when the feature has a missing value in some training row. */
  readonly hasMissing: Uint8Array;
  /** Row r's stored bins are `entryBins[rowPtr[r] .. rowPtr[r+1])`. */
  readonly rowPtr: Int32Array;
  readonly entryBins: Uint16Array | Int32Array;
  /**
   * Local bin of every value, column-major (`columnBins[f * rows + r]`; the missing bin of feature
   * f is its last local bin). Partitioning a node reads one column here, in row order.
   */
  readonly columnBins: Uint16Array | Int32Array;
}

type BinArray = Uint16Array | Int32Array;

/** A zeroed Uint16Array when every bin id fits in 16 bits, else an Int32Array; on a SharedArrayBuffer when `shared`. */
function binArray(length: number, totalBins: number, shared: boolean): BinArray {
  if (totalBins <= 65_536) return shared ? new Uint16Array(new SharedArrayBuffer(2 * length)) : new Uint16Array(length);
  return shared ? new Int32Array(new SharedArrayBuffer(4 * length)) : new Int32Array(length);
}

/**
 * Bins every value of a row-major matrix (shape [rows, columns], NaN = missing). With `shared`,
 * `rowPtr`, `entryBins` and `columnBins` live on SharedArrayBuffers that worker threads read.
 */
export function buildBinnedMatrix(matrix: Float32Array, rows: number, columns: number, cuts: HistogramCuts, shared = false): BinnedMatrix {
  const binStart = new Int32Array(columns + 1);
  for (let f = 0; f < columns; f++) binStart[f + 1] = binStart[f] + (cuts.cutPtr[f + 1] - cuts.cutPtr[f]) + 1;
  const totalBins = binStart[columns];

  // Pass 1: local bin of every value (column-major) and the count of each global bin.
  const local = binArray(rows * columns, totalBins, shared);
  const counts = new Int32Array(totalBins);
  const hasMissing = new Uint8Array(columns);
  for (let f = 0; f < columns; f++) {
    const missingBin = binStart[f + 1] - binStart[f] - 1;
    const base = f * rows;
    for (let r = 0; r < rows; r++) {
      const v = matrix[r * columns + f];
      let bin: number;
      if (v !== v) {
        bin = missingBin;
        hasMissing[f] = 1;
      } else {
        bin = binOf(cuts, f, v);
      }
      local[base + r] = bin;
      counts[binStart[f] + bin]++;
    }
  }

  const defaultBin = new Int32Array(columns);
  for (let f = 0; f < columns; f++) {
    let best = binStart[f];
    for (let b = binStart[f] + 1; b < binStart[f + 1]; b++) if (counts[b] > counts[best]) best = b;
    defaultBin[f] = best;
  }

  // Pass 2: keep only the non-default bins, row by row.
  const rowPtr = shared ? new Int32Array(new SharedArrayBuffer(4 * (rows + 1))) : new Int32Array(rows + 1);
  for (let f = 0; f < columns; f++) {
    const skip = defaultBin[f] - binStart[f];
    const base = f * rows;
    for (let r = 0; r < rows; r++) if (local[base + r] !== skip) rowPtr[r + 1]++;
  }
  for (let r = 0; r < rows; r++) rowPtr[r + 1] += rowPtr[r];
  const entryBins = binArray(rowPtr[rows], totalBins, shared);
  const fill = rowPtr.slice(0, rows);
  for (let f = 0; f < columns; f++) {
    const skip = defaultBin[f] - binStart[f];
    const base = f * rows;
    const start = binStart[f];
    for (let r = 0; r < rows; r++) {
      const bin = local[base + r];
      if (bin !== skip) entryBins[fill[r]++] = start + bin;
    }
  }
  return { rows, columns, totalBins, binStart, defaultBin, hasMissing, rowPtr, entryBins, columnBins: local };
}
