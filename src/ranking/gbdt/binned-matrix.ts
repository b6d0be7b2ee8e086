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

/**
 * Allocator of a binned matrix's large arrays, each zeroed, with `length` in elements. Bin arrays
 * must be Uint16Array when the matrix has at most 65,536 bins, else Int32Array.
 */
export interface BinStorage {
  binArray(part: 'columnBins' | 'entryBins', length: number, totalBins: number): BinArray;
  rowPtr(length: number): Int32Array;
}

/** Storage on the heap, or on SharedArrayBuffers that worker threads read when `shared`. */
function heapStorage(shared: boolean): BinStorage {
  return {
    binArray(_part, length, totalBins) {
      if (totalBins <= 65_536) return shared ? new Uint16Array(new SharedArrayBuffer(2 * length)) : new Uint16Array(length);
      return shared ? new Int32Array(new SharedArrayBuffer(4 * length)) : new Int32Array(length);
    },
    rowPtr: (length) => (shared ? new Int32Array(new SharedArrayBuffer(4 * length)) : new Int32Array(length)),
  };
}

/** First global bin of each feature for `cuts`, missing bins included; length columns + 1. */
export function binStartOf(cuts: HistogramCuts, columns: number): Int32Array {
  const binStart = new Int32Array(columns + 1);
  for (let f = 0; f < columns; f++) binStart[f + 1] = binStart[f] + (cuts.cutPtr[f + 1] - cuts.cutPtr[f]) + 1;
  return binStart;
}

/**
 * Bins every value of a row-major matrix (shape [rows, columns], NaN = missing). `rowPtr`,
 * `entryBins` and `columnBins` come from `storage`; `true` puts them on SharedArrayBuffers that
 * worker threads read, `false` on the heap.
 */
export function buildBinnedMatrix(matrix: Float32Array, rows: number, columns: number, cuts: HistogramCuts, storage: boolean | BinStorage = false): BinnedMatrix {
  const store = typeof storage === 'boolean' ? heapStorage(storage) : storage;
  const binStart = binStartOf(cuts, columns);
  const totalBins = binStart[columns];

  // Pass 1: local bin of every value (column-major) and the count of each global bin.
  const local = store.binArray('columnBins', rows * columns, totalBins);
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
  const rowPtr = store.rowPtr(rows + 1);
  for (let f = 0; f < columns; f++) {
    const skip = defaultBin[f] - binStart[f];
    const base = f * rows;
    for (let r = 0; r < rows; r++) if (local[base + r] !== skip) rowPtr[r + 1]++;
  }
  for (let r = 0; r < rows; r++) rowPtr[r + 1] += rowPtr[r];
  const entryBins = store.binArray('entryBins', rowPtr[rows], totalBins);
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
